"""The names a service's objects get: the live names its spec pins under `names:`, else iapgen's own.

`iapgen import` pins the names of objects that already run, so adopting them renames nothing
(a renamed Kubernetes object or GCE address is a new object). The Ingress and the static IP
belong to a namespace: validation makes every service of a namespace pin the same ones, so any
one service tells them.
"""

from __future__ import annotations

from iapgen.spec import naming
from iapgen.spec.models import Service


def backend_config(service: Service) -> str:
    return service.names.backend_config or naming.backend_config(service.name)


def certificate(service: Service) -> str:
    return service.names.certificate or naming.certificate(service.name)


def ingress(service: Service) -> str:
    return service.names.ingress or naming.INGRESS


def static_ip(env: str, service: Service) -> str:
    return service.names.static_ip or naming.static_ip(env, service.namespace)


def adopted_static_ip(service: Service) -> bool:
    """The namespace's static IP already exists: nothing iapgen cannot see may replace it."""
    return service.names.static_ip is not None
