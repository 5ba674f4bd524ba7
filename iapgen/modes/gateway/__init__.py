"""`loadBalancer: gateway`: one GKE Gateway per environment; GKE's Gateway controller makes the load balancer from
HTTPRoutes and Gateway policies, the stack owns its IP and certificates and binds IAP on the backends GKE makes
(docs/design.md#gateway-mode)."""

from __future__ import annotations

from collections import Counter

from iapgen.modes.base import DiffService, Rendered, Report, SummaryInput
from iapgen.modes.gateway import checks, doctor, views
from iapgen.modes.gateway.environment import GatewayEnvironment
from iapgen.operations import preflighttable
from iapgen.operations.doctorkit import Check, Tools
from iapgen.spec import gateway
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment


class GatewayMode:
    name = "gateway"
    environment: type[Environment] = GatewayEnvironment
    components = "components.gateway"
    apis: tuple[str, ...] = ("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
                            "cloudresourcemanager.googleapis.com")
    google_managed_oauth_client = False
    pins_ingresses = False
    service_fields: frozenset[str] = frozenset()

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        checks.check_exposure(exposure, report)

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        checks.check_environment(env, environment, exposures, report)
        return exposures

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        return gateway.gce_names(env, [e.service.name for e in exposures])

    def creates(self, environment: Environment, exposures: tuple[Exposure, ...]) -> Counter[str]:
        """What iapgen preflight counts against quotas and permissions (iapgen/operations/preflighttable.py)."""
        return preflighttable.gateway(environment, exposures, len(self.apis))

    def runbook(self, exposure: Exposure) -> str:
        return views.runbook(exposure)

    def summary(self, given: SummaryInput) -> str:
        return views.summary(given)

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        return doctor.diagnose(tools, exposure)

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return views.diff_services(rendered)


MODE = GatewayMode()
