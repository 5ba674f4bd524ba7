"""`iapgen doctor` against fake kubectl and gcloud answering with output shaped like the real commands'."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, run_cli

NEG = "k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c"
ZONES = ("europe-west1-b", "europe-west1-c")
PODS = {"argocd-server-7d4b9-abcde": ("10.8.0.11", ZONES[0]), "argocd-server-7d4b9-fghij": ("10.8.1.12", ZONES[1])}
SS_OK = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 4096 0.0.0.0:8080 0.0.0.0:*\n"


def healthy() -> dict[str, Any]:
    """What a working argocd (services.yaml, dev) looks like to kubectl and gcloud."""
    files: dict[str, Any] = {
        "context.txt": "gke_acme-dev_europe-west1_apps\n",
        "auth.json": [{"account": "oncall@acme.example", "status": "ACTIVE"}],
        "svc.argocd.argocd.json": {"kind": "Service", "metadata": {"name": "argocd", "namespace": "argocd",
                                   "annotations": {
                                       "cloud.google.com/app-protocols": '{"https":"HTTPS"}',
                                       "cloud.google.com/neg": '{"ingress":true}',
                                       "cloud.google.com/backend-config": '{"default":"argocd"}',
                                       "cloud.google.com/neg-status": json.dumps(
                                           {"network_endpoint_groups": {"443": NEG}, "zones": list(ZONES)})}}},
        "svcneg.argocd.argocd.json": {"kind": "List", "items": [{"metadata": {"name": NEG, "namespace": "argocd"},
                                      "status": {"conditions": [
                                          {"type": "Initialized", "status": "True",
                                           "reason": "NegInitializationSuccessful"},
                                          {"type": "Synced", "status": "True", "reason": "NegSyncSuccessful"}]}}]},
        "pods.argocd.json": {"kind": "List", "items": [
            {"metadata": {"name": name}, "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}}
            for name, (ip, _) in PODS.items()]},
        f"health.{NEG}.json": [{"backend": f"https://www.googleapis.com/compute/v1/projects/acme-dev/zones/{zone}/"
                                             f"networkEndpointGroups/{NEG}",
                                  "status": {"healthStatus": [{"ipAddress": ip, "port": 8080, "healthState": "HEALTHY"}
                                                              for ip, z in PODS.values() if z == zone]}}
                                 for zone in ZONES],
        f"hc.{NEG}.json": {"name": NEG, "type": "HTTPS", "logConfig": {"enable": True},
                           "httpsHealthCheck": {"port": 8080, "requestPath": "/healthz"}},
    }
    for zone in ZONES:
        files[f"endpoints.{NEG}.{zone}.json"] = [{"networkEndpoint": {"ipAddress": ip, "port": 8080,
                                                                      "instance": f"gke-node-{zone[-1]}"}}
                                                 for ip, z in PODS.values() if z == zone]
    for pod in PODS:
        files[f"exec.{pod}.ss.txt"] = SS_OK
    return files


def _svc(f: dict[str, Any]) -> dict[str, str]:
    return f["svc.argocd.argocd.json"]["metadata"]["annotations"]


# (failure mode, how to break the healthy fixture, the one check that must fail)
FAILURES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("annotation-edited", lambda f: _svc(f).update({"cloud.google.com/app-protocols": '{"443":"HTTPS"}'}),
     "annotations"),
    ("no-neg-yet", lambda f: _svc(f).pop("cloud.google.com/neg-status"), "neg-status"),
    ("svcneg-not-synced", lambda f: f["svcneg.argocd.argocd.json"]["items"][0]["status"]["conditions"][1].update(
        status="False", reason="NegSyncFailed", message="googleapi: Error 400: Invalid value for field ipAddress"),
     "svcneg"),
    ("wrong-container-port", lambda f: [e["networkEndpoint"].update(port=8443) for z in ZONES
                                        for e in f[f"endpoints.{NEG}.{z}.json"]], "endpoints"),
    ("backend-unhealthy", lambda f: f[f"health.{NEG}.json"][0]["status"]["healthStatus"][0].update(
        healthState="UNHEALTHY"), "health"),
    ("logging-off", lambda f: f[f"hc.{NEG}.json"].update(logConfig={"enable": False}), "logging"),
    ("bound-to-localhost", lambda f: [f.update({k: SS_OK.replace("0.0.0.0:8080", "127.0.0.1:8080")})
                                      for k in list(f) if k.startswith("exec.")], "listen"),
]


@pytest.fixture
def cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Fake kubectl/gcloud alone on PATH; returns a function that writes fixtures and runs doctor."""
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

    def doctor(files: dict[str, Any], *extra: str) -> CliResult:
        for name, content in files.items():
            (data / name).write_text(content if isinstance(content, str) else json.dumps(content))
        return run_cli("doctor", "--env", "dev", "--spec", REPO / "services.yaml", "--service", "argocd", *extra)

    doctor.calls = data / "calls.log"  # type: ignore[attr-defined]
    doctor.bin = bin_dir  # type: ignore[attr-defined]
    return doctor


