"""The rule catalogue: every check iapgen makes, each with a stable id and one function.

A check takes plain values and returns None when they are fine, or a one-line message that
says what is wrong, why it matters on GKE and how to fix it. Spec validation calls these
checks (through pydantic validators in `models.py` and in `validate.py`); the manifest linter
reuses the same functions, so no rule is written twice.

`Rule.source` points at the entry of docs/gke-behaviour.md (or the section of docs/design.md)
that backs the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from iapgen.errors import show

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    source: str


CATALOGUE: dict[str, Rule] = {}

F = TypeVar("F", bound=Callable[..., str | None])


def _register(rule_id: str, summary: str, source: str, severity: str = ERROR) -> Rule:
    if rule_id in CATALOGUE:
        raise ValueError(f"rule {rule_id} registered twice")
    CATALOGUE[rule_id] = Rule(rule_id, severity, summary, source)
    return CATALOGUE[rule_id]


def rule(rule_id: str, summary: str, source: str, severity: str = ERROR) -> Callable[[F], F]:
    """Register a check function under a stable rule id (kept on the function as `.rule`)."""

    def wrap(check: F) -> F:
        check.rule = _register(rule_id, summary, source, severity)  # type: ignore[attr-defined]
        return check

    return wrap


def rule_of(check: Callable[..., str | None]) -> Rule:
    return check.rule  # type: ignore[attr-defined]


# Rules about the file itself, raised by the loaders rather than by a check function.
_register("FILE_UNREADABLE", "The spec or manifest file cannot be read.", "design.md#yaml-loading")
_register("YAML_SYNTAX", "The file is not valid YAML (syntax, encoding, tags, recursive aliases).",
          "design.md#yaml-loading")
_register("YAML_DUPLICATE_KEY", "A mapping repeats a key; YAML would silently keep the last one.",
          "design.md#yaml-loading")
_register("YAML_TOO_LARGE", "The file is too large, too deep or expands too far (alias bombs).",
          "design.md#yaml-loading")
_register("SPEC_SHAPE", "A field is missing, of the wrong type, or unknown.", "design.md#the-spec-file")
_register("ENV_UNKNOWN", "The Pulumi stack selects an environment that the spec does not define.",
          "design.md#environments")
_register("OVERRIDE_UNKNOWN_ENV", "A service overrides an environment that the spec does not define.",
          "design.md#overrides")
_register("SERVICE_DUPLICATE", "Two services share a name; generated objects would collide.", "design.md#services")
_register("HOST_DUPLICATE", "Two services of one environment claim the same host.",
          "gke-behaviour.md#ingress-one-rule-per-host, gke-behaviour.md#managed-certificate-per-host")
_register("NAME_TOO_LONG", "A generated object name would exceed 63 characters.",
          "gke-behaviour.md#gce-and-kubernetes-names, gke-behaviour.md#ingress-static-ip, "
          "gke-behaviour.md#neg-custom-names")
_register("PROJECT_MISMATCH", "Stack config gcp:project differs from the environment's project.",
          "design.md#stack-config")
_register("INGRESS_CERT_LIMIT", "More services pinned to one Ingress than it can hold certificates for (15).",
          "gke-behaviour.md#target-proxy-certificate-limit, design.md#ingress-layout")
_register("INGRESS_PIN_REQUIRED", "A service past the 15 hosts of its namespace's first Ingress does not say "
          "which Ingress serves it (ingress: N).",
          "gke-behaviour.md#target-proxy-certificate-limit, design.md#ingress-layout")
_register("NAME_COLLISION", "Two Ingresses of one environment would get the same static IP name.",
          "gke-behaviour.md#gce-and-kubernetes-names, design.md#ingress-layout")
_register("STACK_CONFIG_INVALID", "A stack config value iapgen reads is not of the expected form.",
          "design.md#stack-config")
_register("OAUTH_SECRET_MISSING", "A custom IAP OAuth client needs its secret in the stack's secret config.",
          "gke-behaviour.md#iap-oauth-client, design.md#stack-config")
_register("IAP_NO_MEMBERS", "IAP is on but nobody is granted access, so every request gets 403.",
          "gke-behaviour.md#iap-enable-and-bind")
_register("PINNED_NAME_CONFLICT", "Pinned names disagree: services of one namespace name different Ingresses or "
          "static IPs, or two services claim one BackendConfig or certificate.", "design.md#names-of-adopted-objects")
_register("STANDALONE_FIELD_MISSING", "A standalone environment must list its zones and name its network.",
          "gke-behaviour.md#neg-zones, gke-behaviour.md#hc-source-ranges, design.md#environments")
_register("LB_FIELD_OTHER_MODE", "An environment sets a field that only another loadBalancer mode reads.",
          "design.md#environments")
_register("GCE_NAME_COLLISION", "Two environments in one project would generate the same GCE object name.",
          "gke-behaviour.md#neg-custom-names, gke-behaviour.md#gce-and-kubernetes-names")

def decimal(text: str) -> int | None:
    """A plain decimal port or key ("443"); None for anything else ("²", "--80", 5,000 digits)."""
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text) else None


# --- names --------------------------------------------------------------------------------

DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PROJECT_ID = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
GCE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]{1,2}-[a-z]$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


@rule("NAME_INVALID", "Service names must be DNS-1035 labels: they name the Service and the GCE objects.",
      "gke-behaviour.md#gce-and-kubernetes-names")
def check_name(value: str) -> str | None:
    if len(value) > 63:
        return f"{show(value)} is {len(value)} characters; Kubernetes Service names are at most 63"
    if not DNS1035_LABEL.fullmatch(value):
        return (f"{show(value)} is not a DNS-1035 label: use lower-case letters, digits and '-', "
                "starting with a letter and not ending with '-' (e.g. 'argocd')")
    return None


DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@rule("PINNED_NAME_INVALID", "A name under names: must be valid for its object: a Kubernetes object name, or a GCE "
      "name for the static IP.", "design.md#names-of-adopted-objects, gke-behaviour.md#gce-and-kubernetes-names")
def check_pinned_name(kind: str, value: str) -> str | None:
    """kind "kubernetes": a DNS-1123 subdomain (BackendConfig, ManagedCertificate, Ingress); "gce": a GCE name."""
    if kind == "gce":
        if len(value) > 63 or not DNS1035_LABEL.fullmatch(value):
            return (f"{show(value)} is not a GCE resource name: 1-63 lower-case letters, digits and '-', starting "
                    "with a letter (copy it from gcloud compute addresses list --global)")
        return None
    if len(value) > 253 or not DNS1123_SUBDOMAIN.fullmatch(value):
        return (f"{show(value)} is not a Kubernetes object name: at most 253 lower-case letters, digits, '-' and "
                "'.', starting and ending with a letter or digit (copy it from kubectl get)")
    return None


@rule("NAMESPACE_INVALID", "Namespaces must be DNS-1123 labels.", "gke-behaviour.md#gce-and-kubernetes-names")
def check_namespace(value: str) -> str | None:
    if len(value) > 63 or not DNS1123_LABEL.fullmatch(value):
        return (f"{show(value)} is not a Kubernetes namespace name: at most 63 lower-case letters, "
                "digits and '-', starting and ending with a letter or digit")
    return None


def _label_problem(key: str, value: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or (not HOSTNAME.fullmatch(prefix) and not DNS1123_LABEL.fullmatch(prefix))):
        return f"label key {show(key)} has an invalid prefix; a prefix is a DNS subdomain like app.kubernetes.io"
    if len(name) > 63 or not LABEL_NAME.fullmatch(name):
        return f"label key {show(key)} is invalid: at most 63 characters [A-Za-z0-9-_.], alphanumeric at both ends"
    if len(value) > 63 or not LABEL_VALUE.fullmatch(value):
        return (f"label value {show(value)} for {show(key)} is invalid: at most 63 characters "
                "[A-Za-z0-9-_.], alphanumeric at both ends; quote values such as 'true' or '8080'")
    return None


@rule("SELECTOR_INVALID", "Selector keys and values must be valid Kubernetes label names and values.",
      "gke-behaviour.md#service-validation")
def check_selector(selector: dict[str, str]) -> str | None:
    for key, value in selector.items():
        message = _label_problem(key, value)
        if message:
            return message
    return None


@rule("ENV_NAME_INVALID", "Environment names are short DNS-1035 labels: the stack name, part of GCE names.",
      "gke-behaviour.md#gce-and-kubernetes-names")
def check_env_name(value: str) -> str | None:
    if len(value) > 20 or not DNS1035_LABEL.fullmatch(value):
        return (f"environment {show(value)} must be a short DNS-1035 label (at most 20 characters, "
                "e.g. dev, prod): it is the Pulumi stack name and part of generated GCE names")
    return None


@rule("PROJECT_ID_INVALID", "GCP project ids are 6-30 characters: lower-case letters, digits, '-'.",
      "design.md#environments")
def check_project_id(value: str) -> str | None:
    if not PROJECT_ID.fullmatch(value):
        return (f"{show(value)} is not a GCP project id (6-30 characters, lower-case letters, digits "
                "and '-', starting with a letter); use the id, not the display name or number")
    return None


@rule("HOST_INVALID", "Hosts must be lower-case DNS names that a managed certificate can cover.",
      "gke-behaviour.md#managed-certificate-per-host")
def check_host(value: str) -> str | None:
    if value.startswith("*."):
        return (f"{show(value)} is a wildcard; Google-managed certificates do not cover wildcards, "
                "name the host exactly")
    if not HOSTNAME.fullmatch(value):
        return (f"{show(value)} is not a DNS name like argocd.acme.example: lower-case labels of "
                "letters, digits and '-', separated by dots, at most 253 characters")
    return None


# --- load balancer mode -------------------------------------------------------------------

@rule("LB_MODE_INVALID", "loadBalancer is ingress (GKE Ingress), standalone (a load balancer the stack owns), "
      "gateway (GKE Gateway) or multicluster-gateway (a multi-cluster GKE Gateway over a fleet).",
      "design.md#environments")
def check_load_balancer(value: str, modes: tuple[str, ...]) -> str | None:
    """`modes`: the registered loadBalancer modes (iapgen/modes)."""
    if value in modes:
        return None
    hint = f"; write {value.lower()}" if value.lower() in modes else ""
    return f"invalid loadBalancer {show(value)}; allowed: {', '.join(modes)}{hint}"


@rule("SERVICE_FIELD_OTHER_MODE", "A service sets a field that only another loadBalancer mode reads (e.g. "
      "clusters, read only by multicluster-gateway).", "design.md#services")
def check_service_field_mode(field: str, mode: str, owners: list[str]) -> str | None:
    """`owners`: the modes that read `field`; `mode`: the environment's."""
    if mode in owners:
        return None
    return (f"{field} is read only with loadBalancer: {' or '.join(owners)}, but this environment uses {mode}, "
            f"which would silently ignore it; remove it (or set it in the overrides of a {owners[0]} environment)")


