"""NegReady against a fake Compute API on 127.0.0.1, through google-auth and HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.negwait import NegNotReady, NegReadyProvider
from iapgen.googleapi.compute import ApiError
from tests.fake_compute import PROJECT, PROJECT_NUMBER, FakeCompute, bearer_session

NAME = "iapgen-dev-argocd"
ZONES = ["europe-west1-b", "europe-west1-c"]


def add_neg(fake: FakeCompute, zone: str, neg_id: str, service: str = "argocd") -> None:
    description = json.dumps({"cluster-uid": "3a8f2e1c", "namespace": "argocd", "service-name": service,
                              "port": "443"})
    fake.negs[(zone, NAME)] = {"kind": "compute#networkEndpointGroup", "name": NAME, "id": neg_id, "zone": zone,
                               "networkEndpointType": "GCE_VM_IP_PORT", "description": description}


class Sleeps(list[float]):
    """Records each sleep; runs `on_sleep(n)` after the n-th, standing in for GKE catching up."""

    def __init__(self, on_sleep: Any = None):
        super().__init__()
        self.on_sleep = on_sleep

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.on_sleep:
            self.on_sleep(len(self))


def provider(sleeps: Sleeps | None = None) -> NegReadyProvider:
    return NegReadyProvider(session_factory=bearer_session, sleep=sleeps if sleeps is not None else Sleeps())


def props(fake: FakeCompute, **extra: Any) -> dict[str, Any]:
    return {"project": PROJECT, "namespace": "argocd", "service": "argocd", "negName": NAME, "zones": ZONES,
            "waitSeconds": 900, "computeEndpoint": f"{fake.url}/compute/v1",
            "resourceManagerEndpoint": f"{fake.url}/v1", **extra}


def neg_gets(fake: FakeCompute) -> list[str]:
    return [path for method, path, _ in fake.requests if "/networkEndpointGroups/" in path and method == "GET"]


def test_waits_until_every_zone_has_its_neg(fake: FakeCompute) -> None:
    add_neg(fake, "europe-west1-b", "7001")
    sleeps = Sleeps(lambda n: add_neg(fake, "europe-west1-c", "7002") if n == 3 else None)
    created = provider(sleeps).create(props(fake))
    assert sleeps == [2.0, 4.0, 8.0]  # backoff while zone c has no NEG yet
    assert created.id == f"{PROJECT}/{NAME}"
    outs = created.outs
    assert outs["groups"] == [f"projects/{PROJECT}/zones/{z}/networkEndpointGroups/{NAME}" for z in ZONES]
    assert outs["negIds"] == ["7001", "7002"] and outs["projectNumber"] == PROJECT_NUMBER
    assert 'resource.labels.network_endpoint_group_id=("7001" OR "7002")' in outs["logQuery"]
    # The real networkEndpointGroups.get paths, one per zone and poll.
    assert f"/compute/v1/projects/{PROJECT}/zones/europe-west1-c/networkEndpointGroups/{NAME}" in neg_gets(fake)


def test_times_out_naming_the_missing_zone_and_what_to_check(fake: FakeCompute) -> None:
    add_neg(fake, "europe-west1-b", "7001")
    sleeps = Sleeps()
    with pytest.raises(NegNotReady) as err:
        provider(sleeps).create(props(fake, waitSeconds=60))
    message = str(err.value)
    assert sum(sleeps) == 60  # bounded: never waits past waitSeconds
    assert "zone(s) europe-west1-c " in message and "within 60s" in message
    assert "neg-status" in message and "kubectl get nodes -L topology.kubernetes.io/zone" in message
    assert "remove it from the environment's zones" in message


def test_a_neg_made_for_another_service_is_refused(fake: FakeCompute) -> None:
    for zone, neg_id in zip(ZONES, ("7001", "7002"), strict=True):
        add_neg(fake, zone, neg_id, service="dex")
    with pytest.raises(ApiError, match="made for another Service"):
        provider().create(props(fake))


def test_refresh_reads_current_ids_and_reuses_the_project_number(fake: FakeCompute) -> None:
    for zone, neg_id in zip(ZONES, ("7001", "7002"), strict=True):
        add_neg(fake, zone, neg_id)
    p = provider()
    created = p.create(props(fake))
    add_neg(fake, "europe-west1-c", "7999")  # GKE recreated the zone's NEG
    before = len(fake.requests)
    refreshed = p.read(created.id, created.outs)
    assert refreshed.outs["negIds"] == ["7001", "7999"]
    assert not any(path.startswith("/v1/projects/") for _, path, _ in fake.requests[before:])
    assert p.diff(created.id, created.outs, props(fake)).changes is False
    assert p.diff(created.id, created.outs, props(fake, zones=[*ZONES, "europe-west1-d"])).changes is True
    assert p.diff(created.id, created.outs, props(fake, negName="other")).replaces == ["negName"]


def test_permission_denied_names_the_permission(fake: FakeCompute) -> None:
    fake.forbidden[("GET", "networkEndpointGroups")] = "Required 'compute.networkEndpointGroups.get' permission"
    with pytest.raises(ApiError, match=r"needs compute\.networkEndpointGroups\.get on project acme-dev"):
        provider().create(props(fake))


def test_delete_leaves_gkes_negs_alone(fake: FakeCompute) -> None:
    add_neg(fake, "europe-west1-b", "7001")
    provider().delete(f"{PROJECT}/{NAME}", props(fake))
    assert fake.requests == [] and (("europe-west1-b", NAME) in fake.negs)
