"""`loadBalancer: multicluster-gateway`: one multi-cluster GKE Gateway over a fleet. Each member that runs a
service gets its Service and a ServiceExport; the config cluster holds the Gateway, an HTTPRoute per service to
its ServiceImport and the policies (health check with logging, IAP) on that ServiceImport; the stack owns the IP
and certificates and binds IAP on the backends GKE makes (docs/modes/multicluster-gateway.md)."""

from __future__ import annotations

from collections import Counter

from iapgen.modes.base import DiffService, Rendered, Report, SummaryInput
from iapgen.modes.multicluster import checks, doctor, views
from iapgen.modes.multicluster.environment import MulticlusterEnvironment
from iapgen.operations import preflighttable
from iapgen.operations.doctorkit import Check, Tools
from iapgen.spec import gateway
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment


class MulticlusterMode:
    name = "multicluster-gateway"
    environment: type[Environment] = MulticlusterEnvironment
    components = "components.multicluster"
    pins_ingresses = False
    google_managed_oauth_client = False
    # Fleet APIs too: multi-cluster Services and Gateway (docs/gke-behaviour.md#mc-fleet-members).
    apis: tuple[str, ...] = ("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
                             "cloudresourcemanager.googleapis.com", "gkehub.googleapis.com",
                             "multiclusterservicediscovery.googleapis.com", "multiclusteringress.googleapis.com",
                             "trafficdirector.googleapis.com", "dns.googleapis.com")
    service_fields = frozenset({"clusters"})

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
        return preflighttable.multicluster(environment, exposures, len(self.apis))

    def runbook(self, exposure: Exposure) -> str:
        return views.runbook(exposure)

    def summary(self, given: SummaryInput) -> str:
        return views.summary(given)

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        return doctor.diagnose(tools, exposure)

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return views.diff_services(rendered)


MODE = MulticlusterMode()
