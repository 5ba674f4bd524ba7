"""Cost bounded on hostile shapes (issue 16, items 1-3): work is counted, never timed, so a loaded machine
cannot make these flaky. Each count is of Python function calls made by the command (sys.setprofile), a
deterministic measure of work: a linear command makes about 4 times the calls for 4 times the objects."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iapgen.lint import checks
from iapgen.lint.checks import context as lint_context
from iapgen.lint.command import as_json, as_text, lint
from iapgen.spec import validate
from tests.fuzz import many_environments, near_miss, shared_selector


def calls(function: Callable[[], Any]) -> int:
    """How many Python function calls (generators resuming included) `function` makes."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("shape", [shared_selector, near_miss])
def test_lint_work_grows_linearly_with_objects(shape: Callable[[int], bytes]) -> None:
    small, large = shape(30), shape(120)
    lint(["-"], stdin=small)  # imports and first-use caches out of the way
    ratio = calls(lambda: lint(["-"], stdin=large)) / calls(lambda: lint(["-"], stdin=small))
    assert ratio <= 5.0, f"4x the objects cost {ratio:.1f}x the calls"


def test_shared_selector_findings_are_unchanged() -> None:
    """The shared-selector index finds what a scan would: loopback servers behind every Service."""
    data = shared_selector(20).replace(b"--listen=0.0.0.0:8080", b"--listen=127.0.0.1:8080")
    result = lint(["-"], stdin=data)
    assert sum(f.rule == "LISTENS_ON_LOCALHOST" for f in result.findings) == 20


def test_near_miss_hints_one_letter_off_survive_any_count() -> None:
    result = lint(["-"], stdin=near_miss(300))
    hints = [f for f in result.findings if f.rule == "BACKENDCONFIG_NOT_FOUND"]
    assert len(hints) == 300
    assert all("did you mean 'backend-config-" in f.message for f in hints)
    assert result.notes == ()


def test_hint_search_beyond_one_edit_has_a_budget_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint_context, "MAX_HINT_COMPARISONS", 50)
    data = near_miss(40).replace(b"x\"}'", b"xy\"}'")  # two letters off: only the budgeted search can hint
    compared = []
    real = lint_context.difflib.get_close_matches

    def counting(word: str, possibilities: list[str], *args: Any, **kwargs: Any) -> list[str]:
        compared.append(len(possibilities))
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(lint_context.difflib, "get_close_matches", counting)
    result = lint(["-"], stdin=data)
    assert sum(compared) <= 50 + 40  # the budget, plus the one-edit candidates (at most one per name here)
    assert len(result.notes) == 1 and "hints skipped for" in result.notes[0]
    assert "note: 'did you mean' hints skipped" in as_text(result)
    assert '"notes": [' in as_json(result)
    assert checks.run([], []) == []


def test_check_refuses_too_many_environments_before_any_per_environment_work(
        tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "services.yaml"
    spec.write_bytes(many_environments(services=200, environments=1000))  # 200,000 deployments through one anchor
    exposed = []
    real = validate._Checker.expose
    monkeypatch.setattr(validate._Checker, "expose", lambda self, *a: exposed.append(1) or real(self, *a))
    result = cli("check", "--spec", spec)
    assert result.code == 1
    assert f"1,000 environments; iapgen validates every one on every command and takes at most " \
           f"{validate.MAX_ENVIRONMENTS}" in result.err and "[YAML_TOO_LARGE]" in result.err
    assert exposed == []


def test_check_refuses_environments_times_services_over_the_limit(tmp_path: Path, cli: Callable[..., Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_DEPLOYMENTS", 1_000)
    spec = tmp_path / "services.yaml"
    spec.write_bytes(many_environments(services=101, environments=10))
    result = cli("check", "--spec", spec)
    assert result.code == 1 and "10 environments x 101 services = 1,010 deployments" in result.err


def test_check_runs_service_rules_once_per_service_not_per_environment(
        tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "services.yaml"
    spec.write_bytes(many_environments(services=40, environments=30))
    checked = []
    real = validate.rules.check_hc_timeout
    monkeypatch.setattr(validate.rules, "check_hc_timeout", lambda *a: checked.append(1) or real(*a))
    result = cli("check", "--spec", spec)
    assert result.code == 0, result.err
    assert len(checked) == 40


def test_out_of_memory_is_one_line_not_a_traceback(tmp_path: Path, cli: Callable[..., Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: Any) -> None:
        raise MemoryError

    monkeypatch.setattr(validate, "load_spec", exhausted)
    result = cli("check", "--spec", tmp_path / "services.yaml")
    assert result.code == 1
    assert result.err.startswith("iapgen check: out of memory;") and result.err.count("\n") == 1
