"""Findings and the error that carries them to the user.

Every problem iapgen reports is a `Finding`: where it is (file, line, field path), what is
wrong, why and how to fix it (the message), and the rule that found it (a declared `Rule`, which
prints as its stable id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from iapgen.spec.rulebook import Rule

MAX_VALUE_CHARS = 60


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, printed as a single line."""

    file: str
    line: int | None
    field: str
    message: str
    rule: Rule
    severity: str = "error"

    def __post_init__(self) -> None:
        if not isinstance(self.rule, Rule):  # the declared rule object, never a bare string id
            raise TypeError(f"a finding needs a declared Rule, not {type(self.rule).__name__} {self.rule!r}")

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message} [{self.rule}]"


class SpecError(Exception):
    """Raised when a spec cannot be used; carries every finding, sorted by position."""

    def __init__(self, findings: Iterable[Finding]):
        unique = sorted(set(findings), key=lambda f: (f.file, f.line or 0, f.field, f.rule, f.message))
        if not unique:
            raise ValueError("SpecError needs at least one finding")
        self.findings: tuple[Finding, ...] = tuple(unique)
        super().__init__("\n".join(str(f) for f in self.findings))

    @classmethod
    def single(cls, file: str, line: int | None, field: str, message: str, rule: Rule) -> SpecError:
        return cls([Finding(file, line, field, message, rule)])


def show(value: object) -> str:
    """A user's value, quoted and shortened, safe to put in a one-line message."""
    text = repr(value) if isinstance(value, str) else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text
