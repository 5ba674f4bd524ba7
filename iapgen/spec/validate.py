"""Load services.yaml into validated models, and check what no single field can.

`load_spec` parses the file once, validates its shape, applies each environment's overrides
and runs the cross-field and whole-file rules for every environment, so a broken prod
override fails a dev render too. Every problem becomes a `Finding` with file, line, field
path, message and rule id; all of them are raised together in one `SpecError`.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from iapgen.errors import Finding, SpecError, show
from iapgen.spec import examples_spec as spec_examples
from iapgen.spec import gateway, layout, lbchecks, naming, pinned, rules
from iapgen.spec.exposure import Exposure
from iapgen.spec.filerules import SPEC_SHAPE, YAML_TOO_LARGE
from iapgen.spec.findings import field_path, merge, translate
from iapgen.spec.gateway import HC_PATH_GATEWAY
from iapgen.spec.layout import INGRESS_CERT_LIMIT, INGRESS_PIN_REQUIRED, NAME_TOO_LONG
from iapgen.spec.models import Environment, Service, Spec
from iapgen.spec.rulebook import Rule
from iapgen.spec.rules import HC_PORT_NOT_TARGET, HC_PROTOCOL_MISMATCH, HC_TIMEOUT_GT_INTERVAL, HOST_INVALID
from iapgen.spec.yamlsource import Document, Loc, load_one

# Google's target HTTPS proxy takes at most 15 certificates; each Ingress holds one ManagedCertificate per host.
MAX_HOSTS_PER_INGRESS = layout.HOSTS_PER_INGRESS
# Every command validates every environment, so the work is environments x services: both are bounded,
# and so is their product (one YAML anchor can name a thousand environments in a few lines).
MAX_ENVIRONMENTS = 100
MANAGED_CERT_DOMAIN_MAX = 63
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

PINNED_NAME_CONFLICT = Rule(
    "PINNED_NAME_CONFLICT", "Pinned names disagree: services of one namespace name different Ingresses or static "
    "IPs, or two services claim one BackendConfig or certificate.",
    source="design.md#names-of-adopted-objects",
    why="Objects would be shared or split in ways GKE cannot serve.", fix="Give them the same names, or own ones.",
    examples=spec_examples.PINNED_NAME_CONFLICT)


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
        if checker.spec.environments[env].load_balancer != "ingress":
            continue  # no Ingress there: `ingress` is not read
        for exposure in exposures:
            index = index_of[exposure.service.name]
            # An environment whose override sets `ingress` is not moved by a line in the service's base.
            if index in found and "ingress" not in (checker.spec.services[index].overrides.get(env) or {}):
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

    def add(self, loc: Loc, message: str, rule: Rule) -> None:
        self.findings.append(Finding(self.document.file, self.document.line_of(loc),
                                     field_path(loc, self.document), message, rule))

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
            for loc, message, rule in lbchecks.mode_fields(env_name, environment):
                self.add(loc, message, rule)
        for loc, message, rule in lbchecks.gce_collisions(self.spec.environments, exposures):
            self.add(loc, message, rule)
        return exposures

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
        if environment.load_balancer == "gateway":
            message = gateway.check_policy_path(service.health_check.path)
            if message:
                self.add(self.where(loc, env_name, "healthCheck", "path"), message, HC_PATH_GATEWAY)
        if environment.load_balancer in ("standalone", "gateway"):
            neg_name = naming.neg(env_name, service.name)
            what = "NEG, backend service and health check" if environment.load_balancer == "standalone" else \
                "Certificate Manager certificate"
            if len(neg_name) > naming.GCE_NAME_MAX:
                self.add(self.where(loc, env_name, "name"),
                         f"the {what} name {neg_name!r} would be {len(neg_name)} "
                         f"characters (GCE allows {naming.GCE_NAME_MAX}); shorten the service name or the "
                         "environment name", NAME_TOO_LONG)
        host = service.host or f"{service.name}.{environment.domain}"
        if service.host is None and rules.check_host(host):
            self.add(self.where(loc, env_name, "name"),
                     f"the default host {show(host)} is not a valid DNS name (over 253 characters or a "
                     "label over 63); set host: explicitly", HOST_INVALID)
        elif environment.load_balancer == "ingress" and len(host) > MANAGED_CERT_DOMAIN_MAX:
            # The ManagedCertificate CRD caps each domain at 63 characters: the object would be refused
            # at apply time (docs/gke-behaviour.md#managed-certificate-per-host).
            self.add(self.where(loc, env_name, "host" if service.host else "name"),
                     f"host {show(host)} is {len(host)} characters; a ManagedCertificate (GKE Ingress) takes domains "
                     f"of at most {MANAGED_CERT_DOMAIN_MAX}: use a shorter host", HOST_INVALID)
        return Exposure(env_name, environment, service, host, members)

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
        """Whole-environment rules; returns the exposures with the Ingress that serves each."""
        by_host: dict[str, Exposure] = {}
        per_namespace: dict[str, list[Exposure]] = defaultdict(list)
        index_of: dict[str, int] = {}
        for i, service in enumerate(self.spec.services):
            index_of.setdefault(service.name, i)
        for exposure in exposures:
            index = index_of[exposure.service.name]
            other = by_host.get(exposure.host)
            # A duplicate name also duplicates its derived host; SERVICE_DUPLICATE already says so.
            if other is not None and other.service.name != exposure.service.name:
                field = "host" if exposure.service.host else "name"
                self.add(self.where(("services", index), env_name, field),
                         f"host {exposure.host} in {env_name} is already served by {other.service.name}; "
                         "one host can point at one load balancer: give each service its own host",
                         HOST_DUPLICATE)
            by_host.setdefault(exposure.host, exposure)
            per_namespace[exposure.service.namespace].append(exposure)
        environment = self.spec.environments[env_name]
        for loc, message, rule in lbchecks.gateway_iap(env_name, environment, exposures):
            self.add(loc, message, rule)
        if environment.load_balancer in ("standalone", "gateway"):
            # No Ingress: one certificate map serves every host (no per-proxy certificate limit), and the
            # names an adopted Ingress pins do not apply.
            return exposures
        numbers: dict[str, int] = {}
        for namespace, members in per_namespace.items():
            placement = layout.place([(e.service.name, e.service.ingress) for e in members],
                                     first=self.keep.get((env_name, namespace), frozenset()))
            numbers.update(placement.numbers)
            for ingress in placement.overfull:
                self.add(self.where(("services", index_of[ingress.pinned[MAX_HOSTS_PER_INGRESS]]), env_name, "ingress"),
                         layout.overfull_message(namespace, env_name, ingress), INGRESS_CERT_LIMIT)
            first = next((e.ingress_name for e in members if placement.numbers[e.service.name] == 1), "")
            for name, number in placement.to_pin:
                self.pins.setdefault(index_of[name], {})[env_name] = number
                self.add(self.where(("services", index_of[name]), env_name, "ingress"),
                         layout.pin_message(namespace, env_name, name, number, first), INGRESS_PIN_REQUIRED)
        placed_exposures = tuple(dataclasses.replace(e, ingress_number=numbers[e.service.name]) for e in exposures)
        ingresses = [(e.service.name, e.service.namespace, e.ingress_number, e.service.names.static_ip)
                     for e in placed_exposures]
        for name, message, rule in layout.static_ip_problems(env_name, ingresses):
            self.add(self.where(("services", index_of[name]), env_name, "namespace"), message, rule)
        per_ingress: dict[tuple[str, int], list[Exposure]] = defaultdict(list)
        for exposure in placed_exposures:
            per_ingress[(exposure.service.namespace, exposure.ingress_number)].append(exposure)
        named: dict[tuple[str, str], int] = {}
        for (namespace, number), members in sorted(per_ingress.items()):
            self.check_pinned_ingress(env_name, members, index_of)
            taken = named.setdefault((namespace, members[0].ingress_name), number)
            if taken != number:
                self.add(self.where(("services", index_of[members[0].service.name]), env_name, "names", "ingress"),
                         f"Ingress {number} of namespace {namespace} would be named {members[0].ingress_name!r} like "
                         f"Ingress {taken}: pin names.ingress only on the services of one Ingress",
                         PINNED_NAME_CONFLICT)
        for members in per_namespace.values():
            self.check_pinned_objects(env_name, members, index_of)
        return placed_exposures

    def check_pinned_ingress(self, env_name: str, members: list[Exposure], index_of: dict[str, int]) -> None:
        """The services one Ingress serves share its name and static IP: they pin the same ones, or none."""
        first = members[0].service
        for field, attr in (("ingress", "ingress"), ("staticIp", "static_ip")):
            for exposure in members[1:]:
                value, expected = getattr(exposure.service.names, attr), getattr(first.names, attr)
                if value != expected:
                    self.add(self.where(("services", index_of[exposure.service.name]), env_name, "names", field),
                             f"names.{field} is {show(value or 'unset')} but {first.name}, served by the same "
                             f"Ingress, has {show(expected or 'unset')}; the services of one Ingress share its name "
                             f"and IP, so give them the same names.{field}", PINNED_NAME_CONFLICT)

    def check_pinned_objects(self, env_name: str, members: list[Exposure], index_of: dict[str, int]) -> None:
        """Each service of a namespace needs its own BackendConfig and certificate."""
        for field, name_of in (("backendConfig", pinned.backend_config), ("certificate", pinned.certificate)):
            owner: dict[str, str] = {}
            for exposure in members:
                name = name_of(exposure.service)
                if name in owner and owner[name] != exposure.service.name:
                    self.add(self.where(("services", index_of[exposure.service.name]), env_name, "names", field),
                             f"{field} {show(name)} is already the {field} of {owner[name]} in namespace "
                             f"{exposure.service.namespace}; each service needs its own: pin it on one service only",
                             PINNED_NAME_CONFLICT)
                owner.setdefault(name, exposure.service.name)
