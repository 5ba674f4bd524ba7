"""The deploy simulation of bench/deploy_sim.py, small and bounded: a few dozen services against the fake
Compute API with a tight quota (issue 24, "a deploy at scale")."""

from __future__ import annotations

import pytest

from bench.deploy_sim import simulate


@pytest.mark.parametrize("mode", ["ingress", "gateway", "standalone"])
def test_a_small_deploy_stays_under_its_budget_and_a_no_change_update_reads_nothing(mode: str) -> None:
    result = simulate(services=24, mode=mode, budget=90, quota=100, workers=4, appear=40.0, scale=0.05,
                      gateway_logging=False)
    first, unchanged, refreshed = result.phases
    assert [p.failed for p in result.phases] == [[], [], []]  # no resource fails because others poll
    assert first.peak_per_minute <= 90 and first.refused == 0  # the budget holds under the quota
    assert first.per_service <= 7
    assert unchanged.calls == 0  # a no-change `pulumi up` asks the API nothing (at most 1 read per service)
    assert refreshed.per_service <= 4
