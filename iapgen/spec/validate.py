"""Load services.yaml into validated models, and check what no single field can.

`load_spec` parses the file once, validates its shape, applies each environment's overrides
and runs the cross-field and whole-file rules for every environment, so a broken prod
override fails a dev render too. Every problem becomes a `Finding` with file, line, field
path, message and rule id; all of them are raised together in one `SpecError`.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from iapgen.errors import Finding, SpecError, show
from iapgen.examplekit import ENV, svc
from iapgen.lint import examples_multicluster as mc_examples
from iapgen.modes import mode_of, service_field_owners
from iapgen.spec import collisions, layout, rules
from iapgen.spec import examples_spec as spec_examples
from iapgen.spec.exposure import Exposure
from iapgen.spec.filerules import SPEC_SHAPE, YAML_TOO_LARGE
from iapgen.spec.findings import field_path, merge, translate
from iapgen.spec.models import Environment, Service, Spec
from iapgen.spec.rulebook import Example, Rule
from iapgen.spec.rules import HC_PORT_NOT_TARGET, HC_PROTOCOL_MISMATCH, HC_TIMEOUT_GT_INTERVAL, HOST_INVALID
from iapgen.spec.yamlsource import Document, Loc, load_one

# Every command validates every environment, so the work is environments x services: both are bounded,
# and so is their product (one YAML anchor can name a thousand environments in a few lines).
MAX_ENVIRONMENTS = 100
MAX_DEPLOYMENTS = 100_000
NOT_OVERRIDABLE = ("name", "overrides")


ENV_UNKNOWN = Rule(
    "ENV_UNKNOWN", "The Pulumi stack selects an environment that the spec does not define.",
    source="design.md#environments",
    why="iapgen renders the environment named after the stack.", fix="Select such a stack, or add the environment.",
    examples=spec_examples.ENV_UNKNOWN)

OVERRIDE_UNKNOWN_ENV = Rule(
    "OVERRIDE_UNKNOWN_ENV", "A service overrides an environment that the spec does not define.",
    source="design.md#overrides",
    why="The override would never apply, usually a typo.", fix="Use a name under environments:.",
    examples=spec_examples.OVERRIDE_UNKNOWN_ENV)

SERVICE_DUPLICATE = Rule(
    "SERVICE_DUPLICATE", "Two services share a name; generated objects would collide.",
    source="design.md#services",
    why="Generated objects would collide.", fix="Give each service its own name.",
    examples=spec_examples.SERVICE_DUPLICATE)

HOST_DUPLICATE = Rule(
    "HOST_DUPLICATE", "Two services of one environment claim the same host.",
    source="gke-behaviour.md#ingress-one-rule-per-host, gke-behaviour.md#managed-certificate-per-host",
    why="Only one of them would get the traffic.", fix="Give each service its own host.",
    examples=spec_examples.HOST_DUPLICATE)

IAP_NO_MEMBERS = Rule(
    "IAP_NO_MEMBERS", "IAP is on but nobody is granted access, so every request gets 403.",
    source="gke-behaviour.md#iap-enable-and-bind",
    why="Every request gets 403.", fix="List the groups or users who need access under iap.members.",
    examples=spec_examples.IAP_NO_MEMBERS)

SERVICE_FIELD_OTHER_MODE = Rule(
    "SERVICE_FIELD_OTHER_MODE", "A service sets a field that only another loadBalancer mode reads (e.g. clusters, "
    "read only by multicluster-gateway).", source="design.md#services",
    why="The environment's mode would silently ignore the field.",
    fix="Remove it, or set it in the overrides of an environment of the mode that reads it.",
    examples=mc_examples.EXAMPLES["SERVICE_FIELD_OTHER_MODE"])


@SERVICE_FIELD_OTHER_MODE.check
def check_service_field_mode(field: str, mode: str, owners: list[str]) -> str | None:
    """`owners`: the modes that read `field`; `mode`: the environment's."""
    if mode in owners:
        return None
    return (f"{field} is read only with loadBalancer: {' or '.join(owners)}, but this environment uses {mode}, "
            f"which would silently ignore it; remove it (or set it in the overrides of a {owners[0]} environment)")


