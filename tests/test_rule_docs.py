"""Every rule is declared once, completely: examples, a source that exists in docs/, an entry in docs/rules.md
(generated and current); every rule's bad example triggers it and the good one does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iapgen.errors import SpecError
from iapgen.lint.command import lint
from iapgen.lint.docs import catalogue_markdown, full_spec
from iapgen.render.command import render
from iapgen.spec import rules
from iapgen.spec.rulebook import Example, Rule, load_all
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


CATALOGUE = load_all()
CASES = [(rule.id, i, example) for rule in sorted(CATALOGUE.values()) for i, example in enumerate(rule.examples)]


@pytest.mark.parametrize(("rule_id", "example"), [(c[0], c[2]) for c in CASES],
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_example_triggers_the_rule_and_good_does_not(rule_id: str, example: Example, tmp_path: Path) -> None:
    bad = rules_found(example, example.bad, tmp_path / "bad", example.stack_config)
    good = rules_found(example, example.good, tmp_path / "good", example.good_stack_config)
    assert rule_id in bad, bad
    assert rule_id not in good, good
    if example.kind == "manifest":
        assert good == set(), f"the good example should lint clean: {good}"


def test_every_rule_has_a_bad_and_a_good_example() -> None:
    """Only a rule about a path that cannot be read may go without, and it says why."""
    missing = sorted(r.id for r in CATALOGUE.values() if not r.examples and not r.no_example)
    assert missing == []
    assert sorted(r.id for r in CATALOGUE.values() if r.no_example) == ["FILE_UNREADABLE"]
    for rule in CATALOGUE.values():
        for example in rule.examples:
            differ = example.bad != example.good or example.stack_config != example.good_stack_config
            assert example.bad.strip() and example.good.strip() and differ, rule.id


def slugs(doc: Path) -> set[str]:
    """The anchors of a markdown file's headings, as GitHub makes them."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 _-]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_rule_names_sources_that_exist() -> None:
    docs = REPO / "docs"
    broken = []
    for rule in CATALOGUE.values():
        if not rule.sources:
            broken.append(f"{rule.id}: no source")
        for source in rule.sources:
            page, _, anchor = source.partition("#")
            if not (docs / page).is_file() or anchor not in slugs(docs / page):
                broken.append(f"{rule.id}: {source}")
    assert broken == []


def test_every_rule_is_in_the_committed_docs() -> None:
    committed = (REPO / "docs" / "rules.md").read_text()
    assert [r for r in sorted(CATALOGUE) if f"\n## {r}\n" not in committed] == []


def test_every_rule_says_what_it_checks() -> None:
    for rule in CATALOGUE.values():
        assert rule.summary.strip() and "\n" not in rule.summary, rule.id
        assert rule.why.strip() and rule.fix.strip(), rule.id
        assert rule.severity in (rules.ERROR, rules.WARNING), rule.id


def test_the_completeness_checks_can_fail(tmp_path: Path) -> None:
    """A rule declared without examples or with a source that does not exist is caught by the checks above."""
    bare = Rule("TEST_ONLY_BARE", "A rule for this test.", "gke-behaviour.md#no-such-entry")
    try:
        with pytest.raises(AssertionError):
            test_every_rule_has_a_bad_and_a_good_example()
        with pytest.raises(AssertionError):
            test_every_rule_names_sources_that_exist()
        with pytest.raises(AssertionError):
            test_every_rule_is_in_the_committed_docs()
        with pytest.raises(ValueError, match="declared twice"):
            Rule("TEST_ONLY_BARE", "Again.", "design.md#environments")
    finally:
        del CATALOGUE[bare.id]


def test_a_rule_is_its_id() -> None:
    """Findings print, sort, compare and serialise by id, and survive pickling (parallel runs)."""
    import json
    import pickle

    rule = CATALOGUE["GCE_NAME_COLLISION"]
    assert rule == "GCE_NAME_COLLISION" and str(rule) == "GCE_NAME_COLLISION"
    assert json.dumps({"rule": rule}) == '{"rule": "GCE_NAME_COLLISION"}'
    assert pickle.loads(pickle.dumps(rule)) is rule
    with pytest.raises(AttributeError):
        rule.severity = rules.WARNING  # type: ignore[misc]


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


def test_a_finding_takes_the_declared_rule_not_its_id() -> None:
    from iapgen.errors import Finding

    rule = CATALOGUE["GCE_NAME_COLLISION"]
    finding = Finding("services.yaml", 3, "services[a]", "clash", rule)
    assert str(finding) == "services.yaml:3: services[a]: clash [GCE_NAME_COLLISION]"
    with pytest.raises(TypeError, match="declared Rule"):
        Finding("services.yaml", 3, "services[a]", "clash", "GCE_NAME_COLLISION")  # type: ignore[arg-type]
