"""The environment domain `iapgen import` guesses from the adopted hosts, never above a registrable domain.

The domain only names services without a host (<name>.<domain>), but the spec requires it and
validates it like a host, so a guess must be a DNS name someone can own: at or below the
registrable part of the hosts (`mindmend.xyz`, `example.co.uk`), never a public suffix (`xyz`,
`co.uk`, `github.io`). Which names are public suffixes comes from the Public Suffix List as the
`publicsuffixlist` package ships it: read from the installed package, never fetched.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from iapgen.spec import rules


@functools.cache
def _suffix_list() -> Any:
    from publicsuffixlist import PublicSuffixList  # parsing the list takes ~0.3 s: only when guessing

    # ICANN and private suffixes alike: nobody can own a name directly under github.io either.
    return PublicSuffixList()


def registrable(host: str) -> str | None:
    """The name directly under the host's public suffix (`www.example.co.uk` -> `example.co.uk`); None for a
    public suffix itself. A top-level domain the list does not know counts as a public suffix."""
    found = _suffix_list().privatesuffix(host)
    return str(found) if found else None


@dataclass(frozen=True)
class Guess:
    domain: str
    why: str  # for the GUESSED comment: how the hosts gave it


def guess(hosts: list[str]) -> Guess | None:
    """The domain the hosts suggest, or None when no host has a registrable part.

    Among the hosts of the registrable domain most of them share (the first such host's on a tie): their
    common suffix, or, for one host or a host that is the common suffix itself, its parent; never above the
    registrable domain, so a lone apex host `mindmend.xyz` gives `mindmend.xyz`, not `xyz`."""
    owned = [(host, registrable(host)) for host in hosts if not rules.check_host(host)]
    counts = Counter(base for _, base in owned if base)
    if not counts:
        return None
    top = max(counts.values())
    base = next(b for _, b in owned if b and counts[b] == top)
    group = [host for host, b in owned if b == base]
    labels = [host.split(".")[::-1] for host in group]
    common: list[str] = []
    for column in zip(*labels, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    shortest = min(len(parts) for parts in labels)
    if len(common) >= shortest:  # one host only, or one host is the common suffix: its parent
        common = common[: shortest - 1]
    domain = ".".join(reversed(common))
    apex = len(common) < base.count(".") + 1  # only when base itself is one of the hosts
    if apex:
        domain = base
        why = f"the apex host {base} (its parent {base.split('.', 1)[1]} is a public suffix)"
    elif len(group) == 1:
        why = f"the parent of the host {group[0]}"
    else:
        why = "the hosts' common suffix"
    others = sorted(set(counts) - {base})
    if others:
        why += (f", from the hosts under {base}, which most hosts share (those under {', '.join(others[:3])}"
                f"{' ...' if len(others) > 3 else ''} keep their own host)")
    return Guess(domain, why)
