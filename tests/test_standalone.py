"""loadBalancer: standalone: what each resource receives, as the Pulumi mocks record it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iapgen.render.command import render, write
from tests.conftest import Plan, base_spec, service, validate_manifests, write_spec

PlanFor = Callable[..., Plan]
ZONES = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]


def standalone_spec(**env: Any) -> dict[str, Any]:
    """The seed's two cases (an HTTPS server on 8080 behind Service port 443; an HTTP server on 7860),
    plus an HTTP/2 one, in a standalone dev environment."""
    spec = base_spec()
    spec["environments"]["dev"].update(loadBalancer="standalone", zones=ZONES, network="gke-vpc",
                                     nodes={"tags": ["gke-apps-node"]}, **env)
    spec["services"] += [
        service("gradio", namespace="ml", port=80, targetPort=7860, protocol="HTTP",
                healthCheck={"path": "/", "checkIntervalSec": 10, "timeoutSec": 4, "healthyThreshold": 2,
                             "unhealthyThreshold": 5}, iap={"members": ["user:bob@acme.example"]}),
        service("orders", namespace="orders", port=443, targetPort=8443, protocol="HTTP2",
                healthCheck={"path": "/readyz"}),
    ]
    return spec


@pytest.fixture
def plan(plan_for: PlanFor) -> Plan:
    return plan_for(standalone_spec())


SEED = [("argocd", 443, 8080, "HTTPS"), ("gradio", 80, 7860, "HTTP"), ("orders", 443, 8443, "HTTP2")]


@pytest.mark.parametrize(("name", "port", "target", "protocol"), SEED)
def test_service_names_its_neg_by_the_service_port(plan: Plan, name: str, port: int, target: int,
                                                   protocol: str) -> None:
    svc = plan.one("core/v1:Service", f"{name}-service")
    assert svc.inputs["spec"]["type"] == "ClusterIP"
    assert svc.inputs["spec"]["ports"] == [{"name": protocol.lower(), "port": port, "targetPort": target,
                                            "protocol": "TCP"}]
    annotations = svc.inputs["metadata"]["annotations"]
    # Keyed by the Service port, never targetPort (the seed's "port 7860 ... doesn't exist" error).
    assert json.loads(annotations.pop("cloud.google.com/neg")) == {
        "exposed_ports": {str(port): {"name": f"iapgen-dev-{name}"}}}
    assert annotations == {}  # no app-protocols, no backend-config: nothing reads them for standalone NEGs


def test_no_ingress_objects_in_standalone_mode(plan: Plan) -> None:
    kinds = {r.type for r in plan.resources}
    for kind in ("BackendConfig", "Ingress", "ManagedCertificate", "FrontendConfig", "HealthCheckLogging"):
        assert not any(k.endswith(f":{kind}") for k in kinds), kind


@pytest.mark.parametrize(("name", "port", "target", "protocol"), SEED)
def test_health_check_has_one_block_of_the_protocol_and_logging_on(plan: Plan, name: str, port: int, target: int,
                                                                   protocol: str) -> None:
    check = plan.one("compute/healthCheck:HealthCheck", f"{name}-health-check").inputs
    blocks = [k for k in check if k.endswith("HealthCheck")]
    expected_block = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}[protocol]
    assert blocks == [expected_block]
    # Each NEG endpoint's own port (Pod IP:targetPort): no fixed port that could be the Service port.
    assert check[expected_block] == {"portSpecification": "USE_SERVING_PORT",
                                     "requestPath": "/" if name == "gradio" else ("/healthz" if name == "argocd"
                                                                                  else "/readyz")}
    assert check["logConfig"] == {"enable": True}
    assert check["name"] == f"iapgen-dev-{name}"


def test_health_check_timings_come_from_the_spec(plan: Plan) -> None:
    check = plan.one("compute/healthCheck:HealthCheck", "gradio-health-check").inputs
    assert (check["checkIntervalSec"], check["timeoutSec"], check["healthyThreshold"],
            check["unhealthyThreshold"]) == (10, 4, 2, 5)
    defaults = plan.one("compute/healthCheck:HealthCheck", "argocd-health-check").inputs
    assert (defaults["checkIntervalSec"], defaults["timeoutSec"], defaults["healthyThreshold"],
            defaults["unhealthyThreshold"]) == (15, 5, 1, 2)


@pytest.mark.parametrize(("name", "port", "target", "protocol"), SEED)
def test_backend_service_one_rate_neg_backend_per_zone(plan: Plan, name: str, port: int, target: int,
                                                       protocol: str) -> None:
    backend = plan.one("compute/backendService:BackendService", f"{name}-backend-service").inputs
    assert backend["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    assert backend["protocol"] == protocol
    assert backend["healthChecks"] == f"projects/acme-dev/global/healthChecks/iapgen-dev-{name}"
    neg = json.loads(plan.one("core/v1:Service", f"{name}-service").inputs["metadata"]["annotations"][
        "cloud.google.com/neg"])["exposed_ports"][str(port)]["name"]
    assert backend["backends"] == [
        {"group": f"projects/acme-dev/zones/{zone}/networkEndpointGroups/{neg}", "balancingMode": "RATE",
         "maxRatePerEndpoint": 1, "capacityScaler": 1} for zone in ZONES]
    assert backend["iap"] == {"enabled": True}
    assert "portName" not in backend  # a named port is for instance groups


def test_neg_wait_covers_every_zone_of_the_annotation_name(plan: Plan) -> None:
    wait = plan.one("NegReady", "argocd-neg-ready").inputs
    assert (wait["negName"], wait["zones"], wait["namespace"], wait["service"], wait["waitSeconds"]) == (
        "iapgen-dev-argocd", ZONES, "argocd", "argocd", 900)
    assert plan.one("NegReady", "argocd-neg-ready").parent == "argocd"


def test_wait_follows_stack_config(plan_for: PlanFor) -> None:
    plan = plan_for(standalone_spec(), config={"iapgen:backendWaitSeconds": "120"})
    assert plan.one("NegReady", "argocd-neg-ready").inputs["waitSeconds"] == 120


def test_one_iap_member_per_principal_on_its_backend(plan: Plan) -> None:
    members = plan.of_type("webBackendServiceIamMember:WebBackendServiceIamMember")
    by_backend: dict[str, set[str]] = {}
    for m in members:
        assert m.inputs["role"] == "roles/iap.httpsResourceAccessor"
        by_backend.setdefault(m.inputs["webBackendService"], set()).add(m.inputs["member"])
    assert by_backend == {
        "iapgen-dev-argocd": {"group:eng@acme.example"},
        "iapgen-dev-gradio": {"group:eng@acme.example", "user:bob@acme.example"},
        "iapgen-dev-orders": {"group:eng@acme.example"},
    }


def test_iap_off_means_no_members_and_iap_disabled(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    spec["services"][0]["iap"] = {"enabled": False, "reason": "public status page"}
    plan = plan_for(spec)
    assert plan.one("BackendService", "argocd-backend-service").inputs["iap"] == {"enabled": False}
    assert not [m for m in plan.of_type("WebBackendServiceIamMember")
                if m.inputs["webBackendService"] == "iapgen-dev-argocd"]


def test_custom_oauth_client_goes_on_the_backend_as_a_secret(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "123-abc.apps.googleusercontent.com"
    plan = plan_for(spec, config={"iapgen:oauthClientSecret": "s3cret-value"})
    # The secret makes the whole iap block secret (Pulumi marks the containing input): plan.json shows its shape,
    # `enabled` and the public client id, and masks the secret field.
    assert plan.one("BackendService", "argocd-backend-service").inputs["iap"] == {
        "enabled": True, "oauth2ClientId": "123-abc.apps.googleusercontent.com", "oauth2ClientSecret": "[secret]"}
    assert "s3cret-value" not in json.dumps([r.inputs for r in plan.resources])
    assert not plan.of_type("core/v1:Secret")  # no Kubernetes Secret: nothing in the cluster reads it


def test_the_oauth_client_secret_is_in_no_rendered_file(tmp_path: Path) -> None:
    spec = standalone_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "123-abc.apps.googleusercontent.com"
    path = write_spec(tmp_path, spec)
    (tmp_path / "Pulumi.yaml").write_text("name: iapgen\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret: s3cret-value\n")
    rendered = render(str(path), "dev")
    assert '"oauth2ClientSecret": "[secret]"' in rendered.files["plan.json"]
    assert not [name for name, text in rendered.files.items() if "s3cret-value" in text]


def test_project_wide_members_are_granted_once_on_the_project(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    spec["environments"]["dev"]["iap"]["projectWide"] = True
    plan = plan_for(spec)
    assert [m.inputs["member"] for m in plan.of_type("webIamMember:WebIamMember")] == ["group:eng@acme.example"]
    assert {m.inputs["member"] for m in plan.of_type("WebBackendServiceIamMember")} == {"user:bob@acme.example"}


def test_url_map_routes_each_host_to_its_own_backend(plan: Plan) -> None:
    url_map = plan.one("compute/uRLMap:URLMap", "dev/standalone-frontend-url-map").inputs
    matchers = {m["name"]: m["defaultService"] for m in url_map["pathMatchers"]}
    routes = {rule["hosts"][0]: matchers[rule["pathMatcher"]] for rule in url_map["hostRules"]}
    assert routes == {f"{n}.dev.acme.example": f"projects/acme-dev/global/backendServices/iapgen-dev-{n}"
                      for n in ("argocd", "gradio", "orders")}
    # Unlisted hosts reach no app: a redirect to a reserved, never-resolving name, not a backend.
    assert "defaultService" not in url_map and url_map["defaultUrlRedirect"]["hostRedirect"].endswith(".invalid")


def test_https_proxy_forwarding_rules_and_redirect(plan: Plan) -> None:
    proxy = plan.one("targetHttpsProxy:TargetHttpsProxy", "dev/standalone-frontend-https-proxy").inputs
    assert proxy["urlMap"] == "projects/acme-dev/global/urlMaps/iapgen-dev"
    assert proxy["certificateMap"] == ("//certificatemanager.googleapis.com/projects/acme-dev/locations/global/"
                                       "certificateMaps/iapgen-dev")
    rules = {r.inputs["portRange"]: r.inputs for r in plan.of_type("GlobalForwardingRule")}
    assert set(rules) == {"443", "80"}
    assert {r["ipAddress"] for r in rules.values()} == {"projects/acme-dev/global/addresses/iapgen-dev"}
    assert {r["loadBalancingScheme"] for r in rules.values()} == {"EXTERNAL_MANAGED"}
    assert rules["443"]["target"] == "projects/acme-dev/global/targetHttpsProxies/iapgen-dev"
    assert rules["80"]["target"] == "projects/acme-dev/global/targetHttpProxies/iapgen-dev-http-redirect"
    redirect = plan.one("URLMap", "dev/standalone-frontend-http-redirect").inputs
    assert redirect["defaultUrlRedirect"]["httpsRedirect"] is True and "hostRules" not in redirect


def test_firewall_admits_google_ranges_to_each_target_port(plan: Plan) -> None:
    firewall = plan.one("compute/firewall:Firewall", "dev/standalone-frontend-health-check-firewall").inputs
    assert firewall["network"] == "gke-vpc" and firewall["direction"] == "INGRESS"
    assert firewall["sourceRanges"] == ["35.191.0.0/16", "130.211.0.0/22"]
    assert firewall["allows"] == [{"protocol": "tcp", "ports": ["7860", "8080", "8443"]}]
    # only the cluster's nodes: an untargeted rule opens the ports on every VM of the network
    assert firewall["targetTags"] == ["gke-apps-node"] and "targetServiceAccounts" not in firewall


def test_firewall_targets_the_nodes_service_account(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    spec["environments"]["dev"]["nodes"] = {"serviceAccount": "nodes@acme-dev.iam.gserviceaccount.com"}
    firewall = plan_for(spec).one("compute/firewall:Firewall", "dev/standalone-frontend-health-check-firewall").inputs
    assert firewall["targetServiceAccounts"] == ["nodes@acme-dev.iam.gserviceaccount.com"]
    assert "targetTags" not in firewall


def test_no_services_means_no_firewall_rule(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    spec["services"] = []
    assert not plan_for(spec).of_type("Firewall")  # an allow rule without ports would admit every port


def test_one_certificate_and_map_entry_per_host(plan: Plan) -> None:
    entries = {e.inputs["hostname"] for e in plan.of_type("CertificateMapEntry")}
    assert entries == {f"{n}.dev.acme.example" for n in ("argocd", "gradio", "orders")}
    assert len(plan.of_type("certificatemanager/certificate:Certificate")) == 3


def test_outputs_audience_from_the_generated_id_and_log_query_from_the_negs(plan: Plan) -> None:
    outputs = plan.run.outputs
    argocd = outputs["services"]["argocd"]
    assert argocd["iapAudience"] == "/projects/123/global/backendServices/42"
    assert argocd["healthCheckLogQuery"] == "negs of iapgen-dev-argocd"
    assert (argocd["backendService"], argocd["healthCheck"], argocd["neg"]) == ("iapgen-dev-argocd",) * 3
    assert argocd["zones"] == ZONES and argocd["url"] == "https://argocd.dev.acme.example/"
    assert outputs["loadBalancer"] == "standalone"
    assert {a["name"] for a in outputs["addresses"].values()} == {"iapgen-dev"}


def test_names_are_unique_and_children_parented(plan: Plan) -> None:
    counts = Counter((r.type, r.name) for r in plan.resources)
    assert max(counts.values()) == 1
    assert len({r.name for r in plan.resources}) == len(plan.resources)
    assert all(r.parent for r in plan.resources if r.custom)


def test_rendered_kubernetes_objects_pass_the_official_schemas(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, standalone_spec())
    rendered = render(str(spec), "dev")
    write(tmp_path / "out", rendered.files)
    report = validate_manifests(tmp_path / "out" / "k8s")
    assert report["documents"] == 3 and report["invalid"] == 0, report["findings"]


def test_ingress_environments_are_unchanged_by_a_standalone_one(plan_for: PlanFor) -> None:
    spec = standalone_spec()
    prod = plan_for(spec, env="prod")
    assert prod.of_type("BackendConfig") and prod.of_type("Ingress") and not prod.of_type("NegReady")


def test_backend_iap_names_the_custom_client_only_when_iap_is_on(tmp_path: Path) -> None:
    import pulumi

    from components.standalone.negbackend import backend_iap
    from iapgen.spec.validate import load_spec

    spec = standalone_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "123-abc.apps.googleusercontent.com"
    spec["services"][1]["iap"] = {"enabled": False, "reason": "public demo"}
    exposures = {e.service.name: e for e in load_spec(write_spec(tmp_path, spec)).exposures["dev"]}
    secret = pulumi.Output.secret("s3cret")
    on = backend_iap(exposures["argocd"], secret)
    assert (on.enabled, on.oauth2_client_id, on.oauth2_client_secret) == (
        True, "123-abc.apps.googleusercontent.com", secret)
    off = backend_iap(exposures["gradio"], secret)
    assert (off.enabled, off.oauth2_client_id, off.oauth2_client_secret) == (False, None, None)
    managed = backend_iap(exposures["orders"], None)
    assert (managed.enabled, managed.oauth2_client_id) == (True, None)
