"""`iapgen rules`: the catalogue as a table, and docs/rules.md with a bad and a good example per rule."""

from __future__ import annotations

from iapgen import modes  # noqa: F401 (importing them registers the modes' spec rules)
from iapgen.lint import checks  # noqa: F401 (importing it registers the manifest rules)
from iapgen.lint.checks.catalogue import SEVERITY_NOTES
from iapgen.lint.examples import ENV, EXAMPLES, Example
from iapgen.spec import rules
from iapgen.templating import render_template

WHERE = {"service": "services.yaml", "spec": "services.yaml", "stack": "services.yaml + stack config",
         "manifest": "iapgen lint", "file": "any file iapgen reads"}
LANGUAGE = {"file": "text"}


def catalogue_table() -> str:
    width = max(len(r) for r in rules.CATALOGUE)
    lines = [f"{'RULE'.ljust(width)}  SEVERITY  WHAT IT CHECKS"]
    for rule in sorted(rules.CATALOGUE.values(), key=lambda r: r.id):
        lines.append(f"{rule.id.ljust(width)}  {rule.severity.ljust(8)}  {rule.summary}")
    return "\n".join(lines) + "\n"


def shown(example: Example, text: str) -> str:
    """What the doc shows: the service entry under `services:`, or the whole text."""
    if example.kind == "service":
        return "services:\n" + "".join(f"  {line}\n" for line in text.splitlines())
    return text


def full_spec(example: Example, text: str) -> str:
    """The file the tests run: service entries get the standard dev environment."""
    if example.kind == "service":
        return ENV + "services:\n" + "".join(f"  {line}\n" for line in text.splitlines())
    return text


def catalogue_markdown() -> str:
    entries = []
    for rule in sorted(rules.CATALOGUE.values(), key=lambda r: r.id):
        examples = [{"where": WHERE[e.kind], "language": LANGUAGE.get(e.kind, "yaml"), "bad": shown(e, e.bad),
                     "good": shown(e, e.good), "env": e.env if e.kind == "stack" else None,
                     "stack_config": e.stack_config, "good_stack_config": e.good_stack_config}
                    for e in EXAMPLES.get(rule.id, [])]
        # docs/rules.md sits beside the docs its sources name: each becomes a relative link.
        sources = [part.strip() for part in rule.source.split(",")]
        entries.append({"rule": rule, "anchor": rule.id.lower(), "examples": examples, "sources": sources,
                        "severity_note": SEVERITY_NOTES.get(rule.id, "")})
    return render_template("rules.md.j2", entries=entries)
