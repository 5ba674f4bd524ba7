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
