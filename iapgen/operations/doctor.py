"""`iapgen doctor`: check a live cluster and project against what iapgen deploys, and say what is wrong.

Read-only: `kubectl get/exec` and `gcloud ... describe/list/get-health` with JSON output, under the current
kubectl context and gcloud account. Each mode's checks are in iapgen/modes/<mode>/doctor.py, built from the
pieces in doctorkit.py; this module picks the mode of each service and prints the result.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from iapgen.modes import mode_of
from iapgen.operations.doctorkit import FAIL, PASS, SKIP, Check, DoctorError, Tools
from iapgen.spec.exposure import Exposure

__all__ = ["FAIL", "PASS", "SKIP", "Check", "DoctorError", "Tools", "as_json", "as_text", "diagnose", "preflight"]


def preflight(tools: Tools, project: str | None = None) -> str:
    """The kubectl context and gcloud account the checks run as; DoctorError when either is missing, or when
    the context is a GKE cluster of another project than the environment's (every check would mislead)."""
    ok, context = tools.text(["kubectl", "config", "current-context"])
    if not ok or not context:
        raise DoctorError(f"kubectl has no current context ({context or 'empty'}); run gcloud container clusters "
                          "get-credentials CLUSTER --region REGION --project PROJECT")
    parts = context.split("_")
    if project and len(parts) == 4 and parts[0] == "gke" and parts[1] != project:
        raise DoctorError(f"kubectl's context {context} is a cluster of project {parts[1]}, but this environment is "
                          f"in {project}: switch with kubectl config use-context (gke_{project}_...)")
    ok, accounts = tools.json(["gcloud", "auth", "list", "--filter=status:ACTIVE", "--format=json"])
    if not ok or not accounts:
        raise DoctorError("gcloud has no active account; run gcloud auth login")
    return f"kubectl context {context}, gcloud account {accounts[0].get('account', '?')}"


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    """The checks of one service, as its environment's mode deploys it."""
    return mode_of(exposure.environment).diagnose(tools, exposure)


def as_text(header: str, checks: list[Check]) -> str:
    lines = [f"iapgen doctor: {header}"]
    for c in checks:
        lines.append(f"{c.status.upper():8} {c.service}: {c.check}: {c.evidence}")
        if c.status == FAIL and c.fix:
            lines.append(f"{'':8} fix: {c.fix}")
    failed = sum(1 for c in checks if c.status == FAIL)
    lines.append(f"iapgen doctor: {len(checks)} checks, {failed} failed")
    return "\n".join(lines) + "\n"


def as_json(header: str, checks: list[Check]) -> str:
    return json.dumps({"target": header, "checks": [asdict(c) for c in checks]}, indent=2) + "\n"
