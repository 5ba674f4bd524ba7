"""State written by older code still loads: the dynamic providers pickled by main at c98d36c (before the
providers' common base, issue 21) are unpickled the way the SDK does it (dill, base64) and then read and diff
against the fake Compute API, from the module paths and class names state stores."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import dill
import pytest

from components.gwbackend import GatewayBackend
from components.hclogging import HealthCheckLogging
from components.negwait import NegReady
from tests.fake_compute import FakeCompute, bearer_session

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
TYPES = {"hclogging": HealthCheckLogging, "gwbackend": GatewayBackend, "negwait": NegReady}


def stored(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def load(state: dict[str, Any]) -> Any:
    """What pulumi/dynamic/__main__.py get_provider does with `__provider`."""
    return dill.loads(base64.b64decode(state["inputs"]["__provider"]))


def prepare(fake: FakeCompute, name: str) -> None:
    if name == "hclogging":
        fake.add_backend("argocd", "argocd", "443", logging=True)
    elif name == "gwbackend":
        backend = "gkegw1-ab12-web-app-80-0123456789ab"
        fake.add_backend("web", "app", "80", name=backend, logging=True)
        for (_, neg_name), neg in fake.negs.items():
            if neg_name == backend:
                neg["description"] = json.dumps({"cluster-uid": "3a8f2e1c", "namespace": "web", "service-name": "app",
                                                 "port": "80"})
    else:
        for i, zone in enumerate(("europe-west1-b", "europe-west1-c")):
            fake.negs[(zone, "iapgen-dev-argocd")] = {"kind": "compute#networkEndpointGroup", "name":
                                                      "iapgen-dev-argocd", "id": f"88000{i}", "zone": zone}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_a_provider_pickled_by_older_code_reads_and_diffs(fake: FakeCompute, name: str) -> None:
    state = stored(name)
    provider = load(state)
    assert type(provider).__module__ == f"components.{name}"
    assert state["type"] == f"pulumi-python:{TYPES[name]._resource_type_name}"  # the type token is unchanged
    provider.session_factory = bearer_session  # the fake's credentials; everything else as unpickled
    endpoints = {"computeEndpoint": f"{fake.url}/compute/v1", "resourceManagerEndpoint": f"{fake.url}/v1"}
    prepare(fake, name)
    read = provider.read(state["id"], {**state["outputs"], **endpoints})
    assert read.id == state["id"]
    assert {k: read.outs[k] for k in state["outputs"] if k != "__provider"} == \
        {k: v for k, v in state["outputs"].items() if k != "__provider"}
    news = {k: v for k, v in state["inputs"].items() if v is not None}  # the engine drops None inputs
    diff = provider.diff(state["id"], state["outputs"], news)
    assert diff.changes is False and not diff.replaces
