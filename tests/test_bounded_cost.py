"""Cost bounded on hostile shapes (issue 16, items 1-3): work is counted, never timed, so a loaded machine
cannot make these flaky. Each count is of Python function calls made by the command (sys.setprofile), a
deterministic measure of work: a linear command makes about 4 times the calls for 4 times the objects."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from iapgen.errors import SpecError
from iapgen.lint import checks, manifests
from iapgen.lint.checks import context as lint_context
from iapgen.lint.command import as_json, as_text, lint
from iapgen.spec import validate, yamllimits, yamlsource
from tests.fuzz import flat_list, many_environments, near_miss, shared_selector, tiny_documents, unmatched_names


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


@pytest.mark.parametrize("shape", [shared_selector, near_miss, unmatched_names])
def test_lint_work_grows_linearly_with_objects(shape: Callable[[int], bytes]) -> None:
    small, large = shape(30), shape(120)
    lint(["-"], stdin=small)  # imports and first-use caches out of the way
    ratio = calls(lambda: lint(["-"], stdin=large)) / calls(lambda: lint(["-"], stdin=small))
    assert ratio <= 5.0, f"4x the objects cost {ratio:.1f}x the calls"


def test_a_name_that_matches_nothing_names_a_few_that_exist() -> None:
    findings = [f for f in lint(["-"], stdin=unmatched_names(40)).findings if f.rule == "BACKENDCONFIG_NOT_FOUND"]
    assert len(findings) == 40
    assert all(f.severity == "error" and "and more" in f.message and f.message.count("bc-") == 10 for f in findings)


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


@pytest.fixture
def nodes_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the YAML nodes composed (libyaml's composer makes them through these same classes)."""
    made = [0]
    for cls in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        real = cls.__init__

        def counting(self: Any, *args: Any, __real: Any = real, **kwargs: Any) -> None:
            made[0] += 1
            __real(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting)
    return made


def test_one_huge_flat_list_stops_at_the_limit_and_says_what(monkeypatch: pytest.MonkeyPatch,
                                                               nodes_made: list[int]) -> None:
    monkeypatch.setattr(yamllimits, "MAX_NODES", 1_000)
    monkeypatch.setattr(yamllimits, "MAX_FILE_NODES", 2_000)
    data = flat_list(200_000)  # 100,000 values, no anchor
    with pytest.raises(SpecError) as caught:
        yamlsource.parse_all(data.decode(), "big.yaml")
    message = str(caught.value)
    assert "a document of more than 1,000 values (one huge list or mapping)" in message
    assert "alias" not in message and "[YAML_TOO_LARGE]" in message
    assert nodes_made[0] <= 1_010


def test_many_tiny_documents_stop_at_the_file_limit(monkeypatch: pytest.MonkeyPatch, nodes_made: list[int]) -> None:
    monkeypatch.setattr(yamllimits, "MAX_FILE_NODES", 2_000)
    result = lint(["-"], stdin=tiny_documents(60_000))  # 6,666 documents of 3 values
    assert [f.rule for f in result.findings] == ["YAML_TOO_LARGE"]
    assert "more than 2,000 values in one file" in result.findings[0].message
    assert nodes_made[0] <= 2_010


def test_aliases_across_many_documents_count_against_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamllimits, "MAX_FILE_NODES", 5_000)
    document = "a: &a [" + ", ".join(["x"] * 30) + "]\nb: [" + ", ".join(["*a"] * 25) + "]\n"  # ~800 values
    with pytest.raises(SpecError, match="expand to more than 5,000 values with their aliases"):
        yamlsource.parse_all("---\n".join([document] * 20), "many.yaml")


def test_lint_stdin_reads_no_more_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    class Endless:
        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            return b"#" * (yamllimits.MAX_BYTES + 1)

    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=Endless()))
    result = lint(["-"])
    assert asked == [yamllimits.MAX_BYTES + 1]
    assert "larger than 16 MiB" in result.findings[0].message


def test_render_out_stops_at_the_first_foreign_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iapgen.render.command import OutputFolderError, check_folder

    (tmp_path / "a-foreign.txt").write_text("mine")
    for i in range(30):
        (tmp_path / f"z{i}").mkdir()
        (tmp_path / f"z{i}" / "file").write_text("x")
    listed = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(path) or real(path))
    with pytest.raises(OutputFolderError, match=r"it holds a-foreign\.txt"):
        check_folder(tmp_path)
    assert len(listed) <= 1


def test_a_broken_file_of_many_documents_is_read_in_parts_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    good = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n"
    text = "---\n".join([good] * 2_000 + ["a: [unclosed\n"] + [good] * 10)
    read: list[int] = []
    real = yamlsource.parse_all

    def measuring(part: str, *args: Any, **kwargs: Any) -> Any:
        read.append(len(part))
        return real(part, *args, **kwargs)

    monkeypatch.setattr(manifests, "parse_all", measuring)
    result = lint(["-"], stdin=text.encode())
    assert result.documents == 2_010
    broken = [f for f in result.findings if f.rule == "YAML_SYNTAX"]
    assert len(broken) == 1 and broken[0].line == text[:text.index("a: [unclosed")].count("\n") + 1 + 1
    assert sum(read) <= 2 * len(text)  # the whole once, then each part once: no padding per part


@pytest.mark.parametrize("broken", [False, True])
def test_documents_per_file_are_bounded(monkeypatch: pytest.MonkeyPatch, nodes_made: list[int], broken: bool) -> None:
    """Each document costs more than its values: 300,000 one-value documents would take minutes."""
    monkeypatch.setattr(yamllimits, "MAX_DOCUMENTS", 500)
    data = tiny_documents(20_000) + (b"a: [unclosed\n" if broken else b"")  # 2,222 documents
    result = lint(["-"], stdin=data)
    assert [f.message for f in result.findings if f.rule == "YAML_TOO_LARGE"] == [
        "more than 500 documents in one file; split it into several files"]
    assert result.documents <= 500 and nodes_made[0] <= 3 * 501


def test_names_differing_in_one_position_draw_on_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names alike but for one letter share a one-edit variant: 20 candidates per reference, not free."""
    monkeypatch.setattr(lint_context, "MAX_HINT_COMPARISONS", 100)
    letters = "abcdefghijklmnopqrst"
    docs = [f"apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {{name: cfg-{x}{y}, namespace: ns}}\n"
            for x in letters for y in letters]
    docs += [f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{x}{y}\n  namespace: ns\n  annotations:\n"
             f"    cloud.google.com/backend-config: '{{\"default\": \"cfg-{x}9\"}}'\nspec:\n  ports: [{{port: 80}}]\n"
             for x in letters for y in letters]
    compared = []
    real = lint_context.difflib.get_close_matches

    def counting(word: str, possibilities: list[str], *args: Any, **kwargs: Any) -> list[str]:
        compared.append(len(possibilities))
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(lint_context.difflib, "get_close_matches", counting)
    result = lint(["-"], stdin="---\n".join(docs).encode())
    assert sum(compared) <= 100 + 16 * 400  # the budget, plus at most FREE_ONE_EDIT (16) free per reference
    assert result.notes and "hints skipped" in result.notes[0]
