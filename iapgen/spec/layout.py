"""Which of its namespace's Ingresses serves each service.

One target HTTPS proxy takes at most 15 certificates and iapgen gives every host its own
ManagedCertificate, so one Ingress serves at most 15 hosts. A namespace with more gets
Ingress 2, 3, ... (each with its own static IP). iapgen places a service by itself only on
Ingress 1: a service on any other Ingress says so (`ingress: N`). Placement by spec order
alone would move services whenever one before them is removed or inserted, and a service
that moves to another Ingress gets another IP (its DNS breaks until updated), so past the
first Ingress the number is part of the spec. The unpinned services beyond Ingress 1's room
are refused (INGRESS_PIN_REQUIRED) with the number to pin: the lowest Ingress with room, in
spec order, which is where iapgen placed them before it asked; `iapgen pin` (pinning.py) adds
those lines. See docs/design.md#ingress-layout.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from iapgen.examplekit import svc
from iapgen.spec import naming
from iapgen.spec.rulebook import Example, Rule

HOSTS_PER_INGRESS = 15  # certificates per target HTTPS proxy (gke-behaviour.md#target-proxy-certificate-limit)


NAME_TOO_LONG = Rule(
    "NAME_TOO_LONG", "A generated object name would exceed 63 characters.",
    source="gke-behaviour.md#gce-and-kubernetes-names, gke-behaviour.md#ingress-static-ip, "
    "gke-behaviour.md#neg-custom-names",
    why="Kubernetes and GCE refuse names over 63 characters.",
    fix="Shorten the service, namespace or environment name.",
    examples=[Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "namespace: argocd", "namespace: argocd-" + "x" * 50),
        svc("  healthCheck: {path: /healthz}\n"))])

INGRESS_CERT_LIMIT = Rule(
    "INGRESS_CERT_LIMIT", "More services pinned to one Ingress than it can hold certificates for (15).",
    source="gke-behaviour.md#target-proxy-certificate-limit, design.md#ingress-layout",
    why="The target HTTPS proxy takes at most 15 certificates; the 16th host gets none.",
    fix="Pin some of the services to another Ingress (ingress: N).",
    examples=[Example("service", "".join(svc("  healthCheck: {path: /healthz}\n  ingress: 2\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            f"  healthCheck: {{path: /healthz}}\n  ingress: {2 + i // 15}\n").replace(
            "name: argocd", f"name: app{i}") for i in range(16)))])

INGRESS_PIN_REQUIRED = Rule(
    "INGRESS_PIN_REQUIRED", "A service past the 15 hosts of its namespace's first Ingress does not say which "
    "Ingress serves it (ingress: N).",
    source="gke-behaviour.md#target-proxy-certificate-limit, design.md#ingress-layout",
    why="Placement by spec order would move services, and their IPs, when the spec changes.",
    fix="Add the ingress: N the finding gives (`iapgen pin` writes it).",
    examples=[Example("service", "".join(svc("  healthCheck: {path: /healthz}\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}") for i in range(16)))])

NAME_COLLISION = Rule(
    "NAME_COLLISION", "Two Ingresses of one environment would get the same static IP name.",
    source="gke-behaviour.md#gce-and-kubernetes-names, design.md#ingress-layout",
    why="Two Ingresses would claim one static IP.", fix="Rename a namespace, or pin the names.",
    examples=[Example("service", "".join(svc(
        "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
        "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-2"),
        "".join(svc("  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-b"))])


@dataclass(frozen=True)
class Overfull:
    """An Ingress that more services are pinned to than it can hold."""

    number: int
    pinned: tuple[str, ...]


@dataclass(frozen=True)
class Placement:
    """One namespace's services on its Ingresses."""

    numbers: dict[str, int]  # service -> Ingress number (pinned, or where it would go)
    overfull: list[Overfull]  # Ingresses pinned beyond capacity: the caller refuses them
    to_pin: list[tuple[str, int]]  # unpinned services Ingress 1 has no room for, with the number to pin


