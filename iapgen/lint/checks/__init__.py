"""The manifest rules: what `iapgen lint` checks in anyone's Services, BackendConfigs, Ingresses,
FrontendConfigs, workloads and GKE Gateway objects.

Each linter takes one object and the `Context` of every object linted with it, and reports
findings under catalogue rule ids. Value logic shared with spec validation lives in
`iapgen.spec.rules` and is called from here; rules that relate objects to each other are
registered in `catalogue.py`. One module per object kind. Severity follows docs/gke-behaviour.md:
"error" when GKE rejects the object or the backend cannot work, "warning" when it works on current GKE but is fragile.
"""

from __future__ import annotations

from iapgen.errors import Finding

# Importing the check modules registers their linters and rules.
from iapgen.lint.checks import (  # noqa: F401
    any_object,
    backendconfigs,
    catalogue,
    crd_schemas,
    gateway,
    gateway_paths,
    ingresses,
    multicluster,
    pulumi_gcp,
    routes,
    services,
    values,
    workloads,
)
from iapgen.lint.checks.any_object import lint_any
from iapgen.lint.checks.context import LINTERS, MAX_HINT_COMPARISONS, Context, Report
from iapgen.lint.checks.objects import NEG_STATUS, bind_settings, containers
from iapgen.lint.manifests import Obj

__all__ = ["NEG_STATUS", "bind_settings", "containers", "run"]


def run(objects: list[Obj], notes: list[str] | None = None, report: Report | None = None,
        schemas: bool = True) -> list[Finding]:
    """Every finding; what the run left out to stay bounded goes to `notes`. The findings go to `report` when
    one is given (the policy pack's notes when each was made). `schemas`: validate custom resources against
    their CRD schemas (CRD_SCHEMA)."""
    context = Context(objects)
    context.schemas = schemas
    report = report if report is not None else Report()
    for obj in objects:
        lint_any(context, obj, report)
        for function in LINTERS.get(obj.kind, []):
            function(context, obj, report)
    if context.hints_skipped and notes is not None:
        notes.append(f"'did you mean' hints skipped for {context.hints_skipped} unresolved "
                     f"name{'s' * (context.hints_skipped != 1)}: the run's {MAX_HINT_COMPARISONS:,} name "
                     "comparisons were spent (names one letter off are still found)")
    return crd_schemas.without_duplicates(report.findings)
