"""The iapgen policy pack for Pulumi CrossGuard: one policy per catalogue rule, built from the lint checks.

A rule of `error` severity is MANDATORY, a warning ADVISORY; Pulumi's policy config changes either or turns a
policy off (`pulumi preview --policy-pack policy --policy-pack-config config.json`, see docs/policy-pack.md).
Policies are named by rule id and report "RULE_ID: Kind namespace/name: message".

Properties reach a policy through pulumi_policy's proxies, which raise UnknownValueError on a value unknown
during preview (the pack would then only print "can't run policy during preview"). `plain` reads them into
plain data with UNKNOWN in those places instead, and iapgen.policy.judge keeps only the findings that no
unknown value decided. Only lint findings at the rule's own severity are reported: lint lowers some to a
warning when it cannot be sure (docs/rules.md says when), and those do not belong in a mandatory policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy as policy_proxy

from iapgen.policy.coverage import STACK_RULES, judged_rules
from iapgen.policy.judge import UNKNOWN, Resource, Verdict, judge
from iapgen.spec import rulebook as rules

PACK_NAME = "iapgen"
HELP_URI = "https://github.com/iapgen/iapgen/blob/main/docs/rules.md"
SEVERITY_RANK = {rules.WARNING: 1, rules.ERROR: 2}
ENFORCEMENT = {rules.ERROR: EnforcementLevel.MANDATORY, rules.WARNING: EnforcementLevel.ADVISORY}
# What the engine sends for a value not known during preview (pulumi_policy keeps the sentinels as strings).
UNKNOWN_SENTINELS = frozenset({
    policy_proxy.UNKNOWN_BOOLEAN_VALUE, policy_proxy.UNKNOWN_NUMBER_VALUE, policy_proxy.UNKNOWN_STRING_VALUE,
    policy_proxy.UNKNOWN_ARRAY_VALUE, policy_proxy.UNKNOWN_ASSET_VALUE, policy_proxy.UNKNOWN_ARCHIVE_VALUE,
    policy_proxy.UNKNOWN_OBJECT_VALUE})


def plain(value: Any) -> Any:
    """Properties as pulumi_policy passes them (proxies, or plain data) as plain data, UNKNOWN where unknown."""
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        found = {}
        for key in value:
            try:
                found[str(key)] = plain(value[key])
            except policy_proxy.UnknownValueError:
                found[str(key)] = UNKNOWN
        return found
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except policy_proxy.UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


class _LastJudgement:
    """The verdicts on the last resources judged: the engine asks every policy in turn about the same resource
    (or stack), and each policy keeps only its own rule's verdicts. The pair is swapped in one assignment: the
    analyzer serves requests from several threads."""

    def __init__(self) -> None:
        self.last: tuple[str, list[Verdict]] = ("", [])

    def of(self, resources: list[Resource]) -> list[Verdict]:
        key = repr([(r.type, r.name, r.urn, r.props) for r in resources])
        last_key, verdicts = self.last
        if key != last_key:
            verdicts = judge(resources)
            self.last = (key, verdicts)
        return verdicts


_RESOURCE, _STACK = _LastJudgement(), _LastJudgement()


def _reported(rule: rules.Rule, verdicts: list[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.rule == rule.id and v.certain
            and SEVERITY_RANK.get(v.severity, 2) >= SEVERITY_RANK.get(rule.severity, 2)]


def resource_validation(rule: rules.Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = Resource(args.resource_type, args.name, plain(args.props), args.urn)
        for verdict in _reported(rule, _RESOURCE.of([resource])):
            report_violation(verdict.text(), None)
    return validate


def stack_validation(rule: rules.Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [Resource(r.resource_type, r.name, plain(r.props), r.urn) for r in args.resources]
        for verdict in _reported(rule, _STACK.of(resources)):
            report_violation(verdict.text(), resources[verdict.resource].urn or None)
    return validate


def policy(rule: rules.Rule) -> Policy:
    """The policy of one rule: named by its id, enforced by its severity."""
    common: dict[str, Any] = {
        "name": rule.id, "description": rule.summary, "enforcement_level": ENFORCEMENT[rule.severity],
        "url": f"{HELP_URI}#{rule.id.lower()}", "tags": ["iapgen", "gke"], "remediation_steps": rule.fix or None}
    if rule.id in STACK_RULES:
        return StackValidationPolicy(validate=stack_validation(rule), **common)
    return ResourceValidationPolicy(validate=resource_validation(rule), **common)


def policies() -> list[Policy]:
    return [policy(rule) for rule in judged_rules()]


def pack_arguments() -> dict[str, Any]:
    """What policy/__main__.py passes to PolicyPack (whose constructor serves the pack until it is stopped)."""
    return {"name": PACK_NAME, "policies": policies(), "enforcement_level": EnforcementLevel.ADVISORY,
            "description": "iapgen's GKE load-balancing and IAP rules for any Pulumi program",
            "display_name": "iapgen: GKE load balancing and IAP", "provider": "gcp", "tags": ["gke", "iap"]}