def statuses(result: CliResult) -> dict[str, str]:
    return {c["check"]: c["status"] for c in json.loads(result.out)["checks"]}


def test_healthy_service_passes_every_check(cloud: Callable[..., CliResult]) -> None:
    result = cloud(healthy(), "--format", "json")
    assert result.code == 0, result
    assert statuses(result) == {c: "pass" for c in ("annotations", "neg-status", "svcneg", "endpoints", "health",
                                                   "logging", "listen")}
    assert "oncall@acme.example" in json.loads(result.out)["target"]
    calls = [c.split() for c in cloud.calls.read_text().splitlines()]  # type: ignore[attr-defined]
    kubectl = {c[1] for c in calls if c[0] == "kubectl"}
    gcloud = {" ".join(c[1:4]) for c in calls if c[0] == "gcloud" and c[1] == "compute"}
    assert kubectl == {"config", "get", "exec"}  # read-only: nothing applied, patched or deleted
    assert sum(1 for c in calls if c[:3] == ["kubectl", "get", "pods"]) == 1  # listed once per service
    assert gcloud == {"compute network-endpoint-groups list-network-endpoints", "compute backend-services get-health",
                      "compute health-checks describe"}


@pytest.mark.parametrize(("break_it", "check"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_each_failure_mode_fails_exactly_its_check(cloud: Callable[..., CliResult], break_it: Any,
                                                   check: str) -> None:
    files = healthy()
    break_it(files)
    result = cloud(files, "--format", "json")
    assert result.code == 1
    found = statuses(result)
    assert [c for c, s in found.items() if s == "fail"] == [check], found
    failing = next(c for c in json.loads(result.out)["checks"] if c["check"] == check)
    assert failing["evidence"] and failing["fix"]


@pytest.mark.parametrize(("args", "status"), [(["--addr=127.0.0.1:8080"], "fail"), (["--addr=0.0.0.0:8080"], "skipped"),
                                             (["--metrics-addr=127.0.0.1:9090"], "skipped")])
def test_listen_falls_back_to_container_args(cloud: Callable[..., CliResult], args: list[str], status: str) -> None:
    """An image without ss or netstat: the bind address comes from the container's args, as lint reads it."""
    files = healthy()
    for name in list(files):
        if name.startswith("exec."):
            files.pop(name)
    for pod in files["pods.argocd.json"]["items"]:
        pod["spec"] = {"containers": [{"name": "server", "args": args, "ports": [{"containerPort": 8080}]}]}
    found = statuses(cloud(files, "--format", "json"))
    assert found["listen"] == status
    assert [c for c, s in found.items() if s == "fail"] == (["listen"] if status == "fail" else [])


def test_text_output_gives_evidence_and_fix(cloud: Callable[..., CliResult]) -> None:
    files = healthy()
    FAILURES[-1][1](files)
    result = cloud(files)
    assert "FAIL     argocd: listen: argocd-server-7d4b9-abcde listens on 127.0.0.1:8080 only" in result.out
    assert "fix: bind the server to 0.0.0.0:8080" in result.out
    assert result.out.rstrip().endswith("7 checks, 1 failed")


def test_missing_tools_and_credentials(cloud: Callable[..., CliResult]) -> None:
    (cloud.bin / "kubectl").unlink()  # type: ignore[attr-defined]
    result = cloud(healthy())
    assert result.code == 1 and "kubectl is not on PATH" in result.err


def test_no_gcloud_account(cloud: Callable[..., CliResult]) -> None:
    files = healthy()
    files["auth.json"] = []
    result = cloud(files)
    assert result.code == 1 and "gcloud has no active account; run gcloud auth login" in result.err


def test_no_kubectl_context(cloud: Callable[..., CliResult], tmp_path: Path) -> None:
    files = healthy()
    files.pop("context.txt")
    result = cloud(files)
    assert result.code == 1 and "kubectl has no current context" in result.err


def test_another_environments_cluster_is_refused(cloud: Callable[..., CliResult]) -> None:
    files = healthy()
    files["context.txt"] = "gke_acme-prod_europe-west1_apps\n"
    result = cloud(files)
    assert result.code == 1 and "is a cluster of project acme-prod, but this environment is in acme-dev" in result.err


def test_service_not_deployed(cloud: Callable[..., CliResult]) -> None:
    files = healthy()
    files.pop("svc.argocd.argocd.json")
    result = cloud(files, "--format", "json")
    found = statuses(result)
    assert found["annotations"] == "fail" and set(found.values()) == {"fail", "skipped"}


def test_unknown_service_is_usage_error(cloud: Callable[..., CliResult]) -> None:
    result = run_cli("doctor", "--env", "dev", "--spec", REPO / "services.yaml", "--service", "nope")
    assert result.code == 2 and "services: argocd, grafana, orders-api" in result.err


@pytest.mark.parametrize("damage", [
    lambda f: _svc(f).update({"cloud.google.com/neg-status": json.dumps(
        {"network_endpoint_groups": {"443": NEG}, "zones": None})}),
    lambda f: f["svcneg.argocd.argocd.json"]["items"][0]["status"].update(conditions=None),
    lambda f: f.update({"pods.argocd.json": "", f"health.{NEG}.json": "null"}),
    lambda f: f.update({"svc.argocd.argocd.json": "[]"}),
])
def test_odd_tool_output_is_a_finding_not_a_traceback(cloud: Callable[..., CliResult], damage: Any) -> None:
    files = healthy()
    damage(files)
    result = cloud(files, "--format", "json")  # run_cli asserts no traceback
    assert result.code == 1 and "fail" in statuses(result).values()


@pytest.mark.parametrize(("neg", "zones"), [
    ("--impersonate-service-account=attacker@evil.example", list(ZONES)),
    ("--flags-file=/tmp/x", list(ZONES)),
    (NEG, ["--log-http"]),
    (NEG, [ZONES[0], "europe-west1-b --log-http"]),
    ({"name": NEG}, list(ZONES)),
])
def test_cluster_values_never_reach_gcloud_as_flags(cloud: Callable[..., CliResult], neg: Any,
                                                     zones: list[str]) -> None:
    """Anyone who can annotate the Service writes neg-status; doctor must not hand it to gcloud as options."""
    files = healthy()
    _svc(files)["cloud.google.com/neg-status"] = json.dumps({"network_endpoint_groups": {"443": neg}, "zones": zones})
    result = cloud(files, "--format", "json")
    assert statuses(result)["neg-status"] == "fail"
    assert "which no GCE object can be called" in json.loads(result.out)["checks"][1]["evidence"]
    gcloud = [c for c in cloud.calls.read_text().splitlines() if c.startswith("gcloud compute")]  # type: ignore[attr-defined]
    assert gcloud == []


def test_a_pod_name_from_the_cluster_is_checked_before_kubectl_exec(cloud: Callable[..., CliResult]) -> None:
    files = healthy()
    for item in files["pods.argocd.json"]["items"]:
        item["metadata"]["name"] = "--kubeconfig=/tmp/evil"
    result = cloud(files, "--format", "json")
    assert statuses(result)["listen"] == "skipped"
    calls = cloud.calls.read_text().splitlines()  # type: ignore[attr-defined]
    assert not [c for c in calls if c.startswith("kubectl exec")]
