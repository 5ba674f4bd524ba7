"""The stack enables the Google APIs its mode needs, never disables them, and its Google resources wait for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pulumi
import pytest

from iapgen.modes import MODES
from tests.conftest import Plan, base_spec

ENVIRONMENTS: dict[str, dict[str, Any]] = {
    "ingress": {},
    "standalone": {"loadBalancer": "standalone", "zones": ["europe-west1-b"], "network": "gke-vpc",
                   "nodes": {"tags": ["gke-apps-node"]}},
    "gateway": {"loadBalancer": "gateway", "iap": {"members": ["group:eng@acme.example"],
                                                   "oauthClientId": "1234-abcd.apps.googleusercontent.com"}},
}


@pytest.mark.parametrize("mode", list(ENVIRONMENTS))
def test_each_mode_enables_its_apis_and_never_disables_them(plan_for: Callable[..., Plan], mode: str) -> None:
    spec = base_spec()
    spec["environments"]["dev"].update(ENVIRONMENTS[mode])
    plan = plan_for(spec, config={"iapgen:oauthClientSecret": "s"})
    services = plan.of_type("gcp:projects/service:Service")
    assert sorted(s.inputs["service"] for s in services) == sorted(MODES[mode].apis)
    assert all(s.inputs["disableOnDestroy"] is False and s.inputs["project"] == "acme-dev" for s in services)
    if mode != "ingress":  # Certificate Manager is off in a new project: a mode that uses it enables it
        assert "certificatemanager.googleapis.com" in MODES[mode].apis


def test_google_resources_wait_for_the_apis(monkeypatch: pytest.MonkeyPatch) -> None:
    from components import apis

    captured: list[Any] = []
    monkeypatch.setattr(pulumi.runtime, "register_stack_transformation", captured.append)
    compute, iap, neg = (mock.MagicMock(spec=pulumi.Resource) for _ in range(3))
    fake = type("Apis", (), {"services": [compute, iap]})()
    apis.wait_for(fake)  # type: ignore[arg-type]
    (transform,) = captured

    def args(type_: str, depends: list[Any] | None = None) -> Any:
        return pulumi.ResourceTransformationArgs(None, type_, "x", {}, pulumi.ResourceOptions(depends_on=depends))

    result = transform(args("gcp:compute/backendService:BackendService", [neg]))
    assert result.opts.depends_on == [neg, compute, iap]
    assert transform(args("pulumi-python:dynamic:Resource")).opts.depends_on == [compute, iap]
    assert transform(args("kubernetes:core/v1:Service")) is None
    assert transform(args("gcp:projects/service:Service")) is None  # the APIs themselves do not wait
