"""`iapgen lint`: check anyone's Kubernetes YAML for the GKE load-balancing traps.

Findings print as `file:line: severity RULE: Kind ns/name: message`, or as JSON, or as SARIF
2.1.0 for GitHub code scanning.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iapgen import __version__
from iapgen.errors import Finding, printable
from iapgen.lint import checks
from iapgen.lint.manifests import load
from iapgen.spec import rules

SEVERITY_RANK = {"warning": 1, "error": 2}
SARIF_LEVEL = {"error": "error", "warning": "warning"}
HELP_URI = "https://github.com/iapgen/iapgen/blob/main/docs/rules.md"


@dataclass(frozen=True)
class Result:
    findings: list[Finding]
    documents: int
    objects: int
    notes: tuple[str, ...] = ()  # what lint left out to stay bounded

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def lint(paths: Iterable[str], stdin: bytes | None = None, schemas: bool = True) -> Result:
    """Every finding on the inputs; `schemas=False` leaves out CRD schema validation (CRD_SCHEMA)."""
    names = list(paths)
    # Lint allocates millions of small objects that die by reference counting and form no cycles; the
    # cycle collector would only rescan them, and the more there are the more often it would (the cost
    # grew faster than the input). It runs again, as usual, once lint is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        loaded = load(names, stdin)
        notes: list[str] = []
        findings = loaded.findings + checks.run(loaded.objects, notes, schemas=schemas)
    finally:
        if collecting:
            gc.enable()
    findings.sort(key=lambda f: (f.file, f.line or 0, f.rule, f.field, f.message))
    return Result(findings, loaded.documents, len(loaded.objects), tuple(notes))


def failed(result: Result, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK.get(f.severity, 2) >= threshold for f in result.findings)


def as_text(result: Result) -> str:
    lines = []
    for f in result.findings:
        where = printable(f"{f.file}:{f.line}" if f.line else f.file)
        subject = f"{printable(f.field)}: " if f.field else ""
        lines.append(f"{where}: {f.severity} {f.rule}: {subject}{printable(f.message)}")
    lines += [f"iapgen lint: note: {printable(note)}" for note in result.notes]
    errors, warnings = result.count("error"), result.count("warning")
    lines.append(f"iapgen lint: {result.objects} objects in {result.documents} documents: "
                 f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(lines) + "\n"


def as_json(result: Result) -> str:
    return json.dumps({
        "objects": result.objects,
        "documents": result.documents,
        "notes": list(result.notes),
        "findings": [{"file": f.file, "line": f.line, "severity": f.severity, "rule": f.rule, "object": f.field,
                      "message": f.message} for f in result.findings],
    }, indent=2) + "\n"


def as_sarif(result: Result) -> str:
    used = sorted({f.rule for f in result.findings})
    rule_index = {rule_id: i for i, rule_id in enumerate(used)}
    sarif_rules = [_sarif_rule(rules.CATALOGUE[rule_id]) for rule_id in used]
    results: list[dict[str, Any]] = []
    for f in result.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": f.file.removeprefix("./")}}
        if f.line:
            location["region"] = {"startLine": f.line}
        results.append({
            "ruleId": f.rule,
            "ruleIndex": rule_index[f.rule],
            "level": SARIF_LEVEL.get(f.severity, "error"),
            "message": {"text": f"{f.field}: {f.message}" if f.field else f.message},
            "locations": [{"physicalLocation": location}],
        })
    return json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "iapgen", "version": __version__, "informationUri": HELP_URI,
                                "rules": sarif_rules}},
            "results": results,
        }],
    }, indent=2) + "\n"


def _sarif_rule(rule: rules.Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("_")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} (source: {rule.source})"},
        "helpUri": f"{HELP_URI}#{rule.id.lower()}",
        "defaultConfiguration": {"level": SARIF_LEVEL.get(rule.severity, "error")},
    }


FORMATS = {"text": as_text, "json": as_json, "sarif": as_sarif}
