"""`loadBalancer: gateway`: one GKE Gateway per environment; GKE's Gateway controller makes the load balancer from
HTTPRoutes and Gateway policies, the stack owns its IP and certificates and binds IAP on the backends GKE makes
(docs/design.md#gateway-mode)."""

from __future__ import annotations

from iapgen.modes.base import ModuleMode
from iapgen.modes.gateway import checks, views
from iapgen.modes.gateway.environment import GatewayEnvironment
from iapgen.operations import preflighttable

MODE = ModuleMode(
    name="gateway", environment=GatewayEnvironment, components="components.gateway",
    apis=("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
          "cloudresourcemanager.googleapis.com"),
    google_managed_oauth_client=False, pins_ingresses=False,
    checks=checks, views=views, doctor="iapgen.modes.gateway.doctor", counts=preflighttable.gateway)
