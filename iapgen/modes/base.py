"""The interface every exposure mode implements (`loadBalancer: <mode>` in services.yaml).

A mode is one package under iapgen/modes/ (the spec side: environment fields, checks, names, summary,
runbook, doctor checks, diff facts) plus the Pulumi side it names in `components` (a module with
`build(ctx)`, under components/<mode>/). iapgen/modes/__init__.py lists the modes; nothing outside the mode
packages asks which mode an environment uses. How to add one: docs/design.md#adding-a-mode.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Rule

if TYPE_CHECKING:  # the doctor's kit loads when a doctor runs, not with every mode
    from iapgen.operations.doctorkit import Check, Tools


class Report(Protocol):
    """Where a mode's spec checks report findings (spec validation implements it, with file and line)."""

    keep: Mapping[tuple[str, str], frozenset[str]]
    """(environment, namespace) -> the services its Ingress 1 serves at the deployed revision (pin --base-ref)."""

    def service(self, exposure: Exposure, field: tuple[str, ...], message: str, rule: Rule) -> None:
        """A finding at a field of the exposure's service, in the environment's override when it set it."""

    def environment(self, env: str, field: tuple[str | int, ...], message: str, rule: Rule) -> None:
        """A finding at a field of environments.<env>."""

    def pin(self, exposure: Exposure, number: int) -> None:
        """The Ingress number INGRESS_PIN_REQUIRED asks the service to write (iapgen pin adds it)."""


@dataclass
class DiffService:
    """One service's reviewable facts, read back from a render folder (iapgen diff)."""

    name: str
    facts: dict[str, Any]
    """namespace, host, port, targetPort, protocol, path, interval, timeout, healthy, unhealthy, iap ("on"/"off"),
    logging (logging_text):
    compared and described; lb and backend: drawn in the request-path diagram; a mode may add keys that
    iapgen diff compares (operations/diff.py LABELS)."""
    members: set[str]


def logging_text(block: dict[str, Any], enable_key: str, whole: float) -> str:
    """A rendered request-logging block in words ("every request", "25% of requests", "off"); `whole` is the
    sample rate that means every request (1.0, or 1,000,000 parts per million for GCPBackendPolicy)."""
    if not block.get(enable_key):
        return "off" if block else "not set"
    rate = block.get("sampleRate", whole) / whole
    return "every request" if rate == 1 else f"{rate * 100:.4g}% of requests"


@dataclass(frozen=True)
class Rendered:
    """What iapgen diff reads of a render folder: every Kubernetes object, the same by (kind, name) (one of each
    when several clusters hold one), plan.json, the IAP members bound per service."""

    documents: list[dict[str, Any]]
    objects: Mapping[tuple[str, str], dict[str, Any]]
    plan: list[dict[str, Any]]
    members: Mapping[str, set[str]]
    paths: list[str] = field(default_factory=list)
    """Where each of `documents` was in the render folder (k8s/<namespace>/..., or k8s/<cluster>/<namespace>/...
    when the mode deploys to several clusters)."""


@dataclass(frozen=True)
class SummaryInput:
    """What every summary shows; the mode adds its own views and picks its template."""

    env: str
    environment: Environment
    exposures: tuple[Exposure, ...]
    outputs: Mapping[str, Any]
    common: dict[str, Any] = field(default_factory=dict)
    """spec_file, stack_file, services (one view each), resource_count, object_count."""


class Mode(Protocol):
    """One exposure mode. Attributes are plain data; methods take validated models, never raw YAML."""

    name: str
    """Its `loadBalancer` value."""
    environment: type[Environment]
    """The environment model: the fields every mode has plus this mode's own."""
    components: str
    """The module of its Pulumi side, whose `build(ctx)` creates the resources (imported only to deploy or
    render, never by the base install)."""
    pins_ingresses: bool
    """Whether services of this mode are placed on Ingresses (their `ingress:` field is read)."""
    google_managed_oauth_client: bool
    """Whether IAP can use the Google-managed OAuth client (no iap.oauthClientId) in this mode."""
    apis: tuple[str, ...]
    """The Google APIs its resources need (the stack enables them; iapgen preflight checks them)."""
    service_fields: frozenset[str]
    """Service fields (as written in YAML) that this mode reads and not every mode does, e.g. `clusters`: a
    service of another mode that sets one is refused (SERVICE_FIELD_OTHER_MODE)."""

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        """Rules of one service as this mode deploys it (overrides applied)."""

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        """Whole-environment rules; returns the exposures as deployed (e.g. with the Ingress serving each)."""

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        """Every project-wide GCE name the environment creates, by Compute / Certificate Manager collection."""

    def runbook(self, exposure: Exposure) -> str:
        """The on-call runbook of one service (runbooks/<service>.md and the stack output)."""

    def summary(self, given: SummaryInput) -> str:
        """summary.md of a render."""

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        """iapgen doctor's read-only checks of one service."""

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        """Each service's reviewable facts from a render folder of this mode."""


class Checks(Protocol):
    """A mode's checks module (iapgen/modes/<mode>/checks.py): its spec rules and the GCE names it creates."""

    def check_exposure(self, exposure: Exposure, report: Report) -> None: ...

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]: ...

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]: ...


class Views(Protocol):
    """A mode's views module (iapgen/modes/<mode>/views.py): what people read of a render."""

    def runbook(self, exposure: Exposure) -> str: ...

    def summary(self, given: SummaryInput) -> str: ...

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]: ...


Counts = Callable[[Environment, tuple[Exposure, ...], int], Counter[str]]
"""What an environment creates, by type token or quota metric, given the number of APIs it enables (iapgen
preflight; the bundled modes' tables are in iapgen/operations/preflighttable.py)."""


@dataclass
class ModuleMode:
    """A mode made of its modules, as the bundled ones are: `checks` and `views` (modules that implement the
    protocols above), `doctor` (the path of a module with `diagnose(tools, exposure)`, imported only when a doctor
    runs, so a render never loads the doctor's kit) and `counts` (for preflight). It implements `Mode`."""

    name: str
    environment: type[Environment]
    components: str
    apis: tuple[str, ...]
    google_managed_oauth_client: bool
    pins_ingresses: bool
    checks: Checks
    views: Views
    doctor: str
    counts: Counts
    service_fields: frozenset[str] = frozenset()

    def check_exposure(self, exposure: Exposure, report: Report) -> None:
        self.checks.check_exposure(exposure, report)

    def check_environment(self, env: str, environment: Environment, exposures: tuple[Exposure, ...],
                          report: Report) -> tuple[Exposure, ...]:
        return self.checks.check_environment(env, environment, exposures, report)

    def gce_names(self, env: str, environment: Environment,
                  exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
        return self.checks.gce_names(env, environment, exposures)

    def creates(self, environment: Environment, exposures: tuple[Exposure, ...]) -> Counter[str]:
        """What iapgen preflight counts against quotas and permissions."""
        return self.counts(environment, exposures, len(self.apis))

    def runbook(self, exposure: Exposure) -> str:
        return self.views.runbook(exposure)

    def summary(self, given: SummaryInput) -> str:
        return self.views.summary(given)

    def diagnose(self, tools: Tools, exposure: Exposure) -> list[Check]:
        diagnose: Callable[[Tools, Exposure], list[Check]] = importlib.import_module(self.doctor).diagnose
        return diagnose(tools, exposure)

    def diff_services(self, rendered: Rendered) -> dict[str, DiffService]:
        return self.views.diff_services(rendered)