def place(services: Sequence[tuple[str, int | None]], capacity: int = HOSTS_PER_INGRESS,
          first: Collection[str] = ()) -> Placement:
    """Place one namespace's (name, pinned number or None), in spec order: pinned services where they are
    pinned, unpinned ones on Ingress 1 while it has room (those in `first`, the ones it serves today, before
    the others), and the rest where they should be pinned."""
    numbers: dict[str, int] = {}
    load: dict[int, int] = {}
    pinned: dict[int, list[str]] = {}
    for name, number in services:
        if number is not None:
            numbers[name] = number
            load[number] = load.get(number, 0) + 1
            pinned.setdefault(number, []).append(name)
    current = 1
    to_pin = []
    unpinned = [name for name, number in services if number is None]
    for name in [n for n in unpinned if n in first] + [n for n in unpinned if n not in first]:
        while load.get(current, 0) >= capacity:
            current += 1
        numbers[name] = current
        load[current] = load.get(current, 0) + 1
        if current != 1:
            to_pin.append((name, current))
    overfull = [Overfull(n, tuple(names)) for n, names in sorted(pinned.items()) if len(names) > capacity]
    return Placement(numbers, overfull, to_pin)


def pin_message(namespace: str, env: str, service: str, number: int, first: str = naming.INGRESS) -> str:
    """Why `service` needs `ingress: number`; `first` is the name Ingress 1 has (pinned when adopted)."""
    return (f"Ingress 1 ({first}) of namespace {namespace} is full in {env}: it holds "
            f"{HOSTS_PER_INGRESS} hosts, one certificate each (a target HTTPS proxy takes {HOSTS_PER_INGRESS}); add "
            f"`ingress: {number}` to {service} ({naming.ingress(number)} has room). iapgen fills only Ingress 1 by "
            "itself, so removing or inserting a service never moves another to a new IP; if "
            f"{service} already runs on Ingress 1, pin the service you are adding instead")


def overfull_message(namespace: str, env: str, ingress: Overfull) -> str:
    count, limit = len(ingress.pinned), HOSTS_PER_INGRESS
    return (f"{count} services of namespace {namespace} are pinned to Ingress {ingress.number} "
            f"({naming.ingress(ingress.number)}) in {env}; one Ingress holds at most {limit} certificates, one per "
            f"host (a target HTTPS proxy takes {limit}): pin {count - limit} of them to an Ingress with room")


def static_ip_problems(env: str, placed: Iterable[tuple[str, str, int, str | None]]) -> list[tuple[str, str, Rule]]:
    """(service, message, rule) for each Ingress's static IP name, from (service, namespace, Ingress number, name
    pinned under names.staticIp or None) in spec order: at most 63 characters (reported once), and no two Ingresses
    may share one (GCE names are project-wide; namespace team's Ingress 2 and namespace team-2's Ingress 1 would)."""
    owners: dict[str, tuple[str, int]] = {}
    problems = []
    too_long: set[str] = set()
    for service, namespace, number, pinned in placed:
        name = pinned or naming.static_ip(env, namespace, number)
        first = owners.setdefault(name, (namespace, number))
        if first != (namespace, number):
            problems.append((service, f"the static IP name {name!r} of namespace {namespace}'s Ingress {number} is "
                             f"also that of namespace {first[0]}'s Ingress {first[1]} in {env}; GCE names are "
                             "project-wide: rename one namespace, or pin this service to another Ingress (ingress:)",
                             NAME_COLLISION))
        elif len(name) > naming.GCE_NAME_MAX and name not in too_long:
            too_long.add(name)
            problems.append((service, f"the static IP name {name!r} would be {len(name)} characters (GCE allows "
                             f"{naming.GCE_NAME_MAX}); shorten the namespace or the environment name", NAME_TOO_LONG))
    return problems
