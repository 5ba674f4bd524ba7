"""`loadBalancer: ingress` (the default): GKE's Ingress controller creates the load balancer from an Ingress per
namespace, a BackendConfig per service and the Service's GKE annotations; iapgen turns health-check logging on
and binds IAP on the backend GKE makes (docs/design.md#ingress-mode)."""

from __future__ import annotations

from collections import Counter

from iapgen.modes.base import DiffService, Rendered, Report, SummaryInput
from iapgen.modes.ingress import checks, doctor, views
from iapgen.modes.ingress.environment import IngressEnvironment
from iapgen.operations import preflighttable
from iapgen.operations.doctorkit import Check, Tools
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment


class IngressMode:
    name = "ingress"
    environment: type[Environment] = IngressEnvironment
    components = "components.ingress"
    apis: tuple[str, ...] = ("compute.googleapis.com", "iap.googleapis.com", "cloudresourcemanager.googleapis.com")
    google_managed_oauth_client = True
    pins_ingresses = True
    service_fields: frozenset[str] = frozenset()

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        checks.check_exposure(exposure, report)

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        return checks.check_environment(env, exposures, report)

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        return checks.gce_names(exposures)

    def creates(self, environment: Environment, exposures: tuple[Exposure, ...]) -> Counter[str]:
        """What iapgen preflight counts against quotas and permissions (iapgen/operations/preflighttable.py)."""
        return preflighttable.ingress(environment, exposures, len(self.apis))

    def runbook(self, exposure: Exposure) -> str:
        return views.runbook(exposure)

    def summary(self, given: SummaryInput) -> str:
        return views.summary(given)

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        return doctor.diagnose(tools, exposure)

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return views.diff_services(rendered)


MODE = IngressMode()
