"""Gateway mode (`loadBalancer: gateway`): the rules only this mode needs, and the Kubernetes objects one
environment becomes, as plain dicts.

The Pulumi side (components/gateway/resources.py) registers these dicts; `iapgen doctor` and the runbook read the
same names from here. Why each value: docs/gke-behaviour.md, "GKE Gateway".
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from iapgen.errors import show
from iapgen.examplekit import GATEWAY_ENV, GATEWAY_SERVICE, health_check_policy, svc
from iapgen.spec import naming
from iapgen.spec.rulebook import Example, Rule

GATEWAY_CLASS = "gke-l7-global-external-managed"
DEFAULT_NAMESPACE = "iapgen-gateway"
GATEWAY = "iapgen"
HTTPS_LISTENER = "https"
HTTP_LISTENER = "http"
REDIRECT_ROUTE = "iapgen-https-redirect"
OAUTH_SECRET = "iapgen-oauth"
CERTMAP_ANNOTATION = "networking.gke.io/certmap"
METADATA_NAME = "kubernetes.io/metadata.name"
ROUTES = {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}
# The Service port's appProtocol per spec protocol (gke-behaviour.md#gateway-backend-app-protocol).
APP_PROTOCOL = {"HTTP": "HTTP", "HTTPS": "HTTPS", "HTTP2": "HTTP2"}
HC_BLOCK = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}
# HealthCheckPolicy requestPath pattern (its CRD); the spec's own HC_PATH allows more.
POLICY_PATH = re.compile(r"\/[A-Za-z0-9\/\-._~%!?$&'()*+,;=:]*$")


GATEWAY_IAP_CLIENT = Rule(
    "GATEWAY_IAP_CLIENT", "Gateway mode: IAP through GCPBackendPolicy needs a custom OAuth client "
    "(iap.oauthClientId).",
    source="gke-behaviour.md#gcpbackendpolicy-iap",
    why="GCPBackendPolicy needs clientID and a secret; the Google-managed client is Ingress-only.",
    fix="Create an OAuth client, set iap.oauthClientId and the secret in the stack config.",
    examples=[Example(
        "spec", GATEWAY_ENV.replace(", oauthClientId: 1234-abcd.apps.googleusercontent.com", "") + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /healthz}\n").splitlines()),
        GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /healthz}\n").splitlines()))])


@GATEWAY_IAP_CLIENT.check
def check_iap_client(iap_enabled: bool, client_id: str | None) -> str | None:
    if iap_enabled and not client_id:
        return ("IAP is on in gateway mode but the environment names no iap.oauthClientId; GKE Gateway's "
                "GCPBackendPolicy requires clientID and a client secret (the Google-managed client that "
                "BackendConfig can use is not available for Gateway): create an OAuth client, set "
                "iap.oauthClientId and `pulumi config set --secret iapgen:oauthClientSecret ...`")
    return None


HC_PATH_GATEWAY = Rule(
    "HC_PATH_GATEWAY", "Gateway mode: the health-check path must match HealthCheckPolicy's requestPath pattern (no "
    "spaces, @, #, [, ], quotes).",
    source="gke-behaviour.md#healthcheckpolicy",
    why="The API server rejects the HealthCheckPolicy.", fix="Percent-encode the characters it names.",
    examples=[Example(
        "spec", GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: '/health[z]'}\n").splitlines()),
        GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /health%5Bz%5D}\n").splitlines())),
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(
            "{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: '/health#z'}"),
            GATEWAY_SERVICE + "---\n" + health_check_policy(
                "{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: '/health%23z'}"))])


@HC_PATH_GATEWAY.check
def check_policy_path(path: str) -> str | None:
    if POLICY_PATH.fullmatch(path):
        return None
    bad = sorted({ch for ch in path if not POLICY_PATH.fullmatch("/" + ch)})
    return (f"{show(path)} has {' '.join(repr(ch) for ch in bad)}, which HealthCheckPolicy's requestPath does "
            "not allow (the API server rejects the policy): percent-encode them")


def app_protocol(protocol: str) -> str:
    return APP_PROTOCOL[protocol]


def allowed_routes(namespaces: Collection[str]) -> dict[str, object]:
    """Admit HTTPRoutes from exactly these namespaces, by their immutable name label
    (gke-behaviour.md#gateway-allowed-routes); with none, only the Gateway's own (an `In` needs values)."""
    if not namespaces:
        return {"namespaces": {"from": "Same"}, "kinds": [dict(ROUTES)]}
    return {
        "namespaces": {"from": "Selector", "selector": {"matchExpressions": [
            {"key": METADATA_NAME, "operator": "In", "values": sorted(set(namespaces))}]}},
        "kinds": [dict(ROUTES)],
    }


def gateway_spec(address_name: str, namespaces: Collection[str],
                 gateway_class: str = GATEWAY_CLASS) -> dict[str, object]:
    """The environment's Gateway: HTTPS with the certificate map (an annotation, not tls), HTTP only to
    redirect, the reserved address (gke-behaviour.md#gateway-class)."""
    allowed = allowed_routes(namespaces)
    return {
        "gatewayClassName": gateway_class,
        "listeners": [
            {"name": HTTPS_LISTENER, "protocol": "HTTPS", "port": 443, "allowedRoutes": allowed},
            {"name": HTTP_LISTENER, "protocol": "HTTP", "port": 80,
             "allowedRoutes": {"namespaces": {"from": "Same"}, "kinds": [dict(ROUTES)]}},
        ],
        "addresses": [{"type": "NamedAddress", "value": address_name}],
    }


def parent(listener: str, namespace: str) -> dict[str, object]:
    return {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": GATEWAY, "namespace": namespace,
            "sectionName": listener}


def redirect_route_spec(namespace: str) -> dict[str, object]:
    """The HTTP listener's only route: every request to https, 301."""
    return {
        "parentRefs": [parent(HTTP_LISTENER, namespace)],
        "rules": [{"filters": [{"type": "RequestRedirect",
                                "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
    }


def route_spec(host: str, service: str, port: int, gateway_namespace: str,
               backend: dict[str, str] | None = None) -> dict[str, object]:
    """One service's route: its host on the HTTPS listener, every path to the Service port. `backend`: what the
    route sends to (default the Service; multi-cluster mode's ServiceImport), as target() says it."""
    return {
        "parentRefs": [parent(HTTPS_LISTENER, gateway_namespace)],
        "hostnames": [host],
        "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                   "backendRefs": [{**(backend or target(service)), "port": port}]}],
    }


def target(service: str, group: str = "", kind: str = "Service") -> dict[str, str]:
    """A reference to the backend a route or policy names: the Service, or another kind of that name."""
    return {"group": group, "kind": kind, "name": service}


def health_check_policy_spec(service: str, protocol: str, target_port: int, path: str, interval: int, timeout: int,
                             healthy: int, unhealthy: int,
                             target_ref: dict[str, str] | None = None) -> dict[str, object]:
    """Type = protocol; the container port, fixed and explicit (NEG probes reach the Pod IP); every timing;
    logging on (gke-behaviour.md#healthcheckpolicy)."""
    return {
        "default": {
            "checkIntervalSec": interval,
            "timeoutSec": timeout,
            "healthyThreshold": healthy,
            "unhealthyThreshold": unhealthy,
            "logConfig": {"enabled": True},
            "config": {"type": protocol, HC_BLOCK[protocol]: {
                "portSpecification": "USE_FIXED_PORT", "port": target_port, "requestPath": path}},
        },
        "targetRef": target_ref or target(service),
    }


def backend_policy_spec(service: str, iap_enabled: bool, client_id: str | None,
                        sample_rate: float = 1.0, target_ref: dict[str, str] | None = None) -> dict[str, object]:
    """IAP with the environment's custom client; the secret is named, never inlined
    (gke-behaviour.md#gcpbackendpolicy-iap)."""
    iap: dict[str, object] = {"enabled": iap_enabled}
    if iap_enabled and client_id:
        iap["clientID"] = client_id
        iap["oauth2ClientSecret"] = {"name": OAUTH_SECRET}
    return {"default": {"iap": iap, "logging": request_logging(sample_rate)},
            "targetRef": target_ref or target(service)}


def request_logging(sample_rate: float) -> dict[str, object]:
    """GCPBackendPolicy logging: off unless enabled; the rate in parts per million (an integer)."""
    if not sample_rate:
        return {"enabled": False}
    return {"enabled": True, "sampleRate": round(sample_rate * 1_000_000)}


def route_name(service: str) -> str:
    return service


def policy_name(service: str) -> str:
    return service


def gce_names(env: str, services: list[str]) -> dict[str, list[str]]:
    """Every project-wide name a gateway environment generates itself (the Gateway controller names the rest)."""
    per_service = [naming.certificate_manager(env, s) for s in services]
    return {"addresses": [naming.environment_address(env)], "certificateMaps": [naming.certificate_map(env)],
            "certificates": per_service, "certificateMapEntries": per_service}


# --- what the Gateway controller makes (docs/gke-behaviour.md#gateway-backend-service-naming) ---------

BACKEND_PREFIX = "gkegw1-"  # the Gateway controller's backend services (gateway-backend-service-naming)
_NAME = re.compile(r"^gkegw1-[a-z0-9]{4}-(?P<middle>.+)-[a-z0-9]{12}$")


MAX_NAME = 63  # GCE names; the controller cuts the middle fields only to fit
NAME_FRAME = BACKEND_PREFIX + "xxxx-{}-xxxxxxxxxxxx"  # a gkegw1- name around its middle fields


def name_is_exact(name: str, namespace: str, service: str, port: int, pattern: re.Pattern[str] = _NAME) -> bool:
    """Whether a gkegw1- name (or one of `pattern`, whose group `middle` holds the fields) carries this Service
    port's whole `<namespace>-<service>-<port>`."""
    match = pattern.fullmatch(name)
    return bool(match) and match.group("middle") == f"{namespace}-{service}-{port}"  # type: ignore[union-attr]


def name_cut_fits(name: str, namespace: str, service: str, port: int, pattern: re.Pattern[str] = _NAME,
                  frame: str = NAME_FRAME) -> bool:
    """Whether a gkegw1- name (or one of `pattern` and `frame`) can be this Service port's with its fields cut
    short: only when the whole name would not fit 63 characters (GKE cuts nothing otherwise), and each field a
    non-empty prefix."""
    match = pattern.fullmatch(name)
    if not match or len(frame.format(f"{namespace}-{service}-{port}")) <= MAX_NAME:
        return False
    middle, port_text = match.group("middle"), str(port)
    for i in range(len(namespace), 0, -1):
        head = namespace[:i] + "-"
        if not middle.startswith(head):
            continue
        rest = middle[len(head):]
        for j in range(len(service), 0, -1):
            part = service[:j] + "-"
            if rest.startswith(part) and rest[len(part):] and port_text.startswith(rest[len(part):]):
                return True
    return False


def name_fits(name: str, namespace: str, service: str, port: int, pattern: re.Pattern[str] = _NAME,
              frame: str = NAME_FRAME) -> bool:
    """Whether a gkegw1- name (or one of `pattern` and `frame`) can be the one GKE gives this Service port:
    whole, or cut because it had to be."""
    return (name_is_exact(name, namespace, service, port, pattern)
            or name_cut_fits(name, namespace, service, port, pattern, frame))


def neg_matches(description: str, namespace: str, service: str, port: int, cluster_uid: str) -> bool | None:
    """True/False when a NEG's description says whose it is; None when it says nothing usable."""
    try:
        parsed = json.loads(description)
    except (ValueError, TypeError):
        return None
    if not isinstance(parsed, dict) or "service-name" not in parsed:
        return None
    if cluster_uid and not str(parsed.get("cluster-uid", "")).startswith(cluster_uid[:8]):
        return False
    return (parsed.get("namespace"), parsed.get("service-name"), str(parsed.get("port"))) == \
        (namespace, service, str(port))
