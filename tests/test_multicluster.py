"""loadBalancer: multicluster-gateway: one Kubernetes provider per fleet member; per member that runs a service its
Service and ServiceExport; in the config cluster the -mc Gateway, an HTTPRoute to the ServiceImport and the
policies on it; render under k8s/<cluster>/; spec rules, diff facts, doctor and the backend finder."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.multicluster.backend import MulticlusterBackendProvider
from iapgen.errors import SpecError
from iapgen.lint.command import lint
from iapgen.modes.multicluster import doctor, objects
from iapgen.operations.diff import COMMENT_LIMIT, report
from iapgen.operations.doctorkit import Tools
from iapgen.render.command import render, write
from iapgen.spec.validate import load_spec
from tests.conftest import Plan, service, write_spec
from tests.fake_compute import PROJECT, FakeCompute, bearer_session
from tests.k8s_schemas import validate_manifests, validate_objects

CLIENT_ID = "1234-abcd.apps.googleusercontent.com"
SECRET = {"iapgen:oauthClientSecret": "do-not-leak-3f9a"}
CLUSTERS = [{"name": "west", "context": "ctx-west"}, {"name": "east", "context": "ctx-east"},
            {"name": "south", "context": "ctx-south"}]


def mc_spec(services: list[dict[str, Any]], **environment: Any) -> dict[str, Any]:
    return {
        "environments": {"dev": {"project": "acme-dev", "domain": "dev.acme.example",
                                 "loadBalancer": "multicluster-gateway", "clusters": copy.deepcopy(CLUSTERS),
                                 "configCluster": "west",
                                 "iap": {"members": ["group:eng@acme.example"], "oauthClientId": CLIENT_ID},
                                 **environment}},
        "services": services,
    }


SERVICES = [service("argocd", namespace="argocd"),
            service("orders", namespace="orders", port=8443, targetPort=9443, protocol="HTTP2",
                    clusters=["east"])]


@pytest.fixture
def fleet(plan_for: Any) -> Plan:
    return plan_for(mc_spec(SERVICES), config=SECRET)


def provider_of(plan: Plan) -> dict[str, str]:
    """Provider logical name -> its kubeconfig context."""
    return {r.name: r.inputs["context"] for r in plan.resources if r.type == "pulumi:providers:kubernetes"}


def test_one_provider_per_cluster_on_its_context(fleet: Plan) -> None:
    assert provider_of(fleet) == {"dev/cluster/west": "ctx-west", "dev/cluster/east": "ctx-east",
                                  "dev/cluster/south": "ctx-south"}
    # Every Kubernetes object goes through one of them: none reaches the default provider's cluster.
    assert all(r.provider in provider_of(fleet) for r in fleet.resources if r.type.startswith("kubernetes:"))


def test_services_and_exports_go_to_the_members_that_run_them(fleet: Plan) -> None:
    exports = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"], r.provider)
               for r in fleet.resources if r.inputs.get("kind") == "ServiceExport"}
    assert exports == {("argocd", "argocd", f"dev/cluster/{c}") for c in ("west", "east", "south")} | {
        ("orders", "orders", "dev/cluster/east")}
    services = {(r.inputs["metadata"]["name"], r.provider) for r in fleet.of_type("core/v1:Service")}
    assert services == {(n, p) for n, _, p in {(e[1], e[0], e[2]) for e in exports}}
    for export in (r for r in fleet.resources if r.inputs.get("kind") == "ServiceExport"):
        assert export.inputs["apiVersion"] == "net.gke.io/v1" and "spec" not in export.inputs


def test_gateway_routes_and_policies_live_in_the_config_cluster_on_the_service_import(fleet: Plan) -> None:
    config = [r for r in fleet.resources if r.inputs.get("kind") in ("Gateway", "HTTPRoute", "HealthCheckPolicy",
                                                                     "GCPBackendPolicy")]
    assert {r.provider for r in config} == {"dev/cluster/west"}
    gateway = next(r.inputs for r in config if r.inputs["kind"] == "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "gke-l7-global-external-managed-mc"
    for r in config:
        if r.inputs["kind"] == "HTTPRoute" and r.inputs["metadata"]["name"] != "iapgen-https-redirect":
            ref = r.inputs["spec"]["rules"][0]["backendRefs"][0]
            assert (ref["group"], ref["kind"], ref["name"]) == ("net.gke.io", "ServiceImport",
                                                                r.inputs["metadata"]["name"])
        if r.inputs["kind"].endswith("Policy"):
            assert r.inputs["spec"]["targetRef"] == {"group": "net.gke.io", "kind": "ServiceImport",
                                                     "name": r.inputs["metadata"]["name"]}
    health = next(r.inputs for r in config if r.inputs["kind"] == "HealthCheckPolicy"
                  and r.inputs["metadata"]["name"] == "orders")
    assert health["spec"]["default"]["logConfig"] == {"enabled": True}
    assert health["spec"]["default"]["config"]["http2HealthCheck"]["port"] == 9443
    secrets = {(r.inputs["metadata"]["namespace"], r.provider) for r in fleet.of_type("core/v1:Secret")}
    assert secrets == {("argocd", "dev/cluster/west"), ("orders", "dev/cluster/west")}


def test_iap_is_bound_on_the_multi_cluster_backend(fleet: Plan) -> None:
    backends = {r.name: r.inputs for r in fleet.of_type(":MulticlusterBackend")}
    assert set(backends) == {"argocd-backend", "orders-backend"}
    members = fleet.of_type(":WebBackendServiceIamMember")
    assert {(m.parent, m.inputs["member"], m.inputs["webBackendService"]) for m in members} == {
        ("argocd", "group:eng@acme.example", "gkemcg1-argocd-argocd-443-000000000000"),
        ("orders", "group:eng@acme.example", "gkemcg1-orders-orders-8443-000000000000")}
    outputs = fleet.run.outputs
    assert outputs["services"]["orders"]["clusters"] == ["east"]
    assert outputs["services"]["argocd"]["clusters"] == ["west", "east", "south"]
    assert outputs["clusters"] == {"west": "ctx-west", "east": "ctx-east", "south": "ctx-south"}


def rendered(tmp_path: Path, spec: dict[str, Any], name: str = "out") -> Path:
    folder = tmp_path / f"{name}-spec"
    folder.mkdir()
    path = write_spec(folder, spec)
    (folder / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret:\n    secure: v1:cGxhY2Vob2xkZXI=\n")
    write(tmp_path / name, render(str(path), "dev").files)
    return tmp_path / name


def test_render_writes_each_cluster_folder_valid_against_the_official_schemas_and_lint_clean(tmp_path: Path) -> None:
    out = rendered(tmp_path, mc_spec(SERVICES))
    files = sorted(p.relative_to(out / "k8s").as_posix() for p in (out / "k8s").rglob("*.yaml"))
    assert "east/orders/serviceexport-orders.yaml" in files and "west/orders/httproute-orders.yaml" in files
    assert "west/orders/service-orders.yaml" not in files and "south/orders/serviceexport-orders.yaml" not in files
    assert {f.split("/")[0] for f in files} == {"west", "east", "south"}
    report_ = validate_manifests(out / "k8s")
    assert (report_["documents"], report_["invalid"]) == (len(files), 0), report_["findings"]
    assert lint([str(out / "k8s")]).findings == []
    summary = (out / "summary.md").read_text()
    assert "| orders | https://orders.dev.acme.example/ | east |" in summary
    assert "| argocd | https://argocd.dev.acme.example/ | west, east, south |" in summary


def test_the_service_export_schema_rejects_a_spec() -> None:
    export = {"apiVersion": "net.gke.io/v1", "kind": "ServiceExport", "metadata": {"name": "web", "namespace": "web"}}
    assert validate_objects([export]) == []
    problems = validate_objects([{**export, "spec": {"ports": [443]}}])
    assert len(problems) == 1 and "spec" in problems[0], problems


def findings(tmp_path: Path, spec: dict[str, Any]) -> list[tuple[str, str, int]]:
    path = write_spec(tmp_path, spec)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    return [(f.rule, f.field, f.line) for f in err.value.findings]


@pytest.mark.parametrize(("change", "rule", "field"), [
    (lambda s: s["environments"]["dev"].update(configCluster="north"), "MC_CONFIG_CLUSTER",
     "environments.dev.configCluster"),
    (lambda s: s["environments"]["dev"]["clusters"][2].update(name="west"), "MC_CLUSTER_DUPLICATE",
     "environments.dev.clusters[2].name"),
    (lambda s: s["environments"]["dev"]["clusters"][1].update(context="ctx-west"), "MC_CLUSTER_DUPLICATE",
     "environments.dev.clusters[1].context"),
    (lambda s: s["services"][1].update(clusters=["east", "north"]), "MC_SERVICE_CLUSTER", "services[orders].clusters"),
    (lambda s: s["services"][1].update(clusters=["east", "east"]), "MC_SERVICE_CLUSTER", "services[orders].clusters"),
    (lambda s: s["services"][1].update(clusters=[]), "SPEC_SHAPE", "services[orders].clusters"),
    (lambda s: s["environments"]["dev"].update(clusters=[]), "SPEC_SHAPE", "environments.dev.clusters"),
    (lambda s: s["environments"]["dev"]["clusters"][0].pop("context"), "SPEC_SHAPE",
     "environments.dev.clusters[0].context"),
    (lambda s: s["environments"]["dev"].pop("configCluster"), "SPEC_SHAPE", "environments.dev.configCluster"),
])
def test_fleet_rules(tmp_path: Path, change: Any, rule: str, field: str) -> None:
    spec = mc_spec(copy.deepcopy(SERVICES))
    change(spec)
    assert [(r, f) for r, f, _ in findings(tmp_path, spec)] == [(rule, field)]


def test_clusters_in_another_mode_is_refused_at_its_line(tmp_path: Path) -> None:
    spec = mc_spec(copy.deepcopy(SERVICES))
    spec["environments"]["dev"] = {"project": "acme-dev", "domain": "dev.acme.example", "loadBalancer": "gateway",
                                   "iap": {"members": ["group:eng@acme.example"], "oauthClientId": CLIENT_ID}}
    found = findings(tmp_path, spec)
    assert [(r, f) for r, f, _ in found] == [("SERVICE_FIELD_OTHER_MODE", "services[orders].clusters")]
    text = (tmp_path / "services.yaml").read_text().splitlines()
    assert "clusters" in text[found[0][2] - 1]
    # Set in the overrides of a multi-cluster environment only, it is read there and refused nowhere.
    spec["environments"]["global"] = dict(mc_spec([])["environments"]["dev"], domain="global.acme.example")
    del spec["services"][1]["clusters"]
    spec["services"][1]["overrides"] = {"global": {"clusters": ["east"]}}
    write_spec(tmp_path, spec)
    loaded = load_spec(tmp_path / "services.yaml")
    assert [objects.clusters_of(e) for e in loaded.exposures["global"]] == [("west", "east", "south"), ("east",)]


def test_diff_says_a_service_moving_between_clusters_and_a_cluster_added(tmp_path: Path) -> None:
    base = mc_spec(copy.deepcopy(SERVICES))
    head = copy.deepcopy(base)
    head["services"][1]["clusters"] = ["west", "south"]
    head["environments"]["dev"]["clusters"].append({"name": "north", "context": "ctx-north"})
    text = report(rendered(tmp_path, base, "base"), rendered(tmp_path, head, "head"))
    assert "| orders | changed | clusters east -> south, west |" in text
    assert "| argocd | changed | clusters east, south, west -> east, north, south, west |" in text


def test_three_hundred_services_over_three_clusters_render_and_diff_in_one_comment(tmp_path: Path) -> None:
    base = mc_spec([service(f"app{i}", namespace=f"team{i // 15}") for i in range(300)])
    head = copy.deepcopy(base)
    for i, entry in enumerate(head["services"]):
        entry["clusters"] = [["west"], ["east"], ["south"]][i % 3]
    text = report(rendered(tmp_path, base, "base"), rendered(tmp_path, head, "head"))
    assert len(text) <= COMMENT_LIMIT
    assert text.count("| changed | clusters east, south, west -> ") == 300  # every table row kept


# --- the backend GKE makes and the doctor ---------------------------------------------------------------------

def test_backend_names_and_neg_descriptions() -> None:
    assert objects.name_fits("gkemcg1-store-store-8080-ym0pvrdctvcn", "store", "store", 8080)
    assert objects.name_fits("gkemcg1-store-store-west-2-8080-xeyh9ovnpypy", "store", "store-west-2", 8080)
    assert not objects.name_fits("gkemcg1-store-store-8080-ym0pvrdctvcn", "store", "store", 80)
    assert not objects.name_fits("gkegw1-abcd-store-store-8080-ym0pvrdctvcn", "store", "store", 8080)
    described = json.dumps({"cluster-uid": "x", "namespace": "store", "service-name": "gke-mcs-1a2b3c", "port": "8080"})
    assert objects.neg_verdict(described, "store", "store") is True
    assert objects.neg_verdict(described, "shop", "store") is False
    assert objects.neg_verdict("", "store", "store") is None


def fake_tools(answers: dict[str, Any]) -> tuple[Tools, list[list[str]]]:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        key = " ".join(argv)
        for pattern, answer in answers.items():
            if pattern in key:
                return subprocess.CompletedProcess(argv, 0, json.dumps(answer), "")
        return subprocess.CompletedProcess(argv, 1, "", f"NotFound: {key}")

    return Tools(run), calls


def test_doctor_asks_each_member_on_its_own_context(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, mc_spec(copy.deepcopy(SERVICES))))
    orders = loaded.exposures["dev"][1]
    exported = {"status": {"conditions": [{"type": "Initialized", "status": "True"},
                                          {"type": "Exported", "status": "True"}]}}
    svc = {"spec": {"ports": [{"port": 8443, "appProtocol": "HTTP2"}]}}
    tools, calls = fake_tools({"--context ctx-east get svc orders": svc,
                               "--context ctx-east get serviceexport orders": exported,
                               "--context ctx-west get serviceimport orders": {"spec": {"ports": [{"port": 8443}]}}})
    checks = {c.check: c.status for c in doctor.diagnose(tools, orders)}
    assert checks["export:east"] == "pass" and checks["import"] == "pass"
    assert "export:west" not in checks  # orders runs in east only
    assert checks["gateway"] == "fail"  # no Gateway answered
    kubectl = [c for c in calls if c[0] == "kubectl"]
    assert kubectl and all(c[1] == "--context" and c[2] in ("ctx-west", "ctx-east") for c in kubectl)
    tools, _ = fake_tools({"--context ctx-east get svc orders": svc, "--context ctx-east get serviceexport orders": {
        "status": {"conditions": [{"type": "Exported", "status": "True"},
                                  {"type": "Conflict", "status": "True", "reason": "PortConflict"}]}}})
    assert {c.check: c.status for c in doctor.diagnose(tools, orders)}["export:east"] == "fail"


def test_finds_the_multi_cluster_backend_by_its_name_and_member_negs(fake: FakeCompute) -> None:
    """gkemcg1- names, NEGs of the Service MCS derives (gke-mcs-...): a gkegw1- backend of the same Service and a
    gkemcg1- backend of another namespace are not it."""
    def add(name: str, namespace: str, service_name: str) -> None:
        fake.add_backend(namespace, "orders", "8443", name=name)
        for (_, neg_name), neg in fake.negs.items():
            if neg_name == name:
                neg["description"] = json.dumps({"cluster-uid": "3a8f2e1c", "namespace": namespace,
                                                 "service-name": service_name, "port": "8443"})

    add("gkegw1-yi3w-orders-orders-8443-aaaaaaaaaaaa", "orders", "orders")
    add("gkemcg1-orders-orders-8443-bbbbbbbbbbbb", "shop", "gke-mcs-1a2b3c")
    add("gkemcg1-orders-orders-8443-cccccccccccc", "orders", "gke-mcs-4d5e6f")
    props = {"project": PROJECT, "namespace": "orders", "service": "orders", "port": 8443, "clusterUid": "",
             "waitSeconds": 30, "computeEndpoint": f"{fake.url}/compute/v1",
             "resourceManagerEndpoint": f"{fake.url}/v1"}
    provider = MulticlusterBackendProvider(session_factory=bearer_session, sleep=lambda _: None)
    assert provider.create(props).id == "gkemcg1-orders-orders-8443-cccccccccccc"
    assert [m for m, _, _ in fake.requests if m != "GET"] == []  # reads only
