"""Ingress mode's spec checks: the ManagedCertificate's domain limit, which Ingress serves each host
(docs/design.md#ingress-layout), and the live names adopted Ingresses pin."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from iapgen.errors import show
from iapgen.modes.base import Report
from iapgen.spec import examples_spec as spec_examples
from iapgen.spec import layout, pinned, rules
from iapgen.spec.exposure import Exposure
from iapgen.spec.layout import INGRESS_CERT_LIMIT, INGRESS_PIN_REQUIRED
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Rule
from iapgen.spec.rules import HOST_INVALID

PINNED_NAME_CONFLICT = Rule(
    "PINNED_NAME_CONFLICT", "Pinned names disagree: services of one namespace name different Ingresses or static "
    "IPs, or two services claim one BackendConfig or certificate.",
    source="design.md#names-of-adopted-objects",
    why="Objects would be shared or split in ways GKE cannot serve.", fix="Give them the same names, or own ones.",
    examples=spec_examples.PINNED_NAME_CONFLICT)

# The ManagedCertificate CRD caps each domain at 63 characters (docs/gke-behaviour.md#managed-certificate-per-host).
MANAGED_CERT_DOMAIN_MAX = 63
MAX_HOSTS_PER_INGRESS = layout.HOSTS_PER_INGRESS


def check_exposure(exposure: Exposure, report: Report) -> None:
    host = exposure.host
    if exposure.service.host is None and rules.check_host(host):
        return  # HOST_INVALID already: the default host is no DNS name
    if len(host) > MANAGED_CERT_DOMAIN_MAX:
        # The object would be refused at apply time.
        report.service(exposure, ("host",) if exposure.service.host else ("name",),
                       f"host {show(host)} is {len(host)} characters; a ManagedCertificate (GKE Ingress) takes domains "
                       f"of at most {MANAGED_CERT_DOMAIN_MAX}: use a shorter host", HOST_INVALID)


def check_environment(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                      report: Report) -> tuple[Exposure, ...]:
    """Place each namespace's services on its Ingresses; returns the exposures with the Ingress serving each."""
    per_namespace: dict[str, list[Exposure]] = defaultdict(list)
    by_name = {e.service.name: e for e in exposures}
    for exposure in exposures:
        per_namespace[exposure.service.namespace].append(exposure)
    numbers: dict[str, int] = {}
    for namespace, members in per_namespace.items():
        placement = layout.place([(e.service.name, e.service.ingress) for e in members],
                                 first=report.keep.get((env, namespace), frozenset()))
        numbers.update(placement.numbers)
        for ingress in placement.overfull:
            report.service(by_name[ingress.pinned[MAX_HOSTS_PER_INGRESS]], ("ingress",),
                           layout.overfull_message(namespace, env, ingress), INGRESS_CERT_LIMIT)
        first = next((e.ingress_name for e in members if placement.numbers[e.service.name] == 1), "")
        for name, number in placement.to_pin:
            report.pin(by_name[name], number)
            report.service(by_name[name], ("ingress",), layout.pin_message(namespace, env, name, number, first),
                           INGRESS_PIN_REQUIRED)
    placed = tuple(dataclasses.replace(e, ingress_number=numbers[e.service.name]) for e in exposures)
    placed_by_name = {e.service.name: e for e in placed}
    ingresses = [(e.service.name, e.service.namespace, e.ingress_number, e.service.names.static_ip) for e in placed]
    for name, message, rule in layout.static_ip_problems(env, ingresses):
        report.service(placed_by_name[name], ("namespace",), message, rule)
    per_ingress: dict[tuple[str, int], list[Exposure]] = defaultdict(list)
    for exposure in placed:
        per_ingress[(exposure.service.namespace, exposure.ingress_number)].append(exposure)
    named: dict[tuple[str, str], int] = {}
    for (namespace, number), members in sorted(per_ingress.items()):
        _check_pinned_ingress(members, report)
        taken = named.setdefault((namespace, members[0].ingress_name), number)
        if taken != number:
            report.service(members[0], ("names", "ingress"),
                           f"Ingress {number} of namespace {namespace} would be named {members[0].ingress_name!r} like "
                           f"Ingress {taken}: pin names.ingress only on the services of one Ingress",
                           PINNED_NAME_CONFLICT)
    for members in per_namespace.values():
        _check_pinned_objects(members, report)
    return placed


def _check_pinned_ingress(members: list[Exposure], report: Report) -> None:
    """The services one Ingress serves share its name and static IP: they pin the same ones, or none."""
    first = members[0].service
    for field, attr in (("ingress", "ingress"), ("staticIp", "static_ip")):
        for exposure in members[1:]:
            value, expected = getattr(exposure.service.names, attr), getattr(first.names, attr)
            if value != expected:
                report.service(exposure, ("names", field),
                               f"names.{field} is {show(value or 'unset')} but {first.name}, served by the same "
                               f"Ingress, has {show(expected or 'unset')}; the services of one Ingress share its name "
                               f"and IP, so give them the same names.{field}", PINNED_NAME_CONFLICT)


def _check_pinned_objects(members: list[Exposure], report: Report) -> None:
    """Each service of a namespace needs its own BackendConfig and certificate."""
    for field, name_of in (("backendConfig", pinned.backend_config), ("certificate", pinned.certificate)):
        owner: dict[str, str] = {}
        for exposure in members:
            name = name_of(exposure.service)
            if name in owner and owner[name] != exposure.service.name:
                report.service(exposure, ("names", field),
                               f"{field} {show(name)} is already the {field} of {owner[name]} in namespace "
                               f"{exposure.service.namespace}; each service needs its own: pin it on one service only",
                               PINNED_NAME_CONFLICT)
            owner.setdefault(name, exposure.service.name)


def gce_names(env: str, environment: Environment, exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
    """Project-wide names iapgen chooses: the static IP of every Ingress, pinned or generated, as render names
    them (GKE names the rest itself, with the cluster's UID)."""
    return {"addresses": sorted({e.static_ip_name for e in exposures})}
