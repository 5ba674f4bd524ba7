"""`loadBalancer: ingress` (the default): GKE's Ingress controller creates the load balancer from an Ingress per
namespace, a BackendConfig per service and the Service's GKE annotations; iapgen turns health-check logging on
and binds IAP on the backend GKE makes (docs/design.md#ingress-mode)."""

from __future__ import annotations

from iapgen.modes.base import ModuleMode
from iapgen.modes.ingress import checks, views
from iapgen.modes.ingress.environment import IngressEnvironment
from iapgen.operations import preflighttable

MODE = ModuleMode(
    name="ingress", environment=IngressEnvironment, components="components.ingress",
    apis=("compute.googleapis.com", "iap.googleapis.com", "cloudresourcemanager.googleapis.com"),
    google_managed_oauth_client=True, pins_ingresses=True,
    checks=checks, views=views, doctor="iapgen.modes.ingress.doctor", counts=preflighttable.ingress)
