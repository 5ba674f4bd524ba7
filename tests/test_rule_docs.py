"""docs/rules.md is generated and current; every rule's bad example triggers it and the good one does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from iapgen.errors import SpecError
from iapgen.lint.command import lint
from iapgen.lint.docs import catalogue_markdown, full_spec
from iapgen.lint.examples import EXAMPLES, Example
from iapgen.render.command import render
from iapgen.spec import rules
from iapgen.spec.validate import load_spec
from tests.conftest import REPO, run_cli


def rules_found(example: Example, text: str, folder: Path, stack_config: str = "") -> set[str]:
    folder.mkdir()
    path = folder / ("manifest.yaml" if example.kind == "manifest" else "services.yaml")
    path.write_text(full_spec(example, text))
    if example.kind == "manifest":
        return {f.rule for f in lint([str(path)]).findings}
    if stack_config:
        (folder / f"Pulumi.{example.env}.yaml").write_text(stack_config)
    try:
        if example.kind == "stack":
            render(str(path), example.env)
        else:
            load_spec(path)
    except SpecError as err:
        return {f.rule for f in err.findings}
    return set()


CASES = [(rule_id, i, example) for rule_id, examples in sorted(EXAMPLES.items())
         for i, example in enumerate(examples)]


@pytest.mark.parametrize(("rule_id", "example"), [(c[0], c[2]) for c in CASES],
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_example_triggers_the_rule_and_good_does_not(rule_id: str, example: Example, tmp_path: Path) -> None:
    bad = rules_found(example, example.bad, tmp_path / "bad", example.stack_config)
    good = rules_found(example, example.good, tmp_path / "good", example.good_stack_config)
    assert rule_id in bad, bad
    assert rule_id not in good, good
    if example.kind == "manifest":
        assert good == set(), f"the good example should lint clean: {good}"


def test_every_rule_has_examples() -> None:
    missing = sorted(set(rules.CATALOGUE) - {r for r, e in EXAMPLES.items() if e} - {"FILE_UNREADABLE"})
    assert missing == []
    assert set(EXAMPLES) <= set(rules.CATALOGUE)


def test_docs_are_current() -> None:
    committed = (REPO / "docs" / "rules.md").read_text()
    assert committed == catalogue_markdown(), "run `make docs` and commit docs/rules.md"


def test_rules_command_lists_every_rule() -> None:
    result = run_cli("rules")
    assert result.code == 0
    for rule_id in rules.CATALOGUE:
        assert f"\n{rule_id} " in result.out


def test_rules_command_lists_the_whole_catalogue_in_a_fresh_process() -> None:
    """`iapgen rules` alone must import every rule module (inside pytest other tests have imported them)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "iapgen.cli", "rules"], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout
    listed = {line.split()[0] for line in out.splitlines()[1:]}
    assert listed == set(rules.CATALOGUE)
