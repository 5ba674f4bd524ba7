"""`loadBalancer: standalone`: the stack owns the whole load balancer, in front of standalone NEGs; every Google
Cloud object is a pulumi-gcp resource, so logging and IAP are declared, previewed and diffed
(docs/design.md#standalone-mode)."""

from __future__ import annotations

from iapgen.modes.base import ModuleMode
from iapgen.modes.standalone import checks, views
from iapgen.modes.standalone.environment import StandaloneEnvironment
from iapgen.operations import preflighttable

MODE = ModuleMode(
    name="standalone", environment=StandaloneEnvironment, components="components.standalone",
    apis=("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
          "cloudresourcemanager.googleapis.com"),
    google_managed_oauth_client=True, pins_ingresses=False,
    checks=checks, views=views, doctor="iapgen.modes.standalone.doctor", counts=preflighttable.standalone)
