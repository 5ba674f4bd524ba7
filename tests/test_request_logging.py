"""Request logging is a spec choice rendered the same in every mode: BackendConfig `logging` (ingress),
BackendService `log_config` (standalone), GCPBackendPolicy `logging.sampleRate` in parts per million (gateway)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iapgen.operations import diff
from iapgen.render.command import render, write
from tests.conftest import Plan, base_spec, service, write_spec

MODES: dict[str, dict[str, Any]] = {
    "ingress": {},
    "standalone": {"loadBalancer": "standalone", "zones": ["europe-west1-b"], "network": "gke-vpc",
                   "nodes": {"tags": ["gke-apps-node"]}},
    "gateway": {"loadBalancer": "gateway"},
}
SECRET = {"iapgen:oauthClientSecret": "s3cr3t"}


def spec_in(mode: str, environment_rate: float | None = None, **services: float | None) -> dict[str, Any]:
    spec = base_spec()
    dev = spec["environments"]["dev"]
    dev.update(MODES[mode])
    dev["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    if environment_rate is not None:
        dev["requestLogging"] = {"sampleRate": environment_rate}
    spec["services"] = [service(name, **({"requestLogging": {"sampleRate": rate}} if rate is not None else {}))
                        for name, rate in services.items()]
    return spec


def logging_of(plan: Plan, mode: str, name: str) -> tuple[bool, float | None]:
    """(enabled, sample rate as a fraction) as the mode's object renders it."""
    if mode == "ingress":
        block = plan.one(":BackendConfig", f"{name}-backendconfig").inputs["spec"]["logging"]
        return block["enable"], block.get("sampleRate")
    if mode == "standalone":
        block = plan.one(":BackendService", f"{name}-backend-service").inputs["logConfig"]
        return block["enable"], block.get("sampleRate")
    block = plan.one(":GCPBackendPolicy", f"{name}-gcpbackendpolicy").inputs["spec"]["default"]["logging"]
    rate = block.get("sampleRate")
    assert rate is None or isinstance(rate, int), rate  # the CRD takes an integer (parts per million)
    return block["enabled"], None if rate is None else rate / 1_000_000


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_renders_the_same_request_logging(plan_for: Callable[..., Plan], mode: str) -> None:
    plan = plan_for(spec_in(mode, 0.25, web=None, quiet=0, loud=1), config=SECRET)
    assert logging_of(plan, mode, "web") == (True, 0.25)  # the environment's default
    assert logging_of(plan, mode, "loud") == (True, 1.0)  # the service's own
    assert logging_of(plan, mode, "quiet")[0] is False  # 0 turns it off


@pytest.mark.parametrize("mode", list(MODES))
def test_default_is_every_request_in_every_mode(plan_for: Callable[..., Plan], mode: str) -> None:
    assert logging_of(plan_for(spec_in(mode, web=None), config=SECRET), mode, "web") == (True, 1.0)


def test_sample_rate_out_of_range_is_refused(tmp_path: Path) -> None:
    from iapgen.errors import SpecError
    from iapgen.spec.validate import load_spec

    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec_in("ingress", 1.5, web=None)))
    assert "requestLogging.sampleRate" in str(err.value)


@pytest.mark.parametrize("mode", list(MODES))
def test_summary_and_diff_show_it(tmp_path: Path, mode: str) -> None:
    config = "config:\n  iapgen:oauthClientSecret:\n    secure: AAABAKE=\n"
    (tmp_path / "Pulumi.dev.yaml").write_text(config)
    before = render(str(write_spec(tmp_path, spec_in(mode, web=None))), "dev")
    assert "every request" in before.files["summary.md"]
    write(tmp_path / "base", before.files)
    after = render(str(write_spec(tmp_path, spec_in(mode, 0.25, web=None))), "dev")
    assert "25% of requests" in after.files["summary.md"]
    write(tmp_path / "head", after.files)
    assert "request logging every request -> 25% of requests" in diff.report(tmp_path / "base", tmp_path / "head")
