"""Validate the spec `iapgen import` is about to write, before it writes anything.

A finding there is never shown at a line of services.yaml (the file is not on disk yet). Either it is
about a value import chose for the environment (a flag's value, a guess, one read from
Pulumi.<env>.yaml), which is a usage error naming the flag that sets it (`ChoiceError`, exit 2), or it
is about what one live app carries that the spec cannot take (a namespace, label or name the spec
refuses), and that app is not adopted: the report lists it with the reason (`Unfit`).
"""

from __future__ import annotations

import re
from typing import Any

from iapgen.errors import Finding, SpecError, show
from iapgen.spec.validate import LoadedSpec, validate_document
from iapgen.spec.yamlsource import parse_all

SPEC = "services.yaml"
# Environment field -> the flag that sets it and what the flag takes.
FLAGS = {"project": ("--project", "PROJECT_ID"), "domain": ("--domain", "DOMAIN"), "iap": ("--member", "PRINCIPAL")}
SERVICE = re.compile(r"services\[(?P<name>[^\]]+)\]\.?(?P<field>.*)")


class ChoiceError(Exception):
    """A value import chose for the environment that the spec refuses: a usage error about that choice."""


class Unfit(Exception):
    """Apps whose entry the spec refuses for what the live objects carry: spec service name -> why."""

    def __init__(self, refused: dict[str, str]):
        super().__init__(", ".join(refused))
        self.refused = refused


def validated(text: str, env: str, environment: dict[str, Any], origins: dict[str, str]) -> LoadedSpec:
    """The spec text, validated as `iapgen check` would, or ChoiceError / Unfit. `origins`: where each
    environment value came from, as the spec's comments say it ("from --domain", "GUESSED: ...")."""
    try:
        return validate_document(parse_all(text, SPEC)[0])
    except SpecError as err:
        findings = sorted(err.findings, key=lambda f: f.line or 0)
    prefix = f"environments.{env}"
    for finding in findings:
        if finding.field == prefix or finding.field.startswith(f"{prefix}[") or finding.rule == "ENV_NAME_INVALID":
            raise ChoiceError(f"--env {show(env)}: {finding.message}")
        if finding.field.startswith(f"{prefix}."):
            key = finding.field[len(prefix) + 1:].split(".")[0].split("[")[0]
            raise ChoiceError(_choice(key, environment.get(key), origins, finding.message))
    refused: dict[str, str] = {}
    for finding in findings:
        match = SERVICE.fullmatch(finding.field)
        if match is None:
            raise ChoiceError(f"the spec import built is refused ({finding.field}: {finding.message}); this is a "
                              "bug in iapgen import, please report it")
        name = match["name"]
        if _default_host(finding):
            raise ChoiceError(_choice("domain", environment.get("domain"), origins,
                                      f"{name} is adopted without a host, so its host is {name}.<domain>: "
                                      f"{finding.message}"))
        refused.setdefault(name, f"the spec refuses it: {match['field'] or 'service'}: {finding.message}")
    raise Unfit(refused)


def _default_host(finding: Finding) -> bool:
    """A host the domain makes: the service has none of its own, so the finding is at its name."""
    return finding.rule == "HOST_INVALID" and finding.field.endswith("].name")


def _choice(key: str, value: Any, origins: dict[str, str], message: str) -> str:
    flag, metavar = FLAGS.get(key, (f"environments.<env>.{key}", "VALUE"))
    origin = origins.get("iap.members" if key == "iap" else key, "")
    if origin == f"from {flag}":
        return f"{flag}: {message}"
    if origin.startswith("GUESSED"):
        what = f"the {key} guessed from the hosts, {show(value)}"
    else:
        what = f"the {key} {origin}".rstrip()
    return f"{flag} is not given, and {what} will not do: {message}; pass {flag} {metavar}"
