"""Value checks that only `iapgen lint` needs: GKE annotations, BackendConfig and FrontendConfig
values, listen addresses. Registered in the catalogue like the spec's checks (iapgen.spec.rules);
the rules that relate objects to each other are in catalogue.py, next to nothing but their ids.
"""

from __future__ import annotations

import json

from iapgen.errors import show
from iapgen.examplekit import backend_config, deployment, service_manifest
from iapgen.spec.rulebook import Example, Rule
from iapgen.spec.rules import decimal

ANNOTATION_JSON = Rule(
    "ANNOTATION_JSON", "GKE's JSON annotations must parse as the JSON object the controller expects.",
    source="gke-behaviour.md#app-protocols-by-port-name, gke-behaviour.md#neg-exposed-ports-keys, "
    "gke-behaviour.md#backend-config-annotation",
    why="The controller rejects or ignores an annotation it cannot parse, so the setting never takes effect.",
    fix="Quote the whole value in YAML and write it as the documented JSON object.",
    examples=[Example("manifest", service_manifest("    cloud.google.com/neg: '{ingress: true}'"),
                                service_manifest())])


@ANNOTATION_JSON.check
def check_json_object(annotation: str, value: object) -> str | None:

    if not isinstance(value, str):
        return f"{annotation} must be a JSON string; quote the whole value in YAML"
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        return f"{annotation} is not valid JSON ({err.msg} at column {err.colno}); GKE ignores it or rejects it"
    except (ValueError, RecursionError):  # a number too long to convert, nesting too deep
        return f"{annotation} holds a value GKE cannot parse; write it as the documented JSON object"
    if not isinstance(parsed, dict):
        return f"{annotation} must be a JSON object like {{...}}, not {type(parsed).__name__}"
    return None


