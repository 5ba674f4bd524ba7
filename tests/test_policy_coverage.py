"""The policy pack covers the catalogue: every rule has a policy or is listed with why not, and every rule's
manifest examples, registered as a Pulumi program would register them, fail the pack (bad) or pass it (good)."""

from __future__ import annotations

import pytest

from iapgen.lint.examples import EXAMPLES
from iapgen.policy import judge
from iapgen.policy.coverage import NOT_JUDGED, STACK_RULES, judged_rules
from iapgen.spec import rules
from tests.pulumi_resources import from_manifests, run_pack, urn

MANIFEST_EXAMPLES = {rule_id: [e for e in examples if e.kind == "manifest"] for rule_id, examples in EXAMPLES.items()}
CASES = [(rule_id, i, example) for rule_id, examples in sorted(MANIFEST_EXAMPLES.items())
         for i, example in enumerate(examples)]


def test_every_rule_has_a_policy_or_a_reason() -> None:
    judged = {rule.id for rule in judged_rules()}
    assert judged | set(NOT_JUDGED) == set(rules.CATALOGUE)
    assert not judged & set(NOT_JUDGED)
    assert judged >= STACK_RULES, STACK_RULES - judged
    without_example = sorted(r for r in judged if not MANIFEST_EXAMPLES.get(r))
    assert without_example == [], ("these rules have a policy but no manifest example to show the pack judges "
                                   "them: give each a manifest example, or list it in NOT_JUDGED with why")
    listed_but_judgeable = sorted(r for r in NOT_JUDGED if MANIFEST_EXAMPLES.get(r))
    assert listed_but_judgeable == [], "lint judges these on manifests, so the pack can: remove them from NOT_JUDGED"
    assert all(len(why) > 20 for why in NOT_JUDGED.values())


@pytest.mark.parametrize(("rule_id", "example"), [(c[0], c[2]) for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_bad_example_fails_the_rules_policy_and_the_good_passes_the_pack(rule_id, example) -> None:
    bad = [v for v in run_pack(from_manifests(example.bad)) if v.policy == rule_id]
    kind = "stack" if rule_id in STACK_RULES else "resource"
    assert bad, (f"the {kind} policy {rule_id} misses its bad example"
                 + ("" if kind == "stack" else ": if the rule needs several resources, add it to STACK_RULES"))
    assert all(v.message.startswith(f"{rule_id}: ") for v in bad)
    expected = "mandatory" if rules.CATALOGUE[rule_id].severity == rules.ERROR else "advisory"
    assert {v.enforcement for v in bad} == {expected}
    assert run_pack(from_manifests(example.good)) == []


@pytest.mark.parametrize(("rule_id", "example"), [(c[0], c[2]) for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_resource_rule_finds_alone_nothing_the_stack_would_clear(rule_id, example) -> None:
    # A resource policy sees one resource: what it reports must stand when the rest of the program is known too.
    for text in (example.bad, example.good):
        resources = from_manifests(text)
        program = [judge.Resource(t, n, p, urn((t, n, p))) for t, n, p in resources]
        together = {(v.rule, v.resource, v.message) for v in judge.judge(program)}
        for index, resource in enumerate(program):
            alone = {(v.rule, index, v.message) for v in judge.judge([resource]) if v.rule not in STACK_RULES}
            assert alone <= together, f"{alone - together}: add the rule to STACK_RULES"
