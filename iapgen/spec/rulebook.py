"""What a rule is: its declaration, made once beside the code that raises it.

    GCE_NAME_COLLISION = Rule(
        "GCE_NAME_COLLISION", "Two environments in one project would generate the same GCE object name.",
        source="gke-behaviour.md#neg-custom-names", why="...", fix="...",
        examples=[Example("spec", bad=..., good=...)])

A `Rule` is its id (a `str` subclass), so findings print, sort, compare and serialise by id as they always
have; the raising code passes the object to `Finding` / `SpecError.single` / `Report.add` (a bare string id
is refused: `Finding` raises TypeError). Declaring a rule adds it to `CATALOGUE`; `iapgen rules`,
docs/rules.md and the tests' example runs read the catalogue after `load_all()` has imported every module in
`RULE_MODULES` (add a new declaring module there unless a listed module imports it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

ERROR = "error"
WARNING = "warning"
# What an example is: "service" (one services.yaml service entry, run inside a dev environment with members),
# "spec" (a whole services.yaml), "stack" (a spec rendered for `env` with a stack config), "manifest"
# (Kubernetes YAML or a plan.json for `iapgen lint`), "file" (raw file text for the loaders).
KINDS = ("service", "spec", "stack", "manifest", "file")

# Every module that declares rules; `iapgen rules` imports them all (none may import pulumi).
RULE_MODULES = (
    "iapgen.spec.filerules",
    "iapgen.spec.findings",
    "iapgen.spec.rules",
    "iapgen.spec.iaprules",
    "iapgen.spec.layout",
    "iapgen.spec.lbrules",
    "iapgen.spec.gateway",
    "iapgen.spec.validate",
    "iapgen.spec.stackrules",
    "iapgen.lint.checks",
)


@dataclass(frozen=True)
class Example:
    """A bad input that triggers the rule and a good one that does not (see KINDS)."""

    kind: str
    bad: str
    good: str
    env: str = "dev"
    stack_config: str = ""  # Pulumi.<env>.yaml for the bad example
    good_stack_config: str = ""  # ... and for the good one

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"example kind {self.kind!r} is not one of {', '.join(KINDS)}")


CATALOGUE: dict[str, Rule] = {}

F = TypeVar("F", bound=Callable[..., Any])


class Rule(str):
    """One rule: the id (the string value) and everything the docs and tests need about it.

    severity: what spec validation and, by default, `iapgen lint` report. lint_severity: when and why
    `iapgen lint` reports another severity (empty when it never does). source: comma-separated anchors of
    docs/gke-behaviour.md or docs/design.md. no_example: why a rule cannot have examples (only for rules
    about a path that cannot be read)."""

    id: str
    summary: str
    source: str
    severity: str
    why: str
    fix: str
    lint_severity: str
    examples: tuple[Example, ...]
    no_example: str

    def __new__(cls, rule_id: str, summary: str, source: str, severity: str = ERROR, *, why: str = "",
                fix: str = "", lint_severity: str = "", examples: Iterable[Example] = (),
                no_example: str = "") -> Rule:
        if rule_id in CATALOGUE:
            raise ValueError(f"rule {rule_id} declared twice")
        if severity not in (ERROR, WARNING):
            raise ValueError(f"rule {rule_id}: severity {severity!r} is not {ERROR} or {WARNING}")
        self = super().__new__(cls, rule_id)
        fields = {"id": rule_id, "summary": summary, "source": source, "severity": severity, "why": why,
                  "fix": fix, "lint_severity": lint_severity, "examples": tuple(examples), "no_example": no_example}
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        CATALOGUE[rule_id] = self
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"rule {self.id} is frozen")

    def __reduce__(self) -> tuple[Callable[[str], Rule], tuple[str]]:
        return by_id, (self.id,)

    def __repr__(self) -> str:
        return f"Rule({self.id})"

    @property
    def sources(self) -> list[str]:
        return [part.strip() for part in self.source.split(",") if part.strip()]

    def check(self, function: F) -> F:
        """Decorator: `function` is this rule's value check (kept on it as `.rule`, see `rule_of`)."""
        function.rule = self  # type: ignore[attr-defined]
        return function


def by_id(rule_id: str) -> Rule:
    """The declared rule with this id (unpickling a finding; the rule's module must be imported)."""
    if rule_id not in CATALOGUE:
        load_all()
    return CATALOGUE[rule_id]


def rule_of(check: Callable[..., str | None]) -> Rule:
    return check.rule  # type: ignore[attr-defined]


def load_all() -> dict[str, Rule]:
    """Every declared rule (importing each module of RULE_MODULES)."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return CATALOGUE
