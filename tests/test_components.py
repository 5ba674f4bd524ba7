"""What each resource receives, recorded by the Pulumi mocks (inputs arrive camelCase)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Plan, base_spec, service

PlanFor = Callable[..., Plan]


def annotations(registration: Any) -> dict[str, str]:
    return registration.inputs["metadata"]["annotations"]


@pytest.fixture
def three_protocols() -> dict[str, Any]:
    spec = base_spec()
    spec["services"] += [
        service("grafana", namespace="monitoring", port=80, targetPort=3000, protocol="HTTP",
                healthCheck={"path": "/api/health", "checkIntervalSec": 10, "timeoutSec": 4,
                             "healthyThreshold": 2, "unhealthyThreshold": 5}),
        service("orders", namespace="orders", port=443, targetPort=8443, protocol="HTTP2",
                healthCheck={"path": "/readyz"}),
    ]
    return spec


@pytest.mark.parametrize(("name", "port", "target", "protocol"), [
    ("argocd", 443, 8080, "HTTPS"), ("grafana", 80, 3000, "HTTP"), ("orders", 443, 8443, "HTTP2")])
def test_service_has_one_named_port_and_gke_annotations(plan_for: PlanFor, three_protocols: dict[str, Any],
                                                        name: str, port: int, target: int, protocol: str) -> None:
    svc = plan_for(three_protocols).one("core/v1:Service", f"{name}-service")
    spec = svc.inputs["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["ports"] == [{"name": protocol.lower(), "port": port, "targetPort": target, "protocol": "TCP"}]
    notes = annotations(svc)
    # app-protocols is keyed by the port *name*; GKE ignores numeric keys.
    assert json.loads(notes["cloud.google.com/app-protocols"]) == {protocol.lower(): protocol}
    assert json.loads(notes["cloud.google.com/neg"]) == {"ingress": True}
    assert json.loads(notes["cloud.google.com/backend-config"]) == {"default": name}
    assert "service.alpha.kubernetes.io/app-protocols" not in notes
    assert "appProtocol" not in spec["ports"][0]
    assert svc.inputs["metadata"]["namespace"] == three_protocols["services"][
        [s["name"] for s in three_protocols["services"]].index(name)]["namespace"]


def test_service_selects_the_spec_selector(plan_for: PlanFor) -> None:
    svc = plan_for(base_spec()).one("core/v1:Service", "argocd-service")
    assert svc.inputs["spec"]["selector"] == {"app.kubernetes.io/name": "argocd-server"}


@pytest.mark.parametrize(("name", "expected"), [
    ("argocd", {"type": "HTTPS", "port": 8080, "requestPath": "/healthz", "checkIntervalSec": 15,
                "timeoutSec": 5, "healthyThreshold": 1, "unhealthyThreshold": 2}),
    ("grafana", {"type": "HTTP", "port": 3000, "requestPath": "/api/health", "checkIntervalSec": 10,
                 "timeoutSec": 4, "healthyThreshold": 2, "unhealthyThreshold": 5}),
    ("orders", {"type": "HTTP2", "port": 8443, "requestPath": "/readyz", "checkIntervalSec": 15,
                "timeoutSec": 5, "healthyThreshold": 1, "unhealthyThreshold": 2}),
])
def test_backendconfig_health_check_matches_the_backend(plan_for: PlanFor, three_protocols: dict[str, Any],
                                                        name: str, expected: dict[str, Any]) -> None:
    config = plan_for(three_protocols).one("cloud.google.com/v1:BackendConfig", f"{name}-backendconfig")
    assert config.inputs["apiVersion"] == "cloud.google.com/v1"
    assert config.inputs["metadata"]["name"] == name
    assert config.inputs["spec"]["healthCheck"] == expected
    assert config.inputs["spec"]["iap"] == {"enabled": True}
    # request logging (the spec's requestLogging, every request by default) is not health-check logging
    assert config.inputs["spec"]["logging"] == {"enable": True, "sampleRate": 1}


def test_backendconfig_iap_off_when_disabled_with_reason(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"][0]["iap"] = {"enabled": False, "reason": "public status page"}
    config = plan_for(spec).one("BackendConfig", "argocd-backendconfig")
    assert config.inputs["spec"]["iap"] == {"enabled": False}


def test_frontend_static_ip_certificate_redirect_and_ingress(plan_for: PlanFor) -> None:
    plan = plan_for(base_spec())
    address = plan.one("compute/globalAddress:GlobalAddress", "argocd/frontend-address")
    assert address.inputs["name"] == "iapgen-dev-argocd"
    assert address.inputs["project"] == "acme-dev"
    assert address.inputs["addressType"] == "EXTERNAL"
    assert address.inputs["ipVersion"] == "IPV4"

    cert = plan.one("networking.gke.io/v1:ManagedCertificate", "argocd/frontend-argocd-certificate")
    assert cert.inputs["spec"] == {"domains": ["argocd.dev.acme.example"]}

    redirect = plan.one("networking.gke.io/v1beta1:FrontendConfig", "argocd/frontend-https-redirect")
    assert redirect.inputs["spec"]["redirectToHttps"]["enabled"] is True

    ingress = plan.one("networking.k8s.io/v1:Ingress", "argocd/frontend-ingress")
    notes = annotations(ingress)
    assert notes["kubernetes.io/ingress.class"] == "gce"
    assert "ingressClassName" not in ingress.inputs["spec"]  # GKE ignores Ingresses selected that way
    assert notes["kubernetes.io/ingress.global-static-ip-name"] == address.inputs["name"]
    assert notes["networking.gke.io/managed-certificates"] == cert.inputs["metadata"]["name"]
    assert notes["networking.gke.io/v1beta1.FrontendConfig"] == redirect.inputs["metadata"]["name"]
    assert ingress.inputs["spec"]["rules"] == [{
        "host": "argocd.dev.acme.example",
        "http": {"paths": [{"path": "/", "pathType": "Prefix",
                            "backend": {"service": {"name": "argocd", "port": {"number": 443}}}}]},
    }]
    for obj in (cert, redirect, ingress):
        assert obj.inputs["metadata"]["namespace"] == "argocd"


def test_services_of_one_namespace_share_one_ingress(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"].append(service("dex", namespace="argocd", port=5556, targetPort=5556, protocol="HTTP"))
    plan = plan_for(spec)
    ingresses = plan.of_type("Ingress")
    assert len(ingresses) == 1
    assert len(plan.of_type("GlobalAddress")) == 1
    rules = ingresses[0].inputs["spec"]["rules"]
    assert [(r["host"], r["http"]["paths"][0]["backend"]["service"]) for r in rules] == [
        ("argocd.dev.acme.example", {"name": "argocd", "port": {"number": 443}}),
        ("dex.dev.acme.example", {"name": "dex", "port": {"number": 5556}}),
    ]
    assert annotations(ingresses[0])["networking.gke.io/managed-certificates"] == "argocd,dex"


def test_separate_namespaces_get_separate_load_balancers(plan_for: PlanFor, three_protocols: dict[str, Any]) -> None:
    plan = plan_for(three_protocols)
    assert sorted(r.inputs["name"] for r in plan.of_type("GlobalAddress")) == [
        "iapgen-dev-argocd", "iapgen-dev-monitoring", "iapgen-dev-orders"]


def test_components_parent_their_children_and_names_are_unique(plan_for: PlanFor,
                                                              three_protocols: dict[str, Any]) -> None:
    plan = plan_for(three_protocols)
    components = {r.name: r.type for r in plan.resources if not r.custom}
    # plan.json names parents by logical name, so component names must be unique across types
    assert len(components) == sum(1 for r in plan.resources if not r.custom)
    assert set(components.values()) == {"iapgen:backend:Backend", "iapgen:frontend:Frontend",
                                        "iapgen:lbbackend:LoadBalancerBackend", "iapgen:apis:ProjectApis"}
    for r in plan.resources:
        if r.custom:
            assert r.parent in components, r
        else:
            assert r.parent is None, r
    assert plan.one("Service", "grafana-service").parent == "grafana"
    assert plan.one("Ingress", "monitoring/frontend-ingress").parent == "monitoring/frontend"
    counts = Counter((r.type, r.name) for r in plan.resources)
    assert [k for k, n in counts.items() if n > 1] == []
    k8s_names = Counter((r.inputs["kind"], r.inputs["metadata"].get("namespace"), r.inputs["metadata"]["name"])
                        for r in plan.resources if r.type.startswith("kubernetes:"))
    assert [k for k, n in k8s_names.items() if n > 1] == []


def test_prod_applies_overrides(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"][0]["overrides"] = {"prod": {"host": "argocd.acme.example", "targetPort": 9443,
                                                 "healthCheck": {"checkIntervalSec": 30}}}
    plan = plan_for(spec, env="prod")
    cert = plan.one("ManagedCertificate", "argocd/frontend-argocd-certificate")
    assert cert.inputs["spec"]["domains"] == ["argocd.acme.example"]
    hc = plan.one("BackendConfig", "argocd-backendconfig").inputs["spec"]["healthCheck"]
    assert (hc["port"], hc["checkIntervalSec"], hc["requestPath"]) == (9443, 30, "/healthz")
    assert plan.one("Service", "argocd-service").inputs["spec"]["ports"][0]["targetPort"] == 9443
    assert plan.one("GlobalAddress", "argocd/frontend-address").inputs["project"] == "acme-prod"
    dev = plan_for(spec, env="dev")
    assert dev.one("BackendConfig", "argocd-backendconfig").inputs["spec"]["healthCheck"]["port"] == 8080


def test_stack_outputs_name_each_service(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"][0]["iap"] = {"members": ["user:alice@acme.example", "group:eng@acme.example"]}
    outputs = plan_for(spec).run.outputs
    argocd = outputs["services"]["argocd"]
    assert argocd["url"] == "https://argocd.dev.acme.example/"
    assert argocd["service"] == "argocd" and argocd["backendConfig"] == "argocd"
    # environment members first, then the service's, each once
    assert argocd["iapMembers"] == ["group:eng@acme.example", "user:alice@acme.example"]
    assert outputs["addresses"]["argocd"]["name"] == "iapgen-dev-argocd"
    assert outputs["environment"] == "dev" and outputs["project"] == "acme-dev"


# --- the controller's backend: health-check logging and IAP bindings ------------------------


def iam_members(plan: Plan, service: str) -> list[Any]:
    return [r for r in plan.of_type("WebBackendServiceIamMember") if r.parent == f"{service}/lb"]


def test_each_service_gets_one_logging_resource_and_one_binding_per_principal(plan_for: PlanFor,
                                                                              three_protocols: dict[str, Any]) -> None:
    three_protocols["services"][0]["iap"] = {"members": ["user:alice@acme.example", "group:eng@acme.example"]}
    plan = plan_for(three_protocols)
    for entry in three_protocols["services"]:
        name = entry["name"]
        logging = [r for r in plan.of_type(":HealthCheckLogging") if r.parent == f"{name}/lb"]
        assert len(logging) == 1
        assert {k: logging[0].inputs[k] for k in ("project", "namespace", "service", "port", "portName")} == {
            "project": "acme-dev", "namespace": entry["namespace"], "service": name, "port": entry["port"],
            "portName": entry["protocol"].lower()}
        members = iam_members(plan, name)
        expected = list(dict.fromkeys(["group:eng@acme.example", *entry.get("iap", {}).get("members", [])]))
        assert sorted(m.inputs["member"] for m in members) == sorted(expected)  # env + own, each once
        backend = f"k8s1-0000abcd-{entry['namespace']}-{name}-{entry['port']}-00000000"
        for member in members:
            assert member.inputs["role"] == "roles/iap.httpsResourceAccessor"
            assert member.inputs["webBackendService"] == backend  # this service's backend, not the project
            assert member.inputs["project"] == "acme-dev"
    assert plan.of_type("WebIamMember") == [] and plan.of_type("WebTypeComputeIamMember") == []


def test_removing_a_member_removes_exactly_that_binding(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"][0]["iap"] = {"members": ["user:alice@acme.example", "user:bob@acme.example"]}
    before = {r.name: r.inputs["member"] for r in iam_members(plan_for(spec), "argocd")}
    spec["services"][0]["iap"]["members"] = ["user:bob@acme.example"]
    after = {r.name: r.inputs["member"] for r in iam_members(plan_for(spec), "argocd")}
    assert set(before) - set(after) == {n for n, m in before.items() if m == "user:alice@acme.example"}
    assert set(after) <= set(before)  # the others keep their logical names: no replacement


def test_iap_off_binds_nobody_but_keeps_logging(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["services"][0]["iap"] = {"enabled": False, "reason": "public status page"}
    plan = plan_for(spec)
    assert iam_members(plan, "argocd") == []
    assert len(plan.of_type(":HealthCheckLogging")) == 1


def test_project_wide_only_when_asked(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["environments"]["dev"]["iap"]["projectWide"] = True
    spec["services"][0]["iap"] = {"members": ["user:alice@acme.example"]}
    plan = plan_for(spec)
    project_wide = plan.of_type("iap/webIamMember:WebIamMember")
    assert [(r.inputs["member"], r.inputs["role"], r.inputs["project"]) for r in project_wide] == [
        ("group:eng@acme.example", "roles/iap.httpsResourceAccessor", "acme-dev")]
    assert [r.inputs["member"] for r in iam_members(plan, "argocd")] == ["user:alice@acme.example"]


def test_custom_oauth_client(plan_for: PlanFor) -> None:
    spec = base_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    plan = plan_for(spec, config={"iapgen:oauthClientSecret": "GOCSPX-very-secret-value"})
    secret = plan.one("core/v1:Secret", "argocd/frontend-oauth-secret")
    assert secret.inputs["metadata"]["name"] == "iapgen-oauth" and secret.inputs["metadata"]["namespace"] == "argocd"
    # the whole map is secret: its keys show, every value masked, client_id included
    assert secret.inputs["stringData"] == {"client_id": "[secret]", "client_secret": "[secret]"}
    config = plan.one("BackendConfig", "argocd-backendconfig").inputs["spec"]["iap"]
    assert config == {"enabled": True, "oauthclientCredentials": {"secretName": "iapgen-oauth"}}
    from iapgen.render.command import plan as plan_json
    assert "GOCSPX-very-secret-value" not in json.dumps(plan_json(plan.run))


def test_custom_oauth_client_needs_the_secret_config(tmp_path: Any) -> None:
    from tests.conftest import offline_build, write_spec
    spec = base_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    with pytest.raises(Exception) as caught:
        offline_build(write_spec(tmp_path, spec))
    assert "[OAUTH_SECRET_MISSING]" in str(caught.value)
    assert "pulumi config set --secret iapgen:oauthClientSecret" in str(caught.value)
