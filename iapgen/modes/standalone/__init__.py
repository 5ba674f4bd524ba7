"""`loadBalancer: standalone`: the stack owns the whole load balancer, in front of standalone NEGs; every Google
Cloud object is a pulumi-gcp resource, so logging and IAP are declared, previewed and diffed
(docs/design.md#standalone-mode)."""

from __future__ import annotations

from collections import Counter

from iapgen.modes.base import DiffService, Rendered, Report, SummaryInput
from iapgen.modes.standalone import checks, doctor, views
from iapgen.modes.standalone.environment import StandaloneEnvironment
from iapgen.operations import preflighttable
from iapgen.operations.doctorkit import Check, Tools
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment


class StandaloneMode:
    name = "standalone"
    environment: type[Environment] = StandaloneEnvironment
    components = "components.standalone"
    apis: tuple[str, ...] = ("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
                            "cloudresourcemanager.googleapis.com")
    google_managed_oauth_client = True
    pins_ingresses = False
    service_fields: frozenset[str] = frozenset()

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        checks.check_exposure(exposure, report)

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        assert isinstance(environment, StandaloneEnvironment)
        checks.check_environment(env, environment, report)
        return exposures

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        return naming.standalone_gce_names(env, [e.service.name for e in exposures])

    def creates(self, environment: Environment, exposures: tuple[Exposure, ...]) -> Counter[str]:
        """What iapgen preflight counts against quotas and permissions (iapgen/operations/preflighttable.py)."""
        return preflighttable.standalone(environment, exposures, len(self.apis))

    def runbook(self, exposure: Exposure) -> str:
        return views.runbook(exposure)

    def summary(self, given: SummaryInput) -> str:
        return views.summary(given)

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        return doctor.diagnose(tools, exposure)

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return views.diff_services(rendered)


MODE = StandaloneMode()
