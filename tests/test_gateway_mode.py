"""loadBalancer: gateway: one GKE Gateway per environment; per service a Service with appProtocol, an HTTPRoute,
a HealthCheckPolicy with logging and a GCPBackendPolicy with IAP, all valid against the official schemas."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Plan, run_cli, service, write_spec
from tests.k8s_schemas import validate_objects

PlanFor = Callable[..., Plan]
CLIENT_ID = "1234-abcd.apps.googleusercontent.com"
SECRET = {"iapgen:oauthClientSecret": "do-not-leak-3f9a"}


def gateway_spec(services: list[dict[str, Any]], **environment: Any) -> dict[str, Any]:
    return {
        "environments": {"dev": {"project": "acme-dev", "domain": "dev.acme.example", "loadBalancer": "gateway",
                                 "iap": {"members": ["group:eng@acme.example"], "oauthClientId": CLIENT_ID},
                                 **environment}},
        "services": services,
    }


# The seed's three cases: an HTTPS server on 8080 behind 443, an HTTP server on 7860, HTTP/2 (TLS) on 9443.
SEED = [
    service("argocd", namespace="argocd", port=443, targetPort=8080, protocol="HTTPS"),
    service("gradio", namespace="ml", port=7860, targetPort=7860, protocol="HTTP",
            healthCheck={"path": "/", "checkIntervalSec": 10, "timeoutSec": 4, "healthyThreshold": 2,
                         "unhealthyThreshold": 3}),
    service("orders", namespace="orders", port=8443, targetPort=9443, protocol="HTTP2",
            healthCheck={"path": "/readyz"}),
]
CASES = [("argocd", "argocd", 443, 8080, "HTTPS"), ("gradio", "ml", 7860, 7860, "HTTP"),
         ("orders", "orders", 8443, 9443, "HTTP2")]


@pytest.fixture
def seed(plan_for: PlanFor) -> Plan:
    return plan_for(gateway_spec(SEED), config=SECRET)


def objects(plan: Plan, kind: str) -> dict[str, dict[str, Any]]:
    return {r.inputs["metadata"]["name"]: r.inputs for r in plan.resources
            if r.inputs.get("kind") == kind or (kind == "Service" and r.type == "kubernetes:core/v1:Service")}


@pytest.mark.parametrize(("name", "namespace", "port", "target", "protocol"), CASES)
def test_health_check_policy_probes_the_container_port_in_the_protocol_with_logging(
        seed: Plan, name: str, namespace: str, port: int, target: int, protocol: str) -> None:
    policy = objects(seed, "HealthCheckPolicy")[name]
    assert policy["metadata"]["namespace"] == namespace
    default = policy["spec"]["default"]
    assert default["logConfig"] == {"enabled": True}
    block = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}[protocol]
    assert default["config"] == {"type": protocol, block: {
        "portSpecification": "USE_FIXED_PORT", "port": target,
        "requestPath": {"argocd": "/healthz", "gradio": "/", "orders": "/readyz"}[name]}}
    assert policy["spec"]["targetRef"] == {"group": "", "kind": "Service", "name": name}


def test_health_check_policy_carries_every_timing(seed: Plan) -> None:
    default = objects(seed, "HealthCheckPolicy")["gradio"]["spec"]["default"]
    assert (default["checkIntervalSec"], default["timeoutSec"], default["healthyThreshold"],
            default["unhealthyThreshold"]) == (10, 4, 2, 3)


@pytest.mark.parametrize(("name", "namespace", "port", "target", "protocol"), CASES)
def test_service_port_carries_the_app_protocol_gateway_reads(seed: Plan, name: str, namespace: str, port: int,
                                                            target: int, protocol: str) -> None:
    svc = objects(seed, "Service")[name]
    assert svc["spec"]["ports"] == [{"name": protocol.lower(), "port": port, "targetPort": target, "protocol": "TCP",
                                     "appProtocol": protocol}]
    assert "annotations" not in svc["metadata"]  # no Ingress annotations: nothing reads them here


@pytest.mark.parametrize(("name", "namespace", "port", "target", "protocol"), CASES)
def test_route_sends_the_host_to_the_service_port(seed: Plan, name: str, namespace: str, port: int, target: int,
                                                  protocol: str) -> None:
    route = objects(seed, "HTTPRoute")[name]
    assert route["metadata"]["namespace"] == namespace
    assert route["spec"]["hostnames"] == [f"{name}.dev.acme.example"]
    assert route["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                            "name": "iapgen", "namespace": "iapgen-gateway", "sectionName": "https"}]
    assert route["spec"]["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                       "backendRefs": [{"group": "", "kind": "Service", "name": name, "port": port}]}]


def test_one_gateway_admits_exactly_the_services_namespaces(seed: Plan) -> None:
    gateways = objects(seed, "Gateway")
    assert list(gateways) == ["iapgen"]
    gateway = gateways["iapgen"]
    assert gateway["metadata"]["namespace"] == "iapgen-gateway"
    assert gateway["metadata"]["annotations"] == {"networking.gke.io/certmap": "iapgen-dev"}
    spec = gateway["spec"]
    assert spec["gatewayClassName"] == "gke-l7-global-external-managed"
    assert spec["addresses"] == [{"type": "NamedAddress", "value": "iapgen-dev"}]
    https, http = spec["listeners"]
    assert (https["name"], https["protocol"], https["port"]) == ("https", "HTTPS", 443)
    assert https["allowedRoutes"]["namespaces"] == {"from": "Selector", "selector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["argocd", "ml", "orders"]}]}}
    assert (http["name"], http["protocol"], http["port"]) == ("http", "HTTP", 80)
    assert http["allowedRoutes"]["namespaces"] == {"from": "Same"}


def test_http_listener_only_redirects(seed: Plan) -> None:
    on_http = [r for r in objects(seed, "HTTPRoute").values()
               if any(p.get("sectionName") == "http" for p in r["spec"]["parentRefs"])]
    assert len(on_http) == 1
    redirect = on_http[0]
    assert redirect["metadata"]["namespace"] == "iapgen-gateway"
    assert redirect["spec"]["rules"] == [{"filters": [{"type": "RequestRedirect",
                                                       "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]


def test_address_and_certificate_map_come_from_the_environment_frontend(seed: Plan) -> None:
    address = seed.one("GlobalAddress", "dev/lb-frontend-address")
    assert address.inputs["name"] == "iapgen-dev"
    cert_map = seed.one("CertificateMap", "dev/lb-frontend-certificate-map")
    assert cert_map.inputs["name"] == "iapgen-dev"
    assert sorted(e.inputs["hostname"] for e in seed.of_type("CertificateMapEntry")) == [
        "argocd.dev.acme.example", "gradio.dev.acme.example", "orders.dev.acme.example"]
    assert seed.of_type("networking.k8s.io/v1:Ingress") == [] and seed.of_type("BackendConfig") == []


def test_backend_policy_turns_iap_on_with_the_custom_client(seed: Plan) -> None:
    secrets = {r.inputs["metadata"]["namespace"]: r for r in seed.of_type("core/v1:Secret")}
    for name, namespace, *_ in CASES:
        policy = objects(seed, "GCPBackendPolicy")[name]
        assert policy["metadata"]["namespace"] == namespace
        assert policy["spec"] == {"default": {"iap": {"enabled": True, "clientID": CLIENT_ID,
                                                      "oauth2ClientSecret": {"name": "iapgen-oauth"}},
                                              "logging": {"enabled": True, "sampleRate": 1_000_000}},
                                  "targetRef": {"group": "", "kind": "Service", "name": name}}
        assert secrets[namespace].inputs["metadata"]["name"] == "iapgen-oauth"  # in the policy's own namespace
    assert set(secrets) == {"argocd", "ml", "orders"}


def test_iap_members_are_bound_on_the_backend_gke_makes(seed: Plan) -> None:
    members = seed.of_type("WebBackendServiceIamMember")
    assert sorted((m.name.split("-iap-")[0], m.inputs["member"]) for m in members) == [
        ("argocd", "group:eng@acme.example"), ("gradio", "group:eng@acme.example"),
        ("orders", "group:eng@acme.example")]
    assert sorted(m.inputs["webBackendService"] for m in members) == [
        "gkegw1-abcd-argocd-argocd-443-000000000000", "gkegw1-abcd-ml-gradio-7860-000000000000",
        "gkegw1-abcd-orders-orders-8443-000000000000"]  # the backend GatewayBackend found
    lookups = {r.inputs["service"]: r.inputs for r in seed.of_type("GatewayBackend")}
    assert {s: (i["namespace"], i["port"]) for s, i in lookups.items()} == {
        "argocd": ("argocd", 443), "gradio": ("ml", 7860), "orders": ("orders", 8443)}


def test_resource_names_are_unique(seed: Plan) -> None:
    assert [n for n, c in Counter((r.type, r.name) for r in seed.resources).items() if c > 1] == []


def test_gateway_namespace_from_the_spec(plan_for: PlanFor) -> None:
    plan = plan_for(gateway_spec(SEED, gateway={"namespace": "edge"}), config=SECRET)
    assert objects(plan, "Gateway")["iapgen"]["metadata"]["namespace"] == "edge"
    assert plan.one("core/v1:Namespace", "dev/gateway-namespace").inputs["metadata"]["name"] == "edge"
    assert {p["namespace"] for r in objects(plan, "HTTPRoute").values() for p in r["spec"]["parentRefs"]} == {"edge"}


def test_a_gateway_namespace_that_exists_already_is_not_created(plan_for: PlanFor) -> None:
    plan = plan_for(gateway_spec(SEED, gateway={"namespace": "edge", "createNamespace": False}), config=SECRET)
    assert plan.of_type("core/v1:Namespace") == []
    assert objects(plan, "Gateway")["iapgen"]["metadata"]["namespace"] == "edge"


def test_iap_off_needs_no_client_and_writes_no_secret_reference(plan_for: PlanFor) -> None:
    spec = gateway_spec([service("status", iap={"enabled": False, "reason": "public status page"})])
    del spec["environments"]["dev"]["iap"]["oauthClientId"]
    plan = plan_for(spec)
    assert objects(plan, "GCPBackendPolicy")["status"]["spec"]["default"]["iap"] == {"enabled": False}
    assert plan.of_type("core/v1:Secret") == [] and plan.of_type("WebBackendServiceIamMember") == []


def rendered(tmp_path: Path, spec: dict[str, Any]) -> Path:
    spec_path = write_spec(tmp_path, spec)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: acme-dev\n  iapgen:oauthClientSecret:\n"
                                              "    secure: v1:ZG8tbm90LWxlYWs=\n")
    out = tmp_path / "out"
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out, "-q")
    assert result.code == 0, result
    return out


def k8s_objects(out: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((out / "k8s").rglob("*.yaml"))]


def test_every_rendered_object_passes_the_official_schemas_and_lint(tmp_path: Path) -> None:
    out = rendered(tmp_path, gateway_spec(SEED))
    found = k8s_objects(out)
    assert Counter(o["kind"] for o in found) == {"Service": 3, "HTTPRoute": 4, "HealthCheckPolicy": 3,
                                                 "GCPBackendPolicy": 3, "Gateway": 1, "Namespace": 1}
    assert validate_objects(found) == []
    assert run_cli("lint", out / "k8s").code == 0
    assert "Secret" not in {o["kind"] for o in found}


def test_300_services_with_40_in_one_namespace_render_under_one_gateway(tmp_path: Path) -> None:
    services = [service(f"app{i}", namespace="shared" if i < 40 else f"team{i % 26}") for i in range(300)]
    started = time.monotonic()
    out = rendered(tmp_path, gateway_spec(services))
    elapsed = time.monotonic() - started
    found = k8s_objects(out)
    kinds = Counter(o["kind"] for o in found)
    assert (kinds["Gateway"], kinds["HTTPRoute"], kinds["HealthCheckPolicy"], kinds["GCPBackendPolicy"]) == \
        (1, 301, 300, 300)
    gateway = next(o for o in found if o["kind"] == "Gateway")
    admitted = gateway["spec"]["listeners"][0]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]
    assert admitted["values"] == sorted({"shared", *(f"team{i}" for i in range(26))})
    assert validate_objects([gateway]) == []
    assert elapsed < 120, elapsed


def render_into(folder: Path, spec: dict[str, Any]) -> Path:
    """Render dev of `spec` (with the OAuth secret its stack needs) into folder/out, as iapgen diff reads it."""
    from iapgen.render.command import render, write

    folder.mkdir()
    path = write_spec(folder, spec)
    (folder / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret:\n    secure: v1:ZG8=\n")
    write(folder / "out" / "dev", render(str(path), "dev").files)
    return folder / "out"


@pytest.mark.parametrize(("change", "said"), [
    (lambda s: s["services"][0]["healthCheck"].update(path="/ready"), "health check path /healthz -> /ready"),
    (lambda s: s["services"][0].update(protocol="HTTP2"), "protocol HTTPS -> HTTP2"),
    (lambda s: s["services"][0].update(iap={"members": ["user:bob@acme.example"]}),
     "IAP member user:bob@acme.example added"),
    (lambda s: s["services"][0].update(host="cd.acme.example"), "argocd.dev.acme.example -> cd.acme.example"),
])
def test_diff_says_what_a_gateway_change_deploys(tmp_path: Path, change: Any, said: str) -> None:
    from iapgen.operations.diff import report

    base = gateway_spec([dict(s) for s in SEED])
    head = yaml.safe_load(yaml.safe_dump(base))
    change(head)
    text = report(render_into(tmp_path / "base", base), render_into(tmp_path / "head", head))
    row = next(line for line in text.splitlines() if line.startswith("| argocd | changed |"))
    assert said in row, text
    assert "GKE Gateway iapgen-gateway/iapgen" in text and "backend service gkegw1-..." in text  # the diagram


def test_diff_warns_when_an_environment_moves_to_gateway(tmp_path: Path) -> None:
    from iapgen.operations.diff import report

    head = gateway_spec([dict(s) for s in SEED])
    base = yaml.safe_load(yaml.safe_dump(head))
    del base["environments"]["dev"]["loadBalancer"]
    text = report(render_into(tmp_path / "base", base), render_into(tmp_path / "head", head))
    assert "moves from `loadBalancer: ingress` to `loadBalancer: gateway`" in text


def test_a_gateway_in_a_service_namespace_does_not_create_that_namespace(plan_for: PlanFor) -> None:
    plan = plan_for(gateway_spec(SEED, gateway={"namespace": "argocd"}), config=SECRET)
    assert plan.of_type("core/v1:Namespace") == []
    assert objects(plan, "Gateway")["iapgen"]["metadata"]["namespace"] == "argocd"


def test_an_environment_without_services_admits_no_other_namespace(tmp_path: Path) -> None:
    out = rendered(tmp_path, gateway_spec([]))
    gateway = next(o for o in k8s_objects(out) if o["kind"] == "Gateway")
    assert [listener["allowedRoutes"]["namespaces"] for listener in gateway["spec"]["listeners"]] == [
        {"from": "Same"}, {"from": "Same"}]
    assert validate_objects([gateway]) == []


def test_the_client_secret_reaches_only_the_secret_objects(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, gateway_spec(SEED))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret: do-not-leak-3f9a\n")
    out = tmp_path / "out"
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out, "-q").code == 0
    written = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()}
    assert [rel for rel, text in written.items() if "do-not-leak-3f9a" in text] == []
    secrets = [e for e in yaml.safe_load(written["plan.json"]) if e["type"] == "kubernetes:core/v1:Secret"]
    assert len(secrets) == 3 and all(set(e["inputs"]["stringData"].values()) == {"[secret]"} for e in secrets)


def test_runbook_names_the_gateway_objects_and_the_log_query(seed: Plan) -> None:
    book = seed.run.outputs["runbooks"]["orders"]
    for needle in ("kubectl get gateway iapgen -n iapgen-gateway", "kubectl get httproute orders -n orders",
                   "kubectl get healthcheckpolicy orders -n orders", "kubectl get gcpbackendpolicy orders -n orders",
                   'logName="projects/acme-dev/logs/compute.googleapis.com%2Fhealthchecks"',
                   "NotAllowedByListeners", "http2HealthCheck", "https://127.0.0.1:9443/readyz"):
        assert needle in book, needle
    assert "BackendConfig" not in book and "kubectl describe ingress" not in book


def test_missing_secret_error_does_not_offer_the_managed_client(tmp_path: Path) -> None:
    """Gateway IAP needs a custom client: the fix must not say to drop oauthClientId."""
    from iapgen.errors import SpecError
    from tests.conftest import offline_build

    path = write_spec(tmp_path, gateway_spec([service("web")]))
    with pytest.raises(Exception) as err:
        offline_build(path)
    text = str(err.value)
    assert "OAUTH_SECRET_MISSING" in text or isinstance(err.value, SpecError), text
    assert "pulumi config set --secret iapgen:oauthClientSecret" in text
    assert "Google-managed" not in text and "gateway mode's IAP needs a custom client" in text


def test_oauth_secret_only_where_a_service_has_iap_on(plan_for: Callable[..., Plan]) -> None:
    spec = gateway_spec([service("web", namespace="apps"),
                         service("open", namespace="public", iap={"enabled": False, "reason": "public status page"})])
    secrets = plan_for(spec, config=SECRET).of_type("core/v1:Secret")
    assert sorted(s.inputs["metadata"]["namespace"] for s in secrets) == ["apps"]
