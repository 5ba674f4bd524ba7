"""Names of the objects iapgen generates, in one place.

Kubernetes objects are namespaced, so per-namespace objects can share fixed names; GCE
objects (the static IPs) are project-wide and carry the environment and namespace. Changing
any of these renames live objects: existing stacks would replace them.

A namespace's services are served by one or more Ingresses (`layout.py`), numbered from 1.
Ingress 1 keeps the names iapgen always used (`iapgen`, `iapgen-<env>-<namespace>`); Ingress N
adds `-N`. A name pinned in the spec (per namespace or per service) would replace what these
functions return for that one object; everything else asks them.
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
    """One ManagedCertificate per service, whatever Ingress serves it: moving never renames it."""
    return service


def ingress(number: int = 1) -> str:
    """The Kubernetes name of a namespace's Ingress `number` (1 is the one every namespace has)."""
    return INGRESS if number == 1 else f"{INGRESS}-{number}"


def static_ip(env: str, namespace: str, number: int = 1) -> str:
    """Global static IP of a namespace's Ingress `number` (a GCE name: at most 63 characters)."""
    base = f"iapgen-{env}-{namespace}"
    return base if number == 1 else f"{base}-{number}"


def address_key(namespace: str, number: int = 1) -> str:
    """The key of an Ingress's address in the stack output `addresses`: the namespace for Ingress 1 (as
    before), else namespace/ingress-name ('/' cannot occur in a namespace, so keys never collide)."""
    return namespace if number == 1 else f"{namespace}/{ingress(number)}"


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


# --- Kubernetes providers ----------------------------------------------------------------------
# A mode that deploys to several clusters gives each one explicit provider named cluster_provider(); render
# writes the objects deployed through it under k8s/<cluster>/ (provider_cluster), every other under k8s/.

CLUSTER_PROVIDER = "/cluster/"


def cluster_provider(env: str, cluster: str) -> str:
    """The logical name of the Kubernetes provider of one cluster of an environment."""
    return f"{env}{CLUSTER_PROVIDER}{cluster}"


def provider_cluster(provider: str | None) -> str | None:
    """The cluster a Kubernetes provider's logical name names, None for any other provider."""
    if not provider or CLUSTER_PROVIDER not in provider:
        return None
    return provider.rsplit(CLUSTER_PROVIDER, 1)[1] or None