@rule("ZONE_INVALID", "Zones are Compute Engine zone names such as europe-west1-b, each listed once.",
      "gke-behaviour.md#neg-zones")
def check_zone(value: str) -> str | None:
    if not ZONE.fullmatch(value):
        hint = " (that is a region: list its zones, e.g. europe-west1-b)" if re.fullmatch(
            r"[a-z]+-[a-z]+[0-9]{1,2}", value) else ""
        return (f"{show(value)} is not a Compute Engine zone like europe-west1-b{hint}; NEGs are zonal and the "
                "backend service names one per zone")
    return None


@rule("NETWORK_INVALID", "network is the name of the cluster's VPC network (a GCE name).",
      "gke-behaviour.md#gce-and-kubernetes-names, gke-behaviour.md#hc-source-ranges")
def check_network(value: str) -> str | None:
    if len(value) > 63 or not GCE_NAME.fullmatch(value):
        return (f"{show(value)} is not a VPC network name (1-63 lower-case letters, digits and '-', starting with a "
                "letter): give the network's name as `gcloud compute networks list` shows it, not its URL")
    return None


# --- ports and protocols ------------------------------------------------------------------


@rule("PORT_RANGE", "Ports are integers from 1 to 65535.", "gke-behaviour.md#service-validation")
def check_port(value: int) -> str | None:
    if not 1 <= value <= 65535:
        return f"{show(value)} is not a TCP port; use a number from 1 to 65535"
    return None


