"""The value checks: each takes plain values and returns None when they are fine, or a one-line message that
says what is wrong, why it matters on GKE and how to fix it. Each is declared as a `Rule` right above it.

Spec validation calls these checks (through pydantic validators in `models.py` and in `validate.py`); the
manifest linter reuses the same functions, so no rule is written twice. The IAP checks are in iaprules.py.
What a rule declaration holds: rulebook.py.
"""

from __future__ import annotations

import re

from iapgen.errors import show
from iapgen.spec import examples_values as value_examples
from iapgen.spec.rulebook import CATALOGUE, ERROR, WARNING, Rule, rule_of

__all__ = ["CATALOGUE", "ERROR", "WARNING", "Rule", "rule_of"]


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


NAME_INVALID = Rule(
    "NAME_INVALID", "Service names must be DNS-1035 labels: they name the Service and the GCE objects.",
    source="gke-behaviour.md#gce-and-kubernetes-names",
    why="The name is used for the Service and the GCE objects, which refuse it.",
    fix="Use lower-case letters, digits and '-', starting with a letter.",
    examples=value_examples.NAME_INVALID)


@NAME_INVALID.check
def check_name(value: str) -> str | None:
    if len(value) > 63:
        return f"{show(value)} is {len(value)} characters; Kubernetes Service names are at most 63"
    if not DNS1035_LABEL.fullmatch(value):
        return (f"{show(value)} is not a DNS-1035 label: use lower-case letters, digits and '-', "
                "starting with a letter and not ending with '-' (e.g. 'argocd')")
    return None


DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


PINNED_NAME_INVALID = Rule(
    "PINNED_NAME_INVALID", "A name under names: must be valid for its object: a Kubernetes object name, or a GCE "
    "name for the static IP.",
    source="design.md#names-of-adopted-objects, gke-behaviour.md#gce-and-kubernetes-names",
    why="Kubernetes or GCE refuses the name.", fix="Copy the name from kubectl get or gcloud.",
    examples=value_examples.PINNED_NAME_INVALID)


@PINNED_NAME_INVALID.check
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


NAMESPACE_INVALID = Rule(
    "NAMESPACE_INVALID", "Namespaces must be DNS-1123 labels.",
    source="gke-behaviour.md#gce-and-kubernetes-names",
    why="Kubernetes refuses the namespace name.", fix="Use lower-case letters, digits and '-'.",
    examples=value_examples.NAMESPACE_INVALID)


@NAMESPACE_INVALID.check
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


SELECTOR_INVALID = Rule(
    "SELECTOR_INVALID", "Selector keys and values must be valid Kubernetes label names and values.",
    source="gke-behaviour.md#service-validation",
    why="Kubernetes refuses the Service.", fix="Use valid label keys and values; quote values like 'true'.",
    examples=value_examples.SELECTOR_INVALID)


@SELECTOR_INVALID.check
def check_selector(selector: dict[str, str]) -> str | None:
    for key, value in selector.items():
        message = _label_problem(key, value)
        if message:
            return message
    return None


ENV_NAME_INVALID = Rule(
    "ENV_NAME_INVALID", "Environment names are short DNS-1035 labels: the stack name, part of GCE names.",
    source="gke-behaviour.md#gce-and-kubernetes-names",
    why="The environment name is the Pulumi stack name and part of generated GCE names.",
    fix="Use a short lower-case name such as dev or prod.",
    examples=value_examples.ENV_NAME_INVALID)


@ENV_NAME_INVALID.check
def check_env_name(value: str) -> str | None:
    if len(value) > 20 or not DNS1035_LABEL.fullmatch(value):
        return (f"environment {show(value)} must be a short DNS-1035 label (at most 20 characters, "
                "e.g. dev, prod): it is the Pulumi stack name and part of generated GCE names")
    return None


PROJECT_ID_INVALID = Rule(
    "PROJECT_ID_INVALID", "GCP project ids are 6-30 characters: lower-case letters, digits, '-'.",
    source="design.md#environments",
    why="GCP APIs take the project id, not its display name or number.", fix="Use the id `gcloud projects list` shows.",
    examples=value_examples.PROJECT_ID_INVALID)


@PROJECT_ID_INVALID.check
def check_project_id(value: str) -> str | None:
    if not PROJECT_ID.fullmatch(value):
        return (f"{show(value)} is not a GCP project id (6-30 characters, lower-case letters, digits "
                "and '-', starting with a letter); use the id, not the display name or number")
    return None


