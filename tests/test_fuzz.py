"""Hostile input, fuzzed: every case ends in a result or one-line findings, fast, in bounded memory.

CI runs FUZZ_CASES cases (>= 2,000). The long run is `pytest -m slow tests/test_fuzz.py`
(>= 10,000 cases per seed; see docs/testing.md); FUZZ_SEED picks other cases.
"""

from __future__ import annotations

import os
import resource
import time

import pytest

from tests.fuzz import (
    CASE_SECONDS,
    cases,
    flat_list,
    many_environments,
    near_miss,
    run_case,
    shared_selector,
    tiny_documents,
)

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "2000"))
SLOW_CASES = int(os.environ.get("FUZZ_SLOW_CASES", "10000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261129"))
MAX_RSS_GROWTH_MB = 300


def fuzz(seed: int, count: int) -> tuple[int, float]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    failures = []
    slowest = 0.0
    for index, data in enumerate(cases(seed, count)):
        outcome = run_case(data)
        slowest = max(slowest, outcome.seconds)
        if outcome.problem:
            failures.append(f"case {index} (seed {seed}): {outcome.problem}; input starts {data[:120]!r}")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert failures == [], "\n".join(failures[:10])
    assert slowest < CASE_SECONDS
    assert grown_mb < MAX_RSS_GROWTH_MB, f"peak memory grew by {grown_mb:.0f} MB"
    return count, time.monotonic() - started


def test_fuzz_ci() -> None:
    assert FUZZ_CASES >= 2000 or "FUZZ_CASES" in os.environ
    count, seconds = fuzz(SEED, FUZZ_CASES)
    print(f"\nfuzz: {count} cases in {seconds:.1f}s")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [SEED + 1, SEED + 2])
def test_fuzz_long(seed: int) -> None:
    count, seconds = fuzz(seed, SLOW_CASES)
    print(f"\nfuzz: {count} cases in {seconds:.1f}s (seed {seed})")


def test_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = b"a: &a [x,x,x,x,x,x,x,x,x,x]\n" + b"".join(
        b"%c: &%c [" % (98 + i, 98 + i) + b",".join([b"*%c" % (97 + i)] * 10) + b"]\n" for i in range(9))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    outcome = run_case(bomb)  # 10^10 values if expanded
    assert outcome.problem is None
    assert time.monotonic() - started < 1.0
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 50


# The shapes whose cost once grew faster than the input (issue 16), at sizes CI runs in seconds; bench/run.py
# measures them at 1,000 objects and 16 MiB.
SHAPES = {
    "shared-selector": lambda: shared_selector(300),
    "near-miss-names": lambda: near_miss(300),
    "many-environments-one-anchor": lambda: many_environments(services=2000, environments=1000),
    "huge-flat-list": lambda: flat_list(200_000),
    "many-tiny-documents": lambda: tiny_documents(200_000),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_hostile_shapes(shape: str) -> None:
    data = SHAPES[shape]()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = run_case(data)
    assert outcome.problem is None, outcome.problem
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < MAX_RSS_GROWTH_MB
