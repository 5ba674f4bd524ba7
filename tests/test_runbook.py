"""A runbook per service, naming that service's real objects, written by render and exported by the program."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, base_spec, offline_build, run_cli, service, write_spec


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("runbooks") / "dev"
    assert run_cli("render", "--env", "dev", "--spec", REPO / "services.yaml", "--out", out, "-q").code == 0
    return {p.stem: p.read_text() for p in (out / "runbooks").glob("*.md")}


def test_one_runbook_per_service(runbooks: dict[str, str]) -> None:
    assert sorted(runbooks) == ["argocd", "grafana", "orders-api"]


@pytest.mark.parametrize(("name", "facts"), [
    ("argocd", ["Service `argocd/argocd`", "-n argocd", "app.kubernetes.io/name=argocd-server", '["443"]',
                "HTTPS :8080/healthz", "https://127.0.0.1:8080/healthz", "httpsHealthCheck", "iapgen-dev-argocd",
                "--project acme-dev", "user:alice@acme.example"]),
    ("grafana", ["Service `monitoring/grafana`", "-n monitoring", "app.kubernetes.io/name=grafana", '["80"]',
                 "HTTP :3000/api/health", "http://127.0.0.1:3000/api/health", "httpHealthCheck"]),
    ("orders-api", ["Service `orders/orders-api`", "app=orders-api,tier=backend", "HTTP2 :8443/readyz",
                    "http2HealthCheck", '["443"]']),
])
def test_runbook_names_this_services_objects(runbooks: dict[str, str], name: str, facts: list[str]) -> None:
    text = runbooks[name]
    for fact in facts:
        assert fact in text, fact
    for other in runbooks:
        if other != name:  # no command aims at another service's objects
            assert f"networking.gke.io/service-name={other}\n" not in text


def test_runbook_has_path_log_query_and_every_known_cause(runbooks: dict[str, str]) -> None:
    text = runbooks["argocd"]
    assert "```mermaid\nflowchart LR" in text
    assert 'logName="projects/acme-dev/logs/compute.googleapis.com%2Fhealthchecks"' in text
    assert 'resource.type="gce_network_endpoint_group"' in text and "only when an endpoint" in text
    assert "healthCheckProbeResult" in text and "detailedHealthState" in text
    for cause in ("No NEG yet", "Wrong protocol", "Wrong container port", "does not answer 200",
                  "IAP check", "bound to localhost", "Firewall", "VPC-native"):
        assert cause in text, cause
    assert "kubectl get svcneg -n argocd -l networking.gke.io/service-name=argocd" in text


def test_runbooks_are_a_stack_output(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"].append(service("status", namespace="status", protocol="HTTP", port=80, targetPort=8080,
                                    iap={"enabled": False, "reason": "public status page"}))
    outputs = offline_build(write_spec(tmp_path, spec)).outputs
    assert set(outputs["runbooks"]) == {"argocd", "status"}
    assert 'IAP: off (public status page)' in outputs["runbooks"]["status"]
    assert "bound: nobody: IAP is off" in outputs["runbooks"]["status"]
