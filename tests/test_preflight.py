"""iapgen preflight against a fake project on 127.0.0.1 (tests/fake_project.py): a project that has everything
passes; each missing piece fails with its own fix; the counts it checks quotas with agree with the render."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from iapgen.operations import preflight
from iapgen.operations import preflighttable as table
from iapgen.spec.validate import load_spec
from tests.conftest import service, write_spec
from tests.fake_project import FakeProject, cluster, running
from tests.fake_project import client as fake_client
from tests.test_gateway_mode import gateway_spec
from tests.test_standalone import standalone_spec

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "render"


@pytest.fixture
def project() -> Any:
    with running() as fake:
        yield fake


def target(tmp_path: Path, spec: dict[str, Any], env: str = "dev", name: str | None = None) -> preflight.Target:
    loaded = load_spec(str(write_spec(tmp_path, spec)))
    environment, exposures = loaded.environment(env)
    return preflight.Target(env, environment, exposures, name)


def failures(results: list[preflight.Result]) -> list[preflight.Result]:
    return [r for r in results if r.status == preflight.FAIL]


def test_a_project_that_has_everything_passes(tmp_path: Path, project: FakeProject) -> None:
    results = preflight.run(target(tmp_path, standalone_spec()), fake_client(project))
    assert not failures(results), preflight.as_text("dev", results)
    assert {r.check for r in results} >= {"apis", "permissions", "quota BACKEND_SERVICES", "cluster", "zones",
                                          "cm-writes"}
    assert all(r.source.startswith("https://") for r in results)
    assert all(method in ("GET", "POST") for method, _, _ in project.requests)  # read-only


def test_a_disabled_api_the_deployer_cannot_enable_fails(tmp_path: Path, project: FakeProject) -> None:
    project.disabled = {"certificatemanager.googleapis.com"}
    project.denied = {"serviceusage.services.enable"}
    [api, perms] = [r for r in failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))]
    assert api.check == "apis" and "certificatemanager.googleapis.com is disabled" in api.evidence
    assert "gcloud services enable certificatemanager.googleapis.com --project acme-dev" in api.fix
    assert perms.check == "permissions"


def test_a_disabled_api_the_deployer_may_enable_passes(tmp_path: Path, project: FakeProject) -> None:
    project.disabled = {"certificatemanager.googleapis.com"}
    results = preflight.run(target(tmp_path, standalone_spec()), fake_client(project))
    assert not failures(results)
    assert any("the stack enables it" in r.evidence for r in results)


def test_a_denied_permission_fails_naming_it_and_a_role(tmp_path: Path, project: FakeProject) -> None:
    project.denied = {"certificatemanager.certmapentries.create"}
    [failed] = failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))
    assert failed.check == "permissions"
    assert "certificatemanager.certmapentries.create" in failed.evidence
    assert "roles/certificatemanager.editor" in failed.fix


def test_permissions_are_exactly_those_of_what_the_mode_creates(tmp_path: Path, project: FakeProject) -> None:
    preflight.run(target(tmp_path, standalone_spec()), fake_client(project))
    asked = {p for method, path, body in project.requests if path.endswith(":testIamPermissions")
             for p in (body or {})["permissions"]}
    assert "compute.firewalls.create" in asked and "compute.networkEndpointGroups.get" in asked
    assert "iap.web.setIamPolicy" not in asked  # no projectWide members in this spec
    assert "compute.backendServices.list" not in asked  # no dynamic provider lists backends in standalone mode


def test_an_exhausted_quota_fails_with_the_numbers(tmp_path: Path, project: FakeProject) -> None:
    project.quota_table["BACKEND_SERVICES"] = (49.0, 50.0)
    [failed] = failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))
    assert failed.check == "quota BACKEND_SERVICES"
    assert "49 used + 3 this environment creates = 52 of 50" in failed.evidence
    assert "request BACKEND_SERVICES >= 52" in failed.fix


def test_ingress_mode_counts_what_gke_creates(tmp_path: Path, project: FakeProject) -> None:
    spec = standalone_spec()
    for key in ("loadBalancer", "zones", "network", "nodes"):
        spec["environments"]["dev"].pop(key)
    project.quota_table["SSL_CERTIFICATES"] = (98.0, 100.0)
    [failed] = failures(preflight.run(target(tmp_path, spec), fake_client(project)))
    assert failed.check == "quota SSL_CERTIFICATES" and "+ 3 this environment creates" in failed.evidence


def test_a_routes_based_cluster_fails(tmp_path: Path, project: FakeProject) -> None:
    project.cluster_list = [cluster(vpc_native=False)]
    [failed] = failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))
    assert failed.check == "cluster" and "routes-based" in failed.evidence
    assert "--enable-ip-alias" in failed.fix


def test_zones_that_do_not_match_the_nodes_fail(tmp_path: Path, project: FakeProject) -> None:
    project.cluster_list = [cluster(zones=["europe-west1-b", "europe-west1-c"])]
    [failed] = failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))
    assert failed.check == "zones"
    assert failed.fix == "set environments.dev.zones: [europe-west1-b, europe-west1-c]"


def test_several_clusters_need_the_cluster_flag(tmp_path: Path, project: FakeProject) -> None:
    project.cluster_list = [cluster("apps"), cluster("batch", vpc_native=False)]
    [failed] = failures(preflight.run(target(tmp_path, standalone_spec()), fake_client(project)))
    assert "2 clusters" in failed.evidence and "--cluster NAME" in failed.fix
    assert not failures(preflight.run(target(tmp_path, standalone_spec(), name="apps"), fake_client(project)))


def test_too_many_hosts_for_the_certificate_manager_write_quota(tmp_path: Path, project: FakeProject) -> None:
    services = [service(f"app{i}", namespace="apps") for i in range(150)]
    project.quota_table = {m: (0.0, 1000.0) for m in project.quota_table}
    [failed] = failures(preflight.run(target(tmp_path, gateway_spec(services)), fake_client(project)))
    assert failed.check == "cm-writes"
    assert "301 Certificate Manager writes (150 certificates, 1 map, 150 map entries)" in failed.evidence
    assert "pulumi up --parallel 5" in failed.fix


def test_an_api_refusal_is_a_fail_line_not_a_traceback(tmp_path: Path, project: FakeProject) -> None:
    project.forbidden[("GET", "/v1/projects/acme-dev/locations/-/clusters")] = \
        "Permission 'container.clusters.list' denied on resource"
    project.failures = [(400, {"error": {"code": 400, "message": "bad"}})]
    results = preflight.run(target(tmp_path, standalone_spec()), fake_client(project))
    assert [r.check for r in failures(results)] == ["apis", "cluster"]
    assert "container.clusters.list" in failures(results)[1].evidence


def test_cli_text_json_and_exit_codes(tmp_path: Path, project: FakeProject, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from iapgen.cli import main

    spec = write_spec(tmp_path, standalone_spec())
    monkeypatch.setattr(preflight, "client_for", lambda _: fake_client(project))
    assert main(["preflight", "--env", "dev", "--spec", str(spec)]) == 0
    assert "PASS  cluster" in capsys.readouterr().out
    project.denied = {"compute.firewalls.create"}
    assert main(["preflight", "--env", "dev", "--spec", str(spec), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 1
    assert main(["preflight", "--env", "nope", "--spec", str(spec)]) == 1  # ENV_UNKNOWN, a spec finding
    with pytest.raises(SystemExit) as usage:
        main(["preflight", "--spec", str(spec)])
    assert usage.value.code == 2


@pytest.mark.parametrize("env", sorted(p.name for p in GOLDEN.iterdir()))
def test_counts_agree_with_the_render(env: str) -> None:
    """What preflight counts from the spec is what the (golden) render creates, type by type."""
    from iapgen.modes import mode_of

    environment, exposures = load_spec(str(REPO / "services.yaml")).environment(env)
    counted = table.creates(mode_of(environment), environment, exposures)
    assert counted is not None
    plan = json.loads((GOLDEN / env / "plan.json").read_text())
    rendered = Counter(r["type"] for r in (plan if isinstance(plan, list) else plan["resources"])
                       if r["type"].startswith(("gcp:", "pulumi-python:dynamic/")))
    assert Counter({k: v for k, v in counted.items() if not k.startswith("gke:")}) == rendered
    assert set(rendered) <= set(table.PERMISSIONS)  # every type the render creates has its permissions
