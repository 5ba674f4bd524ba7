"""The names a service's own objects get: the live names its spec pins under `names:`, else iapgen's.

`iapgen import` pins the names of objects that already run, so adopting them renames nothing
(a renamed Kubernetes object or GCE address is a new object). The Ingress and its static IP
belong to the services that Ingress serves: validation makes them pin the same ones, and
`Exposure.ingress_name` / `Exposure.static_ip_name` apply them.
"""

from __future__ import annotations

from iapgen.spec import naming
from iapgen.spec.models import Service


def backend_config(service: Service) -> str:
    return service.names.backend_config or naming.backend_config(service.name)


def certificate(service: Service) -> str:
    return service.names.certificate or naming.certificate(service.name)


def adopted_static_ip(service: Service) -> bool:
    """The static IP of the service's Ingress already exists: nothing iapgen cannot see may replace it."""
    return service.names.static_ip is not None
