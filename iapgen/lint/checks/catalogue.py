"""Gone: every lint rule is now declared beside the check that raises it (see iapgen.spec.rulebook).

`SEVERITY_NOTES` stays readable here, derived from the declarations' `lint_severity`."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "SEVERITY_NOTES":
        from iapgen.spec.rulebook import load_all

        return {rule.id: rule.lint_severity for rule in load_all().values() if rule.lint_severity}
    raise AttributeError(name)
