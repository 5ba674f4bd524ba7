"""Which of its namespace's Ingresses serves each service.

One target HTTPS proxy takes at most 15 certificates and iapgen gives every host its own
ManagedCertificate, so one Ingress serves at most 15 hosts. A namespace with more gets
Ingress 2, 3, ... (each with its own static IP). Services fill the Ingresses in spec order:
the first 15 of a namespace are on Ingress 1, exactly as when one Ingress was all there was,
and a service appended to its namespace lands on the last Ingress (or a new one), so it never
moves another service. A service may pin its Ingress (`ingress: N`): pinned services hold their
place, and the others fill what is left in spec order. Removing a service lets the later
unpinned ones of its namespace move up; pinning them first keeps them where they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from iapgen.spec import naming

HOSTS_PER_INGRESS = 15  # certificates per target HTTPS proxy (gke-behaviour.md#target-proxy-certificate-limit)


@dataclass(frozen=True)
class Overfull:
    """An Ingress that more services are pinned to than it can hold."""

    number: int
    pinned: tuple[str, ...]


def ingress_numbers(services: Sequence[tuple[str, int | None]],
                    capacity: int = HOSTS_PER_INGRESS) -> tuple[dict[str, int], list[Overfull]]:
    """{service: Ingress number} for one namespace's (name, pinned number or None), in spec order, and the
    Ingresses pinned beyond capacity (their extra services keep the pinned number: the caller refuses them)."""
    numbers: dict[str, int] = {}
    load: dict[int, int] = {}
    pinned: dict[int, list[str]] = {}
    for name, number in services:
        if number is not None:
            numbers[name] = number
            load[number] = load.get(number, 0) + 1
            pinned.setdefault(number, []).append(name)
    current = 1
    for name, number in services:
        if number is not None:
            continue
        while load.get(current, 0) >= capacity:
            current += 1
        numbers[name] = current
        load[current] = load.get(current, 0) + 1
    overfull = [Overfull(n, tuple(names)) for n, names in sorted(pinned.items()) if len(names) > capacity]
    return numbers, overfull


def overfull_message(namespace: str, env: str, ingress: Overfull) -> str:
    count, limit = len(ingress.pinned), HOSTS_PER_INGRESS
    return (f"{count} services of namespace {namespace} are pinned to Ingress {ingress.number} "
            f"({naming.ingress(ingress.number)}) in {env}; one Ingress holds at most {limit} certificates, one per "
            f"host (a target HTTPS proxy takes {limit}): pin {count - limit} of them to another Ingress number, or "
            "unset ingress to let iapgen place them")


def static_ip_problems(env: str, placed: Iterable[tuple[str, str, int, str | None]]) -> list[tuple[str, str, str]]:
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
                             "NAME_COLLISION"))
        elif len(name) > naming.GCE_NAME_MAX and name not in too_long:
            too_long.add(name)
            problems.append((service, f"the static IP name {name!r} would be {len(name)} characters (GCE allows "
                             f"{naming.GCE_NAME_MAX}); shorten the namespace or the environment name", "NAME_TOO_LONG"))
    return problems
