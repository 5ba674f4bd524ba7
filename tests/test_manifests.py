"""Rendered Kubernetes objects: valid against the official schemas, and consistent with each other.

The consistency checks are written from docs/gke-behaviour.md ("Service annotations and NEGs",
"BackendConfig and health checks"), independently of the generator: they read the YAML the way
the GKE controller reads objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, run_cli, validate_manifests

Obj = dict[str, Any]


def load_objects(folder: Path) -> list[Obj]:
    return [doc for path in sorted(folder.rglob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def index(objects: Iterable[Obj]) -> dict[tuple[str, str, str], Obj]:
    return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}


def consistency_problems(objects: list[Obj]) -> list[str]:
    """What the GKE Ingress controller would trip over, per gke-facts.md §1-2 and §4.7."""
    by_key = index(objects)
    problems: list[str] = []
    for svc in (o for o in objects if o["kind"] == "Service"):
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        notes = svc["metadata"].get("annotations", {})
        ports = {p.get("name"): p for p in svc["spec"]["ports"]}
        protocols = json.loads(notes.get("cloud.google.com/app-protocols", "{}"))
        for key, protocol in protocols.items():
            if key not in ports:
                problems.append(f"{name}: app-protocols key {key!r} is not a port name {sorted(map(str, ports))}")
            if protocol not in ("HTTP", "HTTPS", "HTTP2"):
                problems.append(f"{name}: app-protocols value {protocol!r}")
        if "service.alpha.kubernetes.io/app-protocols" in notes:
            problems.append(f"{name}: legacy app-protocols key takes precedence")
        neg = json.loads(notes.get("cloud.google.com/neg", "{}"))
        if svc["spec"].get("type", "ClusterIP") == "ClusterIP" and neg.get("ingress") is not True:
            problems.append(f"{name}: ClusterIP without {{\"ingress\": true}}")
        config = json.loads(notes.get("cloud.google.com/backend-config", "{}"))
        for port_name, port in ports.items():
            config_name = config.get("ports", {}).get(port_name) or config.get("ports", {}).get(
                str(port["port"])) or config.get("default")
            bc = by_key.get(("BackendConfig", ns, config_name or ""))
            if bc is None:
                problems.append(f"{name}: BackendConfig {config_name!r} not in namespace {ns}")
                continue
            hc = bc["spec"].get("healthCheck", {})
            if hc.get("port") not in (None, port["targetPort"]):
                problems.append(f"{name}: health check port {hc.get('port')} is not targetPort {port['targetPort']}")
            if hc.get("type") != protocols.get(port_name, "HTTP"):
                problems.append(f"{name}: health check type {hc.get('type')} but backend speaks "
                                f"{protocols.get(port_name, 'HTTP')}")
            if not str(hc.get("requestPath", "")).startswith("/"):
                problems.append(f"{name}: health check path {hc.get('requestPath')!r}")
            if hc.get("timeoutSec", 0) > hc.get("checkIntervalSec", 15):
                problems.append(f"{name}: timeoutSec > checkIntervalSec")
    for ing in (o for o in objects if o["kind"] == "Ingress"):
        ns = ing["metadata"]["namespace"]
        notes = ing["metadata"].get("annotations", {})
        if notes.get("kubernetes.io/ingress.class") != "gce" or ing["spec"].get("ingressClassName"):
            problems.append(f"ingress {ns}: not selected for the GKE controller")
        for cert in filter(None, notes.get("networking.gke.io/managed-certificates", "").split(",")):
            if ("ManagedCertificate", ns, cert) not in by_key:
                problems.append(f"ingress {ns}: certificate {cert} missing")
        frontend = notes.get("networking.gke.io/v1beta1.FrontendConfig")
        if frontend and ("FrontendConfig", ns, frontend) not in by_key:
            problems.append(f"ingress {ns}: FrontendConfig {frontend} missing")
        hosts_with_certs = {d for o in objects if o["kind"] == "ManagedCertificate"
                            and o["metadata"]["namespace"] == ns for d in o["spec"]["domains"]}
        for rule in ing["spec"].get("rules", []):
            if rule.get("host") not in hosts_with_certs:
                problems.append(f"ingress {ns}: host {rule.get('host')} has no certificate")
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                svc = by_key.get(("Service", ns, backend["name"]))
                if svc is None:
                    problems.append(f"ingress {ns}: Service {backend['name']} missing")
                    continue
                port = backend["port"]
                if not any(p["port"] == port.get("number") or p.get("name") == port.get("name")
                           for p in svc["spec"]["ports"]):
                    problems.append(f"ingress {ns}: port {port} not on Service {backend['name']}")
    return problems


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("example")
    folders = {}
    for env in ("dev", "prod"):
        result = run_cli("render", "--env", env, "--spec", REPO / "services.yaml", "--out", out / env, "-q")
        assert result.code == 0, result
        folders[env] = out / env / "k8s"
    return folders


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_example_validates_against_official_schemas(example: dict[str, Path], env: str) -> None:
    report = validate_manifests(example[env])
    assert report["documents"] == 15
    assert report["invalid"] == 0, report["findings"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_example_objects_agree_with_each_other(example: dict[str, Path], env: str) -> None:
    assert consistency_problems(load_objects(example[env])) == []


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["kind"] == "Service" and o["metadata"]["annotations"].update(
        {"cloud.google.com/app-protocols": '{"443":"HTTPS"}'}), "is not a port name"),
    (lambda o: o["kind"] == "BackendConfig" and o["spec"]["healthCheck"].update(port=443), "is not targetPort"),
    (lambda o: o["kind"] == "BackendConfig" and o["spec"]["healthCheck"].update(type="HTTP"), "backend speaks"),
    (lambda o: o["kind"] == "Ingress" and o["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"].update(
        port={"number": 8080}), "not on Service"),
])
def test_consistency_check_catches_broken_objects(example: dict[str, Path], mutate: Any, expected: str) -> None:
    """The oracle above must fail on the mistakes it exists for."""
    objects = load_objects(example["dev"])
    for obj in objects:
        mutate(obj)
    assert any(expected in p for p in consistency_problems(objects))


def test_validator_rejects_a_broken_rendered_object(example: dict[str, Path], tmp_path: Path) -> None:
    broken = yaml.safe_load((example["dev"] / "argocd/backendconfig-argocd.yaml").read_text())
    broken["spec"]["healthCheck"]["port"] = "8080"
    (tmp_path / "bc.yaml").write_text(yaml.safe_dump(broken))
    assert validate_manifests(tmp_path)["invalid"] == 1