HOST_INVALID = Rule(
    "HOST_INVALID", "Hosts must be lower-case DNS names that a managed certificate can cover.",
    source="gke-behaviour.md#managed-certificate-per-host",
    why="A managed certificate cannot be issued for it.", fix="Name the host exactly, as a lower-case DNS name.",
    examples=value_examples.HOST_INVALID)


@HOST_INVALID.check
def check_host(value: str) -> str | None:
    if value.startswith("*."):
        return (f"{show(value)} is a wildcard; Google-managed certificates do not cover wildcards, "
                "name the host exactly")
    if not HOSTNAME.fullmatch(value):
        return (f"{show(value)} is not a DNS name like argocd.acme.example: lower-case labels of "
                "letters, digits and '-', separated by dots, at most 253 characters")
    return None


# --- load balancer mode -------------------------------------------------------------------

LB_MODE_INVALID = Rule(
    "LB_MODE_INVALID", "loadBalancer names a registered mode: ingress (GKE Ingress), standalone (a load balancer "
    "the stack owns), gateway (GKE Gateway) or multicluster-gateway (a multi-cluster GKE Gateway over a "
    "fleet).",
    source="design.md#environments",
    why="iapgen does not know how to expose the services.",
    fix="Write ingress, standalone, gateway or multicluster-gateway.",
    examples=value_examples.LB_MODE_INVALID)


@LB_MODE_INVALID.check
def check_load_balancer(value: str, modes: tuple[str, ...]) -> str | None:
    """`modes`: the registered loadBalancer modes (iapgen/modes)."""
    if value in modes:
        return None
    hint = f"; write {value.lower()}" if value.lower() in modes else ""
    return f"invalid loadBalancer {show(value)}; allowed: {', '.join(modes)}{hint}"


ZONE_INVALID = Rule(
    "ZONE_INVALID", "Zones are Compute Engine zone names such as europe-west1-b, each listed once.",
    source="gke-behaviour.md#neg-zones",
    why="NEGs are zonal: the backend service names one per zone.", fix="List each zone once, e.g. europe-west1-b.",
    examples=value_examples.ZONE_INVALID)


@ZONE_INVALID.check
def check_zone(value: str) -> str | None:
    if not ZONE.fullmatch(value):
        hint = " (that is a region: list its zones, e.g. europe-west1-b)" if re.fullmatch(
            r"[a-z]+-[a-z]+[0-9]{1,2}", value) else ""
        return (f"{show(value)} is not a Compute Engine zone like europe-west1-b{hint}; NEGs are zonal and the "
                "backend service names one per zone")
    return None


NETWORK_INVALID = Rule(
    "NETWORK_INVALID", "network is the name of the cluster's VPC network (a GCE name).",
    source="gke-behaviour.md#gce-and-kubernetes-names, gke-behaviour.md#hc-source-ranges",
    why="The firewall rule for the probes needs the network's name.",
    fix="Give the name `gcloud compute networks list` shows, not a URL.",
    examples=value_examples.NETWORK_INVALID)


@NETWORK_INVALID.check
def check_network(value: str) -> str | None:
    if len(value) > 63 or not GCE_NAME.fullmatch(value):
        return (f"{show(value)} is not a VPC network name (1-63 lower-case letters, digits and '-', starting with a "
                "letter): give the network's name as `gcloud compute networks list` shows it, not its URL")
    return None


# --- ports and protocols ------------------------------------------------------------------


PORT_RANGE = Rule(
    "PORT_RANGE", "Ports are integers from 1 to 65535.",
    source="gke-behaviour.md#service-validation",
    why="There is no such TCP port.", fix="Use a number from 1 to 65535.",
    examples=value_examples.PORT_RANGE)


@PORT_RANGE.check
def check_port(value: int) -> str | None:
    if not 1 <= value <= 65535:
        return f"{show(value)} is not a TCP port; use a number from 1 to 65535"
    return None


PROTOCOLS = ("HTTP", "HTTPS", "HTTP2")


PROTOCOL_INVALID = Rule(
    "PROTOCOL_INVALID", "The backend protocol must be HTTP, HTTPS or HTTP2 (case-sensitive).",
    source="gke-behaviour.md#app-protocols-by-port-name, gke-behaviour.md#http2-means-tls",
    why="GKE matches protocols case-sensitively and knows no others.", fix="Write HTTP, HTTPS or HTTP2.",
    examples=value_examples.PROTOCOL_INVALID)


@PROTOCOL_INVALID.check
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


HC_PATH = Rule(
    "HC_PATH", "The health-check path must start with '/' and be plain printable ASCII.",
    source="gke-behaviour.md#hc-request-path",
    why="The Compute API rejects such a request path.",
    fix="Start the path with '/' and percent-encode other characters.",
    examples=value_examples.HC_PATH)


