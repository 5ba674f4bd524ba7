"""`iapgen doctor` for a gateway environment (services.yaml, edge) against fake kubectl and gcloud."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.test_doctor import PODS, SS_OK, ZONES, cloud, statuses  # noqa: F401  (cloud is the fixture)

NEG = "k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c"
BACKEND = "gkegw1-yi3w-argocd-argocd-443-4fdj4jjm3trk"
BASE = "https://www.googleapis.com/compute/v1/projects/acme-edge"
CHECKS = ("gateway", "app-protocol", "route", "policies", "neg-status", "endpoints", "health", "logging", "listen")


def condition(kind: str, status: str = "True", reason: str = "") -> dict[str, str]:
    return {"type": kind, "status": status, "reason": reason or kind, "message": ""}


def healthy() -> dict[str, Any]:
    """A working argocd in the edge environment: Gateway mode."""
    files: dict[str, Any] = {
        "context.txt": "gke_acme-edge_europe-west1_apps\n",
        "auth.json": [{"account": "oncall@acme.example", "status": "ACTIVE"}],
        "svc.argocd.argocd.json": {"kind": "Service", "metadata": {"name": "argocd", "namespace": "argocd",
                                   "annotations": {"cloud.google.com/neg-status": json.dumps(
                                       {"network_endpoint_groups": {"443": NEG}, "zones": list(ZONES)})}},
                                   "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8080,
                                                       "appProtocol": "HTTPS"}]}},
        "gateway.iapgen-gateway.iapgen.json": {"status": {
            "addresses": [{"type": "IPAddress", "value": "34.120.0.10"}],
            "conditions": [condition("Accepted"), condition("Programmed")],
            "listeners": [{"name": name, "attachedRoutes": 1, "conditions": [
                condition("Accepted"), condition("Programmed"), condition("ResolvedRefs"),
                condition("Conflicted", "False", "NoConflicts")]} for name in ("https", "http")]}},
        "httproute.argocd.argocd.json": {"status": {"parents": [{
            "parentRef": {"name": "iapgen", "namespace": "iapgen-gateway", "sectionName": "https"},
            "conditions": [condition("Accepted"), condition("ResolvedRefs")]}]}},
        "healthcheckpolicy.argocd.argocd.json": {"status": {"conditions": [condition("Attached")]}},
        "gcpbackendpolicy.argocd.argocd.json": {"status": {"ancestors": [{"ancestorRef": {"name": "argocd"},
                                                                          "conditions": [condition("Attached")]}]}},
        "pods.argocd.json": {"kind": "List", "items": [
            {"metadata": {"name": name}, "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}}
            for name, (ip, _) in PODS.items()]},
        "backend-services.json": [
            {"name": "gkegw1-yi3w-argocd-dex-5556-aaaabbbbcccc",
             "backends": [{"group": f"{BASE}/zones/{ZONES[0]}/networkEndpointGroups/k8s1-3a8f2e1c-argocd-dex-5556-x"}],
             "healthChecks": [f"{BASE}/global/healthChecks/gkegw1-other"]},
            {"name": BACKEND, "backends": [{"group": f"{BASE}/zones/{z}/networkEndpointGroups/{NEG}"} for z in ZONES],
             "healthChecks": [f"{BASE}/global/healthChecks/{BACKEND}"]}],
        f"health.{BACKEND}.json": [{"status": {"healthStatus": [
            {"ipAddress": ip, "port": 8080, "healthState": "HEALTHY"} for ip, z in PODS.values() if z == zone]}}
            for zone in ZONES],
        f"hc.{BACKEND}.json": {"name": BACKEND, "type": "HTTPS", "logConfig": {"enable": True}},
    }
    for zone in ZONES:
        files[f"endpoints.{NEG}.{zone}.json"] = [{"networkEndpoint": {"ipAddress": ip, "port": 8080}}
                                                 for ip, z in PODS.values() if z == zone]
    for pod in PODS:
        files[f"exec.{pod}.ss.txt"] = SS_OK
    return files


def _route(f: dict[str, Any]) -> dict[str, Any]:
    return f["httproute.argocd.argocd.json"]["status"]["parents"][0]


def _gateway(f: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = f["gateway.iapgen-gateway.iapgen.json"]["status"]
    return status


FAILURES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("gateway-address-in-use", lambda f: _gateway(f).update(addresses=[], conditions=[
        condition("Accepted"), condition("Programmed", "False", "AddressNotUsable")]), "gateway"),
    ("gateway-not-reconciled", lambda f: _gateway(f).pop("conditions"), "gateway"),
    ("gateway-listener-conflicted", lambda f: _gateway(f)["listeners"][0]["conditions"].__setitem__(
        3, condition("Conflicted", "True", "HostnameConflict")), "gateway"),
    ("gateway-missing", lambda f: f.pop("gateway.iapgen-gateway.iapgen.json"), "gateway"),
    ("gateway-no-address", lambda f: _gateway(f).pop("addresses"), "gateway"),
    ("gateway-status-stale", lambda f: (f["gateway.iapgen-gateway.iapgen.json"].update(metadata={"generation": 3}),
                                        [c.update(observedGeneration=2) for c in _gateway(f)["conditions"]]),
     "gateway"),
    ("app-protocol-edited", lambda f: f["svc.argocd.argocd.json"]["spec"]["ports"][0].pop("appProtocol"),
     "app-protocol"),
    ("route-not-admitted", lambda f: _route(f)["conditions"].__setitem__(
        0, condition("Accepted", "False", "NotAllowedByListeners")), "route"),
    ("route-backend-missing", lambda f: _route(f)["conditions"].__setitem__(
        1, condition("ResolvedRefs", "False", "BackendNotFound")), "route"),
    ("backend-policy-conflicted", lambda f: f["gcpbackendpolicy.argocd.argocd.json"]["status"]["ancestors"][0].update(
        conditions=[condition("Attached", "False", "Conflicted")]), "policies"),
    ("health-policy-missing", lambda f: f.pop("healthcheckpolicy.argocd.argocd.json"), "policies"),
    ("backend-unhealthy", lambda f: f[f"health.{BACKEND}.json"][0]["status"]["healthStatus"][0].update(
        healthState="UNHEALTHY"), "health"),
    ("logging-off", lambda f: f[f"hc.{BACKEND}.json"].update(logConfig={"enable": False}), "logging"),
    ("wrong-container-port", lambda f: [e["networkEndpoint"].update(port=8443) for z in ZONES
                                        for e in f[f"endpoints.{NEG}.{z}.json"]], "endpoints"),
]


def test_healthy_gateway_service_passes_every_check(cloud: Callable[..., CliResult]) -> None:  # noqa: F811
    result = cloud(healthy(), "--env", "edge", "--format", "json")
    assert result.code == 0, result
    assert statuses(result) == {c: "pass" for c in CHECKS}
    calls = [c.split() for c in cloud.calls.read_text().splitlines()]  # type: ignore[attr-defined]
    assert {c[1] for c in calls if c[0] == "kubectl"} == {"config", "get", "exec"}  # read-only
    assert {" ".join(c[1:4]) for c in calls if c[0] == "gcloud" and c[1] == "compute"} == {
        "compute backend-services list", "compute backend-services get-health", "compute health-checks describe",
        "compute network-endpoint-groups list-network-endpoints"}


@pytest.mark.parametrize(("break_it", "check"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_each_failure_mode_fails_exactly_its_check(cloud: Callable[..., CliResult], break_it: Any,  # noqa: F811
                                                   check: str) -> None:
    files = healthy()
    break_it(files)
    result = cloud(files, "--env", "edge", "--format", "json")
    assert result.code == 1
    found = statuses(result)
    assert [c for c, s in found.items() if s == "fail"] == [check], found
    failing = next(c for c in json.loads(result.out)["checks"] if c["check"] == check)
    assert failing["evidence"] and failing["fix"]


def test_no_backend_built_yet(cloud: Callable[..., CliResult]) -> None:  # noqa: F811
    files = healthy()
    files["backend-services.json"] = files["backend-services.json"][:1]
    found = statuses(cloud(files, "--env", "edge", "--format", "json"))
    assert (found["health"], found["logging"]) == ("fail", "skipped")


def test_the_gateway_check_names_the_address_or_the_events(cloud: Callable[..., CliResult]) -> None:  # noqa: F811
    files = healthy()
    _gateway(files)["conditions"][1] = condition("Programmed", "False", "AddressNotUsable")
    failing = {c["check"]: c for c in json.loads(cloud(files, "--env", "edge", "--format", "json").out)["checks"]}
    assert "Programmed=False (AddressNotUsable" in failing["gateway"]["evidence"]
    assert "gcloud compute addresses describe iapgen-edge --global --project acme-edge" in failing["gateway"]["fix"]
    _gateway(files)["conditions"][1] = condition("Programmed", "False", "Invalid")
    failing = {c["check"]: c for c in json.loads(cloud(files, "--env", "edge", "--format", "json").out)["checks"]}
    assert "kubectl describe gateway iapgen -n iapgen-gateway" in failing["gateway"]["fix"]
    assert "gcloud certificate-manager maps describe iapgen-edge --project acme-edge" in failing["gateway"]["fix"]