PROTOCOLS = ("HTTP", "HTTPS", "HTTP2")


@rule("PROTOCOL_INVALID", "The backend protocol must be HTTP, HTTPS or HTTP2 (case-sensitive).",
      "gke-behaviour.md#app-protocols-by-port-name, gke-behaviour.md#http2-means-tls")
def check_protocol(value: str) -> str | None:
    if value in PROTOCOLS:
        return None
    hint = ""
    if value.upper() in PROTOCOLS:
        hint = f"; GKE matches protocols case-sensitively, write {value.upper()}"
    elif value.upper() in ("H2C", "GRPC"):
        hint = "; cleartext HTTP/2 (h2c) is not reachable through GKE Ingress, serve HTTP2 over TLS"
    return f"invalid protocol {show(value)}; allowed: HTTP, HTTPS, HTTP2{hint}"


# --- health checks ------------------------------------------------------------------------


@rule("HC_PATH", "The health-check path must start with '/' and be plain printable ASCII.",
      "gke-behaviour.md#hc-request-path")
def check_hc_path(value: str) -> str | None:
    if not value.startswith("/"):
        return f"{show(value)} must start with '/', e.g. /healthz"
    if len(value) > 1024:
        return f"path is {len(value)} characters; the Compute API allows at most 1024"
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        return f"{show(value)} contains spaces or non-ASCII characters; percent-encode them"
    return None


@rule("HC_RANGE", "Health-check intervals and timeouts are 1..300 s, thresholds 1..10.",
      "gke-behaviour.md#hc-timeout-le-interval")
