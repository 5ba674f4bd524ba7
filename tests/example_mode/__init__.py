"""A tiny exposure mode that exists only for the tests: proof that a mode is one package behind the interface
(iapgen/modes/base.py) plus one registry line, with nothing to change anywhere else (docs/design.md#adding-a-mode).

`loadBalancer: example` exposes each service through a plain LoadBalancer Service on one port; its
environment adds one field, `externalTrafficPolicy`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from iapgen.modes.base import DiffService, Rendered, Report, SummaryInput
from iapgen.operations.doctorkit import PASS, Check, Tools
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment
from iapgen.spec.rules import PORT_RANGE


class ExampleEnvironment(Environment):
    load_balancer: Literal["example"] = Field(description="A plain LoadBalancer Service per service.")
    external_traffic_policy: Literal["Cluster", "Local"] = Field("Cluster", description="The Services' policy.")


class ExampleMode:
    name = "example"
    environment: type[Environment] = ExampleEnvironment
    components = "tests.example_mode.components"
    pins_ingresses = False
    service_fields: frozenset[str] = frozenset()
    google_managed_oauth_client = True
    apis: tuple[str, ...] = ()

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        if exposure.service.port == 22:
            report.service(exposure, ("port",), "port 22 is not for web traffic", PORT_RANGE)

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        return exposures

    def gce_names(self, env: str, environment: Environment, exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        return {}

    def runbook(self, exposure: Exposure) -> str:
        return f"# {exposure.service.name}\n\nkubectl get svc {exposure.service.name} -n {exposure.service.namespace}\n"

    def summary(self, given: SummaryInput) -> str:
        return f"# {given.env}: {len(given.exposures)} services as LoadBalancer Services\n"

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        return [Check(exposure.service.name, "example", PASS, "nothing to look at")]

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return {name: DiffService(name, {
            "namespace": o["metadata"]["namespace"], "host": "", "port": o["spec"]["ports"][0]["port"],
            "targetPort": o["spec"]["ports"][0]["targetPort"], "protocol": "TCP", "path": None, "interval": None,
            "timeout": None, "healthy": None, "unhealthy": None, "iap": "off", "lb": "a LoadBalancer Service",
            "backend": "none"}, set()) for (kind, name), o in rendered.objects.items() if kind == "Service"}


MODE = ExampleMode()