APP_PROTOCOLS_NUMERIC_KEY = Rule(
    "APP_PROTOCOLS_NUMERIC_KEY", "app-protocols keys are Service port names; GKE ignores numeric keys.",
    source="gke-behaviour.md#app-protocols-by-port-name",
    why="GKE looks protocols up by Service port name only, so the port stays HTTP.",
    fix="Name the port and key the annotation by that name.",
    examples=[Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/app-protocols: '{\"443\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))])


@APP_PROTOCOLS_NUMERIC_KEY.check
def check_app_protocols_numeric(key: str, port_names_by_number: dict[int, str | None]) -> str | None:
    number = decimal(key)
    if number is None:
        return None
    name = port_names_by_number.get(number)
    fix = (f"use the port name: {{\"{name}\": ...}}" if name else
           f"name port {key} (e.g. name: https) and key the annotation by that name")
    return (f"cloud.google.com/app-protocols key {key!r} is a number; GKE looks protocols up by Service port "
            f"name only, so this port stays HTTP: {fix}")


APP_PROTOCOLS_UNKNOWN_PORT = Rule(
    "APP_PROTOCOLS_UNKNOWN_PORT", "Every app-protocols key must name a port of the Service.",
    source="gke-behaviour.md#app-protocols-by-port-name",
    why="An entry for a port the Service does not have sets nothing; the real port stays HTTP.",
    fix="Key the entry by the name of one of the Service's ports.",
    examples=[Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/app-protocols: '{\"http\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))])


@APP_PROTOCOLS_UNKNOWN_PORT.check
def check_app_protocols_port(key: str, port_names: set[str]) -> str | None:
    if decimal(key) is not None or key in port_names:
        return None
    known = ", ".join(sorted(port_names)) or "none are named"
    return (f"cloud.google.com/app-protocols names port {key!r}, which the Service does not have (port names: "
            f"{known}); the load balancer would speak HTTP to it")


NEG_PORT_NOT_SERVICE_PORT = Rule(
    "NEG_PORT_NOT_SERVICE_PORT", "cloud.google.com/neg exposed_ports keys are Service port numbers, never "
    "targetPort.",
    source="gke-behaviour.md#neg-exposed-ports-keys",
    why="The controller fails to parse the whole annotation, so no NEG is created.",
    fix="Key exposed_ports by the Service port number.",
    examples=[Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"8080\": {}}}'"),
        service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {}}}'"))])


@NEG_PORT_NOT_SERVICE_PORT.check
def check_neg_port(key: str, service_ports: set[int], target_ports: set[int]) -> str | None:
    number = decimal(key)
    if number is None:
        return (f"cloud.google.com/neg exposed_ports key {show(key)} is not a port number; the controller fails to "
                "parse the whole annotation: key it by the Service port number")
    port = number
    if port in service_ports:
        return None
    ports = ", ".join(map(str, sorted(service_ports)))
    hint = " (it is the targetPort)" if port in target_ports else ""
    return (f"cloud.google.com/neg exposed_ports key '{port}' is not a Service port{hint} (Service ports: {ports});"
            f" the controller would fail with: port {port} specified in \"cloud.google.com/neg\" doesn't exist "
            "in the service")


HC_LOGGING_FIELD = Rule(
    "HC_LOGGING_FIELD", "BackendConfig cannot enable health-check logging; only the compute health check can.",
    source="gke-behaviour.md#hc-logging-not-in-backendconfig",
    why="The controller ignores or rejects the field; health-check logging stays off.",
    fix="Enable logging on the compute health check, or use HealthCheckPolicy with Gateway.",
    examples=[Example("manifest", backend_config("  healthCheck:\n    type: HTTP\n    logConfig: {enable: true}\n"),
                                 backend_config("  healthCheck:\n    type: HTTP\n"))])


@HC_LOGGING_FIELD.check
def check_hc_logging_field(field: str) -> str | None:
    if field in ("logConfig", "logging", "enableLogging", "log"):
        return (f"healthCheck.{field} is not a BackendConfig field: BackendConfig cannot enable health-check "
                "logging; enable it on the compute health check (gcloud compute health-checks update ... "
                "--enable-logging) or use HealthCheckPolicy logConfig.enabled with Gateway")
    return None


LOGGING_SAMPLE_RATE = Rule(
    "LOGGING_SAMPLE_RATE", "BackendConfig logging.sampleRate is a fraction from 0.0 to 1.0.",
    source="gke-behaviour.md#backendconfig-value-ranges",
    why="The controller rejects other values.", fix="Use a fraction such as 0.5.",
    examples=[Example("manifest", backend_config("  logging: {enable: true, sampleRate: 50}\n"),
                                    backend_config("  logging: {enable: true, sampleRate: 0.5}\n"))])


@LOGGING_SAMPLE_RATE.check
def check_sample_rate(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        return (f"logging.sampleRate {show(value)} must be a number from 0.0 to 1.0 (fraction of requests "
                "logged); the controller rejects other values")
    return None


AFFINITY_TYPES = ("NONE", "CLIENT_IP", "GENERATED_COOKIE")


BACKENDCONFIG_RANGE = Rule(
    "BACKENDCONFIG_RANGE", "sessionAffinity, cookie TTL and connection draining values must be in range.",
    source="gke-behaviour.md#backendconfig-value-ranges",
    why="The controller rejects a BackendConfig with out-of-range values and keeps the old settings.",
    fix="Use a value in the range the finding gives.",
    examples=[Example("manifest", backend_config("  sessionAffinity: {affinityType: COOKIE}\n"),
                                    backend_config("  sessionAffinity: {affinityType: GENERATED_COOKIE}\n"))])


@BACKENDCONFIG_RANGE.check
def check_backendconfig_value(field: str, value: object) -> str | None:
    if field == "affinityType":
        if value not in AFFINITY_TYPES:
            return f"sessionAffinity.affinityType {show(value)} must be one of {', '.join(AFFINITY_TYPES)}"
        return None
    bounds = {"affinityCookieTtlSec": (0, 86400), "drainingTimeoutSec": (0, 3600), "timeoutSec": (1, 2147483647)}
    low, high = bounds[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"{field} {show(value)} must be an integer from {low} to {high}"
    return None


REDIRECT_CODES = ("MOVED_PERMANENTLY_DEFAULT", "FOUND", "SEE_OTHER", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT")
_FRONTEND_CONFIG = ("apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\n"
                    "metadata: {name: web, namespace: web}\n")

FRONTENDCONFIG_REDIRECT = Rule(
    "FRONTENDCONFIG_REDIRECT", "FrontendConfig redirectToHttps.responseCodeName must be a known code.",
    source="gke-behaviour.md#frontendconfig-https-redirect",
    why="The controller rejects an unknown response code.",
    fix="Use one of the codes the finding lists (MOVED_PERMANENTLY_DEFAULT for 301).",
    examples=[Example(
        "manifest", _FRONTEND_CONFIG + "spec:\n  redirectToHttps: {enabled: true, responseCodeName: '301'}\n",
        _FRONTEND_CONFIG + "spec:\n  redirectToHttps: {enabled: true, responseCodeName: MOVED_PERMANENTLY_DEFAULT}\n")])


@FRONTENDCONFIG_REDIRECT.check
def check_redirect_code(value: object) -> str | None:
    if value not in REDIRECT_CODES:
        return f"redirectToHttps.responseCodeName {show(value)} must be one of {', '.join(REDIRECT_CODES)}"
    return None


LOOPBACK = ("127.0.0.1", "localhost", "::1", "ip6-localhost")


LISTENS_ON_LOCALHOST = Rule(
    "LISTENS_ON_LOCALHOST", "The server must listen on all interfaces: probes and the load balancer reach the Pod "
    "IP.",
    source="gke-behaviour.md#server-listens-on-all-interfaces",
    why="Probes and the load balancer reach the Pod IP and get connection refused.", fix="Bind 0.0.0.0 (or ::).",
    lint_severity="A warning when the setting names no port and the Pod serves several targeted ports: lint "
    "cannot tell which server it configures.",
    examples=[Example(
        "manifest", service_manifest() + "---\n" + deployment(
            "      - name: web\n        image: web\n        args: [--bind=127.0.0.1:8080]\n"
            "        ports: [{containerPort: 8080}]\n"),
        service_manifest() + "---\n" + deployment(
            "      - name: web\n        image: web\n        args: [--bind=0.0.0.0:8080]\n"
            "        ports: [{containerPort: 8080}]\n"))])


@LISTENS_ON_LOCALHOST.check
def check_bind_address(setting: str, value: str, target_port: int | None) -> str | None:
    """`value` is what a bind/listen/host setting holds ("127.0.0.1:8080", "localhost", "[::1]:80")."""
    host, port = split_host_port(value)
    if host.lower() not in LOOPBACK:
        return None
    on = f" port {port}" if port else ""
    target = f" (the Service's targetPort {target_port})" if target_port and port == str(target_port) else ""
    return (f"{setting} binds the server to {host}{on}{target}: the load balancer and its health checks reach "
            f"the Pod IP and get connection refused; bind 0.0.0.0 (or ::) instead")


def split_host_port(value: str) -> tuple[str, str]:
    """("127.0.0.1", "8080") from "127.0.0.1:8080", "http://127.0.0.1:8080/x", "[::1]:80", "::1", ":8080"."""
    text = value.strip().strip("'\"")
    text = text.split("://", 1)[-1].split("/", 1)[0]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest.removeprefix(":")
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, port
    return text, ""