def check_hc_range(kind: str, value: int) -> str | None:
    low, high, unit = (1, 10, "") if kind == "threshold" else (1, 300, " seconds")
    if not low <= value <= high:
        return f"{show(value)} must be {low}..{high}{unit} (the bounds of Google's own health-check API)"
    return None


@rule("HC_TIMEOUT_GT_INTERVAL", "A health-check timeout may not exceed its interval (the API rejects it), counting "
      "the controller's default for the one a BackendConfig leaves unset.",
      "gke-behaviour.md#hc-timeout-le-interval, gke-behaviour.md#hc-controller-defaults")
def check_hc_timeout(timeout_sec: int, interval_sec: int) -> str | None:
    if timeout_sec > interval_sec:
        return (f"timeoutSec ({timeout_sec}) must be <= checkIntervalSec ({interval_sec}); the Compute API "
                f"rejects the health check otherwise: lower timeoutSec or raise checkIntervalSec")
    return None


@rule("HC_PORT_NOT_TARGET", "With NEGs the health check probes the Pod IP, so its port must be the "
      "container port (targetPort).", "gke-behaviour.md#hc-port-container-port")
def check_hc_port(hc_port: int, service_port: int, target_port: int) -> str | None:
    if hc_port == target_port:
        return None
    if hc_port == service_port:
        return (f"{hc_port} is the Service port; with NEGs the probe reaches the Pod IP, so use "
                f"targetPort {target_port} or omit it")
    return (f"{hc_port} is not the container port; the probe reaches the Pod IP on this port, "
            f"so use targetPort {target_port} or omit it")


@rule("HC_PROTOCOL_MISMATCH", "The health check must speak the protocol the server speaks.",
      "gke-behaviour.md#hc-type-follows-protocol")
def check_hc_protocol(hc_protocol: str, protocol: str) -> str | None:
    if hc_protocol != protocol:
        return (f"{hc_protocol} but the server speaks {protocol} on targetPort; a {hc_protocol} probe "
                f"against a {protocol} server fails and the backend turns UNHEALTHY: use {protocol} or omit it")
    return None


# --- IAP ----------------------------------------------------------------------------------

MEMBER_PREFIXES = ("user:", "group:", "serviceAccount:", "domain:", "principal://", "principalSet://")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


@rule("IAP_PUBLIC_MEMBER", "allUsers/allAuthenticatedUsers defeat IAP and are refused.",
      "gke-behaviour.md#iap-enable-and-bind")
def check_member_public(member: str) -> str | None:
    if member in ("allUsers", "allAuthenticatedUsers"):
        return (f"{member} would let anyone through IAP; list the groups or users who need access "
                "(e.g. group:eng@acme.example), or disable IAP with a reason")
    return None


@rule("IAP_MEMBER_PREFIX", "IAP members are IAM principals: user:, group:, serviceAccount:, domain:, "
      "principal://.", "gke-behaviour.md#iap-enable-and-bind")
def check_member_prefix(member: str) -> str | None:
    kind, sep, rest = member.partition(":")
    if member.startswith(("principal://", "principalSet://")):
        return None
    if not sep or f"{kind}:" not in MEMBER_PREFIXES:
        suggestion = f"user:{member}" if EMAIL.fullmatch(member) else "user:alice@example.com"
        return (f"{show(member)} has no principal type; IAM needs one of user:, group:, "
                f"serviceAccount:, domain: (e.g. {suggestion})")
    if kind == "domain":
        if not HOSTNAME.fullmatch(rest):
            return f"{show(member)}: domain: takes a domain name, e.g. domain:acme.example"
    elif not EMAIL.fullmatch(rest):
        return f"{show(member)}: {kind}: takes an e-mail address, e.g. {kind}:someone@acme.example"
    return None


OAUTH_CLIENT_ID = re.compile(r"^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$")


@rule("OAUTH_CLIENT_ID_INVALID", "A custom IAP OAuth client id looks like 123-abc.apps.googleusercontent.com.",
      "gke-behaviour.md#iap-oauth-client")
def check_oauth_client_id(value: str) -> str | None:
    if not OAUTH_CLIENT_ID.fullmatch(value):
        return (f"{show(value)} is not an OAuth client id (NUMBER-ID.apps.googleusercontent.com, from Console > APIs "
                "& Services > Credentials); omit oauthClientId to use the Google-managed client")
    return None


@rule("IAP_DISABLED_NO_REASON", "Turning IAP off exposes the app to the internet; it needs a reason.",
      "design.md#services, gke-behaviour.md#iap-enable-and-bind")
def check_iap_reason(enabled: bool, reason: str | None) -> str | None:
    if not enabled and not (reason or "").strip():
        return ("IAP is disabled without a reason; the app would be reachable by anyone on the internet. "
                "Add iap.reason explaining why (e.g. 'public status page'), or remove enabled: false")
    return None
