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
