"""`iapgen diff` in standalone mode: a change in words, a loud mode switch, and 300 services in one comment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from iapgen.operations.diff import COMMENT_LIMIT, report
from tests.conftest import base_spec, service
from tests.test_diff import render_all

ZONES = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]


def standalone(spec: dict[str, Any]) -> dict[str, Any]:
    spec["environments"]["dev"].update(loadBalancer="standalone", zones=ZONES, network="gke-vpc",
                                     nodes={"tags": ["gke-apps-node"]})
    del spec["environments"]["prod"]
    return spec


def test_standalone_changes_are_said_in_words(tmp_path: Path) -> None:
    base = standalone(base_spec())
    base["services"][0]["iap"] = {"members": ["user:bob@acme.example"]}
    head = copy.deepcopy(base)
    head["services"][0]["healthCheck"].update(path="/ready", checkIntervalSec=30)
    head["services"][0]["iap"]["members"] = []
    head["services"].append(service("grafana", namespace="monitoring", port=80, targetPort=3000, protocol="HTTP"))
    text = report(render_all(tmp_path / "base", base), render_all(tmp_path / "head", head))
    assert ("| argocd | changed | health check path /healthz -> /ready; health check interval 15 -> 30; "
            "IAP member user:bob@acme.example removed |") in text
    assert "| grafana | added | grafana.dev.acme.example: HTTP :80 -> Pod :3000, health check /healthz, IAP on" in text
    assert "backend service iapgen-dev-grafana" in text  # the diagram names the backend iapgen chose
    assert "NEW load" not in text


def test_a_mode_change_is_loud(tmp_path: Path) -> None:
    base = base_spec()
    del base["environments"]["prod"]
    head = standalone(base_spec())
    text = report(render_all(tmp_path / "base", base), render_all(tmp_path / "head", head))
    assert "> **dev moves from `loadBalancer: ingress` to `loadBalancer: standalone`: a NEW load" in text
    assert "NEW IP address" in text and "DNS A record must" in text
    back = report(render_all(tmp_path / "head2", head), render_all(tmp_path / "base2", base))
    assert "from `loadBalancer: standalone` to `loadBalancer: ingress`" in back


def test_three_hundred_services_forty_in_one_namespace_render_and_diff(tmp_path: Path) -> None:
    base = standalone(base_spec())
    # 40 in one namespace: more than an Ingress's 15 certificates, fine with one certificate map.
    base["services"] = [service(f"app{i}", namespace="shared" if i < 40 else f"team{i // 15}") for i in range(300)]
    head = copy.deepcopy(base)
    for entry in head["services"]:
        entry["healthCheck"]["path"] = "/ready"
    base_out, head_out = render_all(tmp_path / "base", base), render_all(tmp_path / "head", head)
    text = report(base_out, head_out)
    plan = json.loads((head_out / "dev" / "plan.json").read_text())
    entries = [e for e in plan if e["type"].endswith(":CertificateMapEntry")]
    assert len(entries) == 300 and len({e["inputs"]["hostname"] for e in entries}) == 300
    assert len([e for e in plan if e["type"].endswith(":GlobalAddress")]) == 1
    assert len(text) <= COMMENT_LIMIT
    assert text.count("| changed | health check path /healthz -> /ready |") == 300  # every row in one comment