@HC_PATH.check
def check_hc_path(value: str) -> str | None:
    if not value.startswith("/"):
        return f"{show(value)} must start with '/', e.g. /healthz"
    if len(value) > 1024:
        return f"path is {len(value)} characters; the Compute API allows at most 1024"
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        return f"{show(value)} contains spaces or non-ASCII characters; percent-encode them"
    return None


HC_RANGE = Rule(
    "HC_RANGE", "Health-check intervals and timeouts are 1..300 s, thresholds 1..10.",
    source="gke-behaviour.md#hc-timeout-le-interval",
    why="The Compute API rejects the health check.", fix="Use a value within the bounds the finding gives.",
    examples=value_examples.HC_RANGE)


@HC_RANGE.check
def check_hc_range(kind: str, value: int) -> str | None:
    low, high, unit = (1, 10, "") if kind == "threshold" else (1, 300, " seconds")
    if not low <= value <= high:
        return f"{show(value)} must be {low}..{high}{unit} (the bounds of Google's own health-check API)"
    return None


HC_TIMEOUT_GT_INTERVAL = Rule(
    "HC_TIMEOUT_GT_INTERVAL", "A health-check timeout may not exceed its interval (the API rejects it), counting "
    "the controller's default for the one a BackendConfig leaves unset.",
    source="gke-behaviour.md#hc-timeout-le-interval, gke-behaviour.md#hc-controller-defaults",
    why="The Compute API rejects the health check, so the backend keeps the old one.",
    fix="Lower timeoutSec or raise checkIntervalSec.",
    lint_severity="A warning when checkIntervalSec is set alone, is at least the NEG default timeout (15 s) and "
    "below the instance-group one (60 s), and the Service is instance-group backed only by inference (GKE may give "
    "it NEGs itself); also when checkIntervalSec is set alone and the Pods behind every Service using the "
    "BackendConfig have an HTTP readinessProbe on the serving port whose timeoutSeconds (default 1) fits in the "
    "interval: the controller takes that timeout when it creates the health check, so the config syncs, but only "
    "if the health check was created with that probe (gke-behaviour.md#hc-readiness-probe-timeout).",
    examples=value_examples.HC_TIMEOUT_GT_INTERVAL)


@HC_TIMEOUT_GT_INTERVAL.check
def check_hc_timeout(timeout_sec: int, interval_sec: int) -> str | None:
    if timeout_sec > interval_sec:
        return (f"timeoutSec ({timeout_sec}) must be <= checkIntervalSec ({interval_sec}); the Compute API "
                f"rejects the health check otherwise: lower timeoutSec or raise checkIntervalSec")
    return None


HC_PORT_NOT_TARGET = Rule(
    "HC_PORT_NOT_TARGET", "With NEGs the health check probes the Pod IP, so its port must be the container port "
    "(targetPort).",
    source="gke-behaviour.md#hc-port-container-port",
    why="Probes reach the Pod IP; on another port nothing answers and the backend turns UNHEALTHY.",
    fix="Use the container port (targetPort), or leave the port out.",
    lint_severity="A warning when the Pods the Service selects are not in the Service's own file, or declare no "
    "containerPorts: the port may be a health-check sidecar's that lint cannot see.",
    examples=value_examples.HC_PORT_NOT_TARGET)


@HC_PORT_NOT_TARGET.check
def check_hc_port(hc_port: int, service_port: int, target_port: int) -> str | None:
    if hc_port == target_port:
        return None
    if hc_port == service_port:
        return (f"{hc_port} is the Service port; with NEGs the probe reaches the Pod IP, so use "
                f"targetPort {target_port} or omit it")
    return (f"{hc_port} is not the container port; the probe reaches the Pod IP on this port, "
            f"so use targetPort {target_port} or omit it")


HC_PROTOCOL_MISMATCH = Rule(
    "HC_PROTOCOL_MISMATCH", "The health check must speak the protocol the server speaks.",
    source="gke-behaviour.md#hc-type-follows-protocol",
    why="A probe in another protocol than the server's fails and the backend turns UNHEALTHY.",
    fix="Use the server's protocol, or leave it out to follow the backend's.",
    examples=value_examples.HC_PROTOCOL_MISMATCH)


@HC_PROTOCOL_MISMATCH.check
def check_hc_protocol(hc_protocol: str, protocol: str) -> str | None:
    if hc_protocol != protocol:
        return (f"{hc_protocol} but the server speaks {protocol} on targetPort; a {hc_protocol} probe "
                f"against a {protocol} server fails and the backend turns UNHEALTHY: use {protocol} or omit it")
    return None
