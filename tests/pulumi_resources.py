"""Pulumi resources for the policy-pack tests, and the pack run on them as the engine would, without the CLI.

A resource is (type token, name, properties). The properties go through pulumi_policy's own deserializer and
unknown-checking proxy, as the analyzer server passes them to a policy; UNKNOWN marks a value unknown during
preview (the engine sends the sentinel string, which the proxy refuses to hand out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from iapgen.policy import pack

UNKNOWN = UNKNOWN_STRING_VALUE
Res = tuple[str, str, dict[str, Any]]


def urn(resource: Res) -> str:
    return f"urn:pulumi:dev::program::{resource[0]}::{resource[1]}"


def as_engine_sends(props: dict[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(json.loads(json.dumps(props))))


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_args(resource: Res) -> ResourceValidationArgs:
    return ResourceValidationArgs(resource[0], as_engine_sends(resource[2]), urn(resource), resource[1], _options(),
                                  None)


def stack_args(resources: list[Res]) -> StackValidationArgs:
    return StackValidationArgs([PolicyResource(r[0], as_engine_sends(r[2]), urn(r), r[1], _options(), None, None,
                                               [], {}) for r in resources])


@dataclass(frozen=True)
class Violation:
    policy: str
    message: str
    urn: str
    enforcement: str


def _collector(found: list[Violation], policy: str, level: str, default_urn: str = "") -> Any:
    def report(message: str, at: str | None = None) -> None:
        found.append(Violation(policy, message, at or default_urn, level))
    return report


def run_pack(resources: list[Res], only: set[str] | None = None) -> list[Violation]:
    """Every violation the pack's policies report, in the engine's order: each resource through every resource
    policy, then the whole stack through every stack policy."""
    found: list[Violation] = []
    chosen = [p for p in pack.policies() if only is None or p.name in only]
    level = {p.name: p.enforcement_level.value if p.enforcement_level else "advisory" for p in chosen}
    for resource in resources:
        for policy in chosen:
            if isinstance(policy, ResourceValidationPolicy):
                policy.validate(resource_args(resource), _collector(found, policy.name, level[policy.name],
                                                                    urn(resource)))
    for policy in chosen:
        if isinstance(policy, StackValidationPolicy):
            policy.validate(stack_args(resources), _collector(found, policy.name, level[policy.name]))
    return found


def from_manifests(text: str) -> list[Res]:
    """Kubernetes YAML as a program registers it (ConfigFile, or typed resources: the same type tokens), or an
    `iapgen render` plan.json."""
    if text.lstrip().startswith("["):
        return [(e["type"], e["name"], e["inputs"]) for e in json.loads(text)]
    found: list[Res] = []
    for index, doc in enumerate(yaml.safe_load_all(text)):
        if not isinstance(doc, dict):
            continue
        for obj in doc["items"] if str(doc.get("kind", "")).endswith("List") and "items" in doc else [doc]:
            version = str(obj.get("apiVersion", "v1"))
            token = f"kubernetes:{'core/v1' if version == 'v1' else version}:{obj.get('kind')}"
            found.append((token, str((obj.get("metadata") or {}).get("name", f"object-{index}")), obj))
    return found


def from_plan(path: Path) -> list[Res]:
    return from_manifests(path.read_text())
