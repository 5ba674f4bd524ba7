"""`iapgen doctor` on a standalone environment (services.yaml, staging) with fake kubectl and gcloud."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, run_cli
from tests.test_doctor import SS_OK, statuses

NEG = "iapgen-staging-argocd"  # the name iapgen chose: the NEG, backend service and health check
ZONES = ("europe-west1-b", "europe-west1-c", "europe-west1-d")
PODS = {"argocd-server-7d4b9-abcde": ("10.8.0.11", ZONES[0]), "argocd-server-7d4b9-fghij": ("10.8.1.12", ZONES[1])}


def healthy() -> dict[str, Any]:
    files: dict[str, Any] = {
        "context.txt": "gke_acme-staging_europe-west1_apps\n",
        "auth.json": [{"account": "oncall@acme.example", "status": "ACTIVE"}],
        "svc.argocd.argocd.json": {"kind": "Service", "metadata": {"name": "argocd", "namespace": "argocd",
                                   "annotations": {
                                       "cloud.google.com/neg": json.dumps(
                                           {"exposed_ports": {"443": {"name": NEG}}}),
                                       "cloud.google.com/neg-status": json.dumps(
                                           {"network_endpoint_groups": {"443": NEG}, "zones": list(ZONES)})}}},
        "svcneg.argocd.argocd.json": {"kind": "List", "items": [{"metadata": {"name": NEG, "namespace": "argocd"},
                                      "status": {"conditions": [{"type": "Initialized", "status": "True"},
                                                                {"type": "Synced", "status": "True"}]}}]},
        "pods.argocd.json": {"kind": "List", "items": [
            {"metadata": {"name": name}, "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}}
            for name, (ip, _) in PODS.items()]},
        f"health.{NEG}.json": [{"backend": f"projects/acme-staging/zones/{zone}/networkEndpointGroups/{NEG}",
                                "status": {"healthStatus": [{"ipAddress": ip, "port": 8080, "healthState": "HEALTHY"}
                                                            for ip, z in PODS.values() if z == zone]}}
                               for zone in ZONES],
        f"hc.{NEG}.json": {"name": NEG, "type": "HTTPS", "logConfig": {"enable": True},
                           "httpsHealthCheck": {"portSpecification": "USE_SERVING_PORT", "requestPath": "/healthz"}},
    }
    for zone in ZONES:  # zone d has nodes but no argocd Pod: its NEG is empty
        files[f"endpoints.{NEG}.{zone}.json"] = [{"networkEndpoint": {"ipAddress": ip, "port": 8080}}
                                                 for ip, z in PODS.values() if z == zone]
    for pod in PODS:
        files[f"exec.{pod}.ss.txt"] = SS_OK
    return files


@pytest.fixture
def cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    bin_dir, data = tmp_path / "bin", tmp_path / "data"
    bin_dir.mkdir()
    data.mkdir()
    source = (REPO / "tests" / "fakes" / "cli.py").read_text()
    for tool in ("kubectl", "gcloud"):
        script = bin_dir / tool
        script.write_text(f"#!{sys.executable}\n{source}")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("IAPGEN_FAKE_DIR", str(data))

    def doctor(files: dict[str, Any]) -> CliResult:
        for name, content in files.items():
            (data / name).write_text(content if isinstance(content, str) else json.dumps(content))
        return run_cli("doctor", "--env", "staging", "--spec", REPO / "services.yaml", "--service", "argocd",
                       "--format", "json")

    doctor.calls = data / "calls.log"  # type: ignore[attr-defined]
    return doctor


def _annotations(f: dict[str, Any]) -> dict[str, str]:
    return f["svc.argocd.argocd.json"]["metadata"]["annotations"]


def test_healthy_standalone_service_passes_reading_iapgens_names(cloud: Callable[..., CliResult]) -> None:
    result = cloud(healthy())
    assert result.code == 0, result
    assert set(statuses(result).values()) == {"pass"}
    calls = cloud.calls.read_text()  # type: ignore[attr-defined]
    for zone in ZONES:  # every listed zone's NEG, by the name iapgen chose
        assert f"list-network-endpoints {NEG} --zone {zone} --project acme-staging" in calls
    assert f"backend-services get-health {NEG} --global" in calls and f"health-checks describe {NEG}" in calls


FAILURES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("ingress-annotation-instead", lambda f: _annotations(f).update({"cloud.google.com/neg": '{"ingress":true}'}),
     "annotations"),
    ("neg-keyed-by-target-port", lambda f: _annotations(f).update(
        {"cloud.google.com/neg": json.dumps({"exposed_ports": {"8080": {"name": NEG}}})}), "annotations"),
    ("neg-missing-in-a-listed-zone", lambda f: _annotations(f).update({"cloud.google.com/neg-status": json.dumps(
        {"network_endpoint_groups": {"443": NEG}, "zones": list(ZONES[:2])})}), "neg-status"),
    ("logging-off", lambda f: f[f"hc.{NEG}.json"].update(logConfig={"enable": False}), "logging"),
    ("endpoint-unhealthy", lambda f: f[f"health.{NEG}.json"][1]["status"]["healthStatus"][0].update(
        healthState="UNHEALTHY"), "health"),
    ("endpoints-not-the-ready-pods", lambda f: f[f"endpoints.{NEG}.{ZONES[2]}.json"].append(
        {"networkEndpoint": {"ipAddress": "10.8.2.99", "port": 8080}}), "endpoints"),
]


@pytest.mark.parametrize(("break_it", "check"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_each_failure_fails_exactly_its_check(cloud: Callable[..., CliResult], break_it: Any, check: str) -> None:
    files = healthy()
    break_it(files)
    result = cloud(files)
    assert result.code == 1
    found = statuses(result)
    assert [c for c, s in found.items() if s == "fail"] == [check], found
    failing = next(c for c in json.loads(result.out)["checks"] if c["check"] == check)
    assert failing["evidence"] and failing["fix"]