HOST_MULTI_ENV = Rule(
    "HOST_MULTI_ENV", "One host is served by more than one environment.",
    source="gke-behaviour.md#managed-certificate-per-host, gke-behaviour.md#certificate-manager-map",
    why="DNS points a host at one load balancer, and a Google-managed certificate becomes active only where it "
    "points: every other environment that claims the host never serves it.",
    fix="Give each environment its own host (overrides.<env>.host), or drop host: so each gets <name>.<domain>.",
    examples=[Example("spec", ENV + """\
  prod:
    project: acme-prod
    domain: acme.example
    iap: {members: [group:sre@acme.example]}
services:
""" + svc("  healthCheck: {path: /healthz}\n  host: argocd.acme.example\n"), ENV + """\
  prod:
    project: acme-prod
    domain: acme.example
    iap: {members: [group:sre@acme.example]}
services:
""" + svc("  healthCheck: {path: /healthz}\n"))])


@dataclass(frozen=True)
class LoadedSpec:
    file: str
    spec: Spec
    exposures: Mapping[str, tuple[Exposure, ...]]

    def environment(self, env: str) -> tuple[Environment, tuple[Exposure, ...]]:
        """The environment a stack selects, or ENV_UNKNOWN naming the ones that exist."""
        if env not in self.spec.environments:
            known = ", ".join(sorted(self.spec.environments))
            close = difflib.get_close_matches(env, list(self.spec.environments), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SpecError.single(
                self.file, 1, "environments",
                f"the stack selects environment {show(env)}, which the spec does not define "
                f"(defined: {known}){hint}; add it under environments: or select another stack",
                ENV_UNKNOWN)
        return self.spec.environments[env], self.exposures[env]


def load_spec(path: str | Path, display: str | None = None) -> LoadedSpec:
    """Parse and validate a spec file; raise SpecError with every finding."""
    name = display or str(path)
    document = load_one(Path(path), name)
    return validate_document(document)


def validate_document(document: Document) -> LoadedSpec:
    checker = _checked(document)
    if checker.findings:
        raise SpecError(checker.findings)
    return LoadedSpec(document.file, checker.spec, checker.exposures)


Kept = Mapping[tuple[str, str], frozenset[str]]  # (environment, namespace) -> services its Ingress 1 serves


def missing_pins(document: Document, keep: Kept | None = None) -> dict[int, dict[str, int | None]]:
    """{service index: {environment: the Ingress number INGRESS_PIN_REQUIRED asks for, or None where the
    service is on an Ingress and needs none}} for the services that need one somewhere. `keep`: per environment
    and namespace, the services its Ingress 1 serves today, which stay there before any other. Other findings
    do not matter here, except duplicate service names (a pin goes to a name); a spec that does not fit the
    model raises them."""
    checker = _checked(document, keep or {})
    duplicates = [f for f in checker.findings if f.rule == SERVICE_DUPLICATE]
    if duplicates:
        raise SpecError(duplicates)
    found: dict[int, dict[str, int | None]] = {index: dict(numbers) for index, numbers in checker.pins.items()}
    index_of = {service.name: index for index, service in enumerate(checker.spec.services)}
    for env, exposures in checker.exposures.items():
        if not mode_of(checker.spec.environments[env]).pins_ingresses:
            continue  # no Ingress there: `ingress` is not read
        for exposure in exposures:
            index = index_of[exposure.service.name]
            # An environment whose override sets `ingress` is not moved by a line in the service's base.
            if index in found and layout.FIELD not in (checker.spec.services[index].overrides.get(env) or {}):
                found[index].setdefault(env, None)
    return found


def on_ingress_one(document: Document) -> dict[tuple[str, str], frozenset[str]]:
    """Per (environment, namespace), the services a spec puts on that namespace's Ingress 1 (findings or not)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for env, exposures in _checked(document).exposures.items():
        for exposure in exposures:
            if exposure.ingress_number == 1:
                found[(env, exposure.service.namespace)].add(exposure.service.name)
    return {key: frozenset(names) for key, names in found.items()}


def _checked(document: Document, keep: Kept | None = None) -> _Checker:
    """Every rule run over a document that fits the model (SpecError when it does not)."""
    if not isinstance(document.data, dict):
        raise SpecError.single(document.file, document.start_line, "", "a spec is a mapping with "
                               "environments: and services:", SPEC_SHAPE)
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as err:
        raise SpecError(translate(err, document, Spec, base=())) from None
    _check_size(document, spec)
    checker = _Checker(document, spec, keep or {})
    checker.exposures = checker.run()
    return checker


def _check_size(document: Document, spec: Spec) -> None:
    envs, services = len(spec.environments), len(spec.services)
    if envs > MAX_ENVIRONMENTS:
        raise SpecError.single(document.file, document.line_of(("environments",)), "environments",
                               f"{envs:,} environments; iapgen validates every one on every command and takes at "
                               f"most {MAX_ENVIRONMENTS}: split the spec", YAML_TOO_LARGE)
    if envs * services > MAX_DEPLOYMENTS:
        raise SpecError.single(document.file, document.line_of(("environments",)), "environments",
                               f"{envs:,} environments x {services:,} services = {envs * services:,} deployments to "
                               f"validate; iapgen takes at most {MAX_DEPLOYMENTS:,}: split the spec",
                               YAML_TOO_LARGE)


class _Checker:
    def __init__(self, document: Document, spec: Spec, keep: Kept):
        self.document = document
        self.spec = spec
        self.keep = keep  # services to leave on Ingress 1 before others (iapgen pin --base-ref)
        self.findings: list[Finding] = []
        self.checked: set[int] = set()  # services whose environment-independent rules ran
        self.pins: dict[int, dict[str, int]] = {}  # service index -> {environment: Ingress to pin}
        self.exposures: dict[str, tuple[Exposure, ...]] = {}
        self.index_of: dict[str, int] = {}
        for i, service in enumerate(spec.services):
            self.index_of.setdefault(service.name, i)
        attributes = {field.alias or name: name for name, field in Service.model_fields.items()}
        # Service fields only some modes read: (YAML name, attribute, the modes that read it).
        self.mode_fields = [(alias, attributes[alias], owners) for alias, owners in service_field_owners().items()]

    def add(self, loc: Loc, message: str, rule: Rule) -> None:
        self.findings.append(Finding(self.document.file, self.document.line_of(loc),
                                     field_path(loc, self.document), message, rule))

    # --- the Report the modes' checks write to (iapgen/modes/base.py) ---

    def service(self, exposure: Exposure, field: tuple[str, ...], message: str, rule: Rule) -> None:
        self.add(self.where(("services", self.index_of[exposure.service.name]), exposure.env, *field), message, rule)

    def environment(self, env: str, field: tuple[str | int, ...], message: str, rule: Rule) -> None:
        self.add(("environments", env, *field), message, rule)

    def pin(self, exposure: Exposure, number: int) -> None:
        self.pins.setdefault(self.index_of[exposure.service.name], {})[exposure.env] = number

    def run(self) -> dict[str, tuple[Exposure, ...]]:
        self.check_names()
        exposures: dict[str, tuple[Exposure, ...]] = {}
        for env_name, environment in self.spec.environments.items():
            resolved = []
            for index, service in enumerate(self.spec.services):
                effective = self.effective(index, service, env_name)
                if effective is not None:
                    resolved.append(self.expose(index, effective, env_name, environment))
            exposures[env_name] = self.check_environment(env_name, tuple(resolved))
        self.check_hosts_across_environments(exposures)
        names = {env: mode_of(environment).gce_names(env, environment, exposures[env])
                 for env, environment in self.spec.environments.items()}
        for loc, message, rule in collisions.gce_collisions(self.spec.environments, names):
            self.add(loc, message, rule)
        return exposures

    def check_hosts_across_environments(self, exposures: Mapping[str, tuple[Exposure, ...]]) -> None:
        """A host belongs to one environment: DNS names one load balancer (HOST_MULTI_ENV)."""
        first: dict[str, Exposure] = {}
        for env_exposures in exposures.values():
            for exposure in env_exposures:
                other = first.setdefault(exposure.host, exposure)
                if other.env == exposure.env:
                    continue
                field = "host" if exposure.service.host else "name"
                default = f"{exposure.service.name}.{exposure.environment.domain}"
                drop = (f", or drop host: to use {default}" if exposure.service.host and default != other.host
                        else "")
                self.service(exposure, (field,),
                             f"host {exposure.host} in {exposure.env} is also served by {other.service.name} in "
                             f"{other.env}; DNS points a host at one load balancer and its managed certificate becomes "
                             f"active only there, so {exposure.env} would never serve it: give {exposure.env} its own "
                             f"host (overrides.{exposure.env}.host){drop}", HOST_MULTI_ENV)

    def check_names(self) -> None:
        first: dict[str, int] = {}
        for index, service in enumerate(self.spec.services):
            loc: Loc = ("services", index, "name")
            if service.name in first:
                line = self.document.line_of(("services", first[service.name]))
                self.add(loc, f"{show(service.name)} is already used by the service at line {line}; "
                         "names generate Kubernetes and GCE objects, so they must be unique",
                         SERVICE_DUPLICATE)
            first.setdefault(service.name, index)
            for env_name in service.overrides:
                if env_name not in self.spec.environments:
                    known = ", ".join(sorted(self.spec.environments))
                    self.add(("services", index, "overrides", env_name),
                             f"overrides environment {show(env_name)}, which is not defined (defined: {known})",
                             OVERRIDE_UNKNOWN_ENV)

    def effective(self, index: int, service: Service, env_name: str) -> Service | None:
        """The service with the environment's override merged in, or None if that is invalid."""
        override = service.overrides.get(env_name)
        if not override:
            return service
        override_loc: Loc = ("services", index, "overrides", env_name)
        bad = False
        for key in NOT_OVERRIDABLE:
            if key in override:
                bad = True
                self.add((*override_loc, key), f"{key} cannot be overridden per environment", SPEC_SHAPE)
        if bad:
            return None
        raw = self.document.data["services"][index]
        merged = merge({k: v for k, v in raw.items() if k != "overrides"}, override)
        try:
            return Service.model_validate(merged)
        except ValidationError as err:
            self.findings.extend(translate(err, self.document, Service, base=("services", index),
                                            override=(override_loc, override)))
            return None

    def expose(self, index: int, service: Service, env_name: str, environment: Environment) -> Exposure:
        loc: Loc = ("services", index)
        if id(service) not in self.checked:  # a service without overrides is one object for every environment
            self.checked.add(id(service))
            self.check_service(loc, service, env_name)
        members = tuple(dict.fromkeys((*environment.iap.members, *service.iap.members)))
        if service.iap.enabled and not members:
            self.add(self.where(loc, env_name, "iap"),
                     f"IAP is on in {env_name} but nobody is granted access, so every request gets 403; "
                     f"add iap.members to the service or environments.{env_name}.iap.members",
                     IAP_NO_MEMBERS)
        host = service.host or f"{service.name}.{environment.domain}"
        if service.host is None and rules.check_host(host):
            self.add(self.where(loc, env_name, "name"),
                     f"the default host {show(host)} is not a valid DNS name (over 253 characters or a "
                     "label over 63); set host: explicitly", HOST_INVALID)
        exposure = Exposure(env_name, environment, service, host, members)
        mode = mode_of(environment)
        for alias, attribute, owners in self.mode_fields:
            if getattr(service, attribute) is not None:
                message = check_service_field_mode(alias, mode.name, owners)
                if message:
                    self.add(self.where(loc, env_name, alias), message, SERVICE_FIELD_OTHER_MODE)
        mode.check_exposure(exposure, self)
        return exposure

    def check_service(self, loc: Loc, service: Service, env_name: str) -> None:
        """Rules that depend on the service alone (as overridden for `env_name`, when it is)."""
        hc = service.health_check
        if hc.port is not None:
            message = rules.check_hc_port(hc.port, service.port, service.target_port)
            if message:
                self.add(self.where(loc, env_name, "healthCheck", "port"), message, HC_PORT_NOT_TARGET)
        if hc.protocol is not None:
            message = rules.check_hc_protocol(hc.protocol, service.protocol)
            if message:
                self.add(self.where(loc, env_name, "healthCheck", "protocol"), message, HC_PROTOCOL_MISMATCH)
        message = rules.check_hc_timeout(hc.timeout_sec, hc.check_interval_sec)
        if message:
            self.add(self.where(loc, env_name, "healthCheck", "timeoutSec"), message, HC_TIMEOUT_GT_INTERVAL)

    def where(self, loc: Loc, env_name: str, *field: str) -> Loc:
        """The location of a field as the user wrote it: in the override if it set it, else the base."""
        index = loc[1]
        assert isinstance(index, int)
        override = self.spec.services[index].overrides.get(env_name) or {}
        node: Any = override
        for part in field:
            if not isinstance(node, dict) or part not in node:
                return (*loc, *field)
            node = node[part]
        return (*loc, "overrides", env_name, *field)

    def check_environment(self, env_name: str, exposures: tuple[Exposure, ...]) -> tuple[Exposure, ...]:
        """Whole-environment rules, then the mode's; returns the exposures as the mode deploys them."""
        by_host: dict[str, Exposure] = {}
        for exposure in exposures:
            other = by_host.get(exposure.host)
            # A duplicate name also duplicates its derived host; SERVICE_DUPLICATE already says so.
            if other is not None and other.service.name != exposure.service.name:
                field = "host" if exposure.service.host else "name"
                self.service(exposure, (field,),
                             f"host {exposure.host} in {env_name} is already served by {other.service.name}; "
                             "one host can point at one load balancer: give each service its own host",
                             HOST_DUPLICATE)
            by_host.setdefault(exposure.host, exposure)
        environment = self.spec.environments[env_name]
        return mode_of(environment).check_environment(env_name, environment, exposures, self)
