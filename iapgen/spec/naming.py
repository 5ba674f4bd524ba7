"""Names of the objects iapgen generates, in one place.

Kubernetes objects are namespaced, so per-namespace objects can share fixed names; GCE
objects (the static IP) are project-wide and carry the environment and namespace. Changing
any of these renames live objects: existing stacks would replace them.
"""

from __future__ import annotations

INGRESS = "iapgen"
FRONTEND_CONFIG = "iapgen-https-redirect"
GCE_NAME_MAX = 63


def port_name(protocol: str) -> str:
    """The Service port's name: the key of cloud.google.com/app-protocols (GKE looks it up by name)."""
    return protocol.lower()


def backend_config(service: str) -> str:
    return service


def certificate(service: str) -> str:
    return service


def static_ip(env: str, namespace: str) -> str:
    """Global static IP of a namespace's Ingress (a GCE name: at most 63 characters)."""
    return f"iapgen-{env}-{namespace}"


# --- standalone mode: GCE objects the stack owns (docs/gke-behaviour.md#neg-custom-names) ------------
# One name per service serves its NEG (in every zone), health check and backend service: they live
# in different collections, and one name makes the runbook and the console easy to read. NEG names
# are per project and zone, so the environment keeps two environments of one project apart.


def neg(env: str, service: str) -> str:
    """The standalone NEG's name, written into the Service's cloud.google.com/neg annotation."""
    return f"iapgen-{env}-{service}"


def backend_service(env: str, service: str) -> str:
    return neg(env, service)


def health_check(env: str, service: str) -> str:
    return neg(env, service)


def certificate_manager(env: str, service: str) -> str:
    """The Certificate Manager certificate (and certificate map entry) of one service's host."""
    return neg(env, service)


def environment_address(env: str) -> str:
    """The one global static IP of an environment whose load balancer the stack owns."""
    return f"iapgen-{env}"


def certificate_map(env: str) -> str:
    return f"iapgen-{env}"


def url_map(env: str) -> str:
    return f"iapgen-{env}"


def https_proxy(env: str) -> str:
    return f"iapgen-{env}"


def http_redirect(env: str) -> str:
    """The port-80 URL map and target HTTP proxy that only redirect to HTTPS."""
    return f"iapgen-{env}-http-redirect"


def forwarding_rule(env: str, scheme: str) -> str:
    return f"iapgen-{env}-{scheme}"


def health_check_firewall(env: str) -> str:
    return f"iapgen-{env}-health-checks"


def standalone_gce_names(env: str, services: list[str]) -> dict[str, list[str]]:
    """Every project-wide name a standalone environment generates, by Compute/Certificate Manager collection."""
    per_service = [neg(env, s) for s in services]
    return {
        "networkEndpointGroups": per_service, "backendServices": per_service, "healthChecks": per_service,
        "certificates": per_service, "certificateMapEntries": per_service,
        "addresses": [environment_address(env)], "certificateMaps": [certificate_map(env)],
        "urlMaps": [url_map(env), http_redirect(env)], "targetHttpsProxies": [https_proxy(env)],
        "targetHttpProxies": [http_redirect(env)],
        "forwardingRules": [forwarding_rule(env, "https"), forwarding_rule(env, "http")],
        "firewalls": [health_check_firewall(env)],
    }
