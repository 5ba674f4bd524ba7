"""The policy pack on real renders and on hand-written Pulumi resources, unknown values, and the PolicyPack the
pack's __main__.py builds (its gRPC server is never started)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as policy_module

from iapgen.policy.coverage import STACK_RULES, judged_rules
from iapgen.render.command import render, write
from tests.conftest import REPO
from tests.pulumi_resources import UNKNOWN, Res, from_plan, run_pack

HC = "gcp:compute/healthCheck:HealthCheck"
BACKEND = "gcp:compute/backendService:BackendService"
NEG = "projects/acme/zones/europe-west1-b/networkEndpointGroups/web"


@pytest.mark.parametrize("env", ["dev", "staging", "prod", "edge"])
def test_every_bundled_render_passes_the_pack(env: str, tmp_path: Path) -> None:
    write(tmp_path, render(str(REPO / "services.yaml"), env).files)
    resources = from_plan(tmp_path / "plan.json")
    assert len(resources) > 10
    assert run_pack(resources) == []


def test_a_seeded_mistake_in_a_render_is_caught_with_its_rule_id(tmp_path: Path) -> None:
    write(tmp_path, render(str(REPO / "services.yaml"), "staging").files)
    resources = from_plan(tmp_path / "plan.json")
    for _, _, props in resources:
        props.pop("logConfig", None)  # health checks without logging
        if "iap" in props:
            props["iap"] = {"enabled": False}
    found = {(v.policy, v.message.split(":")[0], v.enforcement) for v in run_pack(resources)}
    assert found == {("GCP_HC_LOGGING_OFF", "GCP_HC_LOGGING_OFF", "advisory"),
                     ("GCP_BACKEND_IAP_OFF", "GCP_BACKEND_IAP_OFF", "advisory")}


def health_check(**fields: Any) -> Res:
    return (HC, "web-hc", {"name": "web", "logConfig": {"enable": True},
                           "httpHealthCheck": {"portSpecification": "USE_SERVING_PORT"}, **fields})


def backend(**fields: Any) -> Res:
    return (BACKEND, "web-backend", {"name": "web", "protocol": "HTTP", "loadBalancingScheme": "EXTERNAL_MANAGED",
                                     "iap": {"enabled": True}, "healthChecks": "projects/acme/global/healthChecks/web",
                                     "backends": [{"group": NEG, "balancingMode": "RATE", "maxRatePerEndpoint": 1}],
                                     **fields})


def violations(resources: list[Res]) -> list[tuple[str, str]]:
    return sorted((v.policy, v.message) for v in run_pack(resources))


def test_hand_written_gcp_resources() -> None:
    assert violations([health_check(), backend()]) == []
    found = violations([health_check(logConfig={"enable": False}, httpsHealthCheck={}),
                        backend(backends=[{"group": NEG}], iap=None),
                        ("gcp:iap/webBackendServiceIamBinding:WebBackendServiceIamBinding", "grant",
                         {"webBackendService": "web", "role": "roles/iap.httpsResourceAccessor",
                          "members": ["group:eng@acme.example", "allAuthenticatedUsers"]})])
    assert [rule for rule, _ in found] == ["GCP_BACKEND_IAP_OFF", "GCP_HC_LOGGING_OFF", "GCP_HC_ONE_BLOCK",
                                           "GCP_NEG_BACKEND_RATE", "IAP_PUBLIC_MEMBER"]
    assert "WebBackendServiceIamBinding grant: allAuthenticatedUsers would let anyone through IAP" in found[-1][1]
    https = health_check(httpsHealthCheck={"portSpecification": "USE_SERVING_PORT"})
    del https[2]["httpHealthCheck"]
    assert violations([https, backend()]) == [("HC_PROTOCOL_MISMATCH", "HC_PROTOCOL_MISMATCH: HealthCheck web: "
                                               "health check web is HTTPS but the server speaks HTTP on targetPort; "
                                               "a HTTPS probe against a HTTP server fails and the backend turns "
                                               "UNHEALTHY: use HTTP or omit it")]


SERVICE = {"metadata": {"name": "web", "namespace": "web", "annotations": {
    "cloud.google.com/neg": '{"ingress": true}', "cloud.google.com/backend-config": '{"default": "web"}'}},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
BACKEND_CONFIG = {"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig",
                  "metadata": {"name": "web", "namespace": "web"},
                  "spec": {"healthCheck": {"type": "HTTP", "requestPath": "/healthz", "port": 8080}}}


@pytest.mark.parametrize("token", ["kubernetes:cloud.google.com/v1:BackendConfig"])
def test_kubernetes_resources_typed_custom_or_from_yaml(token: str) -> None:
    # A typed Service carries no apiVersion/kind of its own in the inputs a program passes; a CustomResource
    # (and every object of ConfigFile/ConfigGroup) is typed kubernetes:<apiVersion>:<kind>.
    service: Res = ("kubernetes:core/v1:Service", "web", SERVICE)
    config: Res = (token, "web-bc", BACKEND_CONFIG)
    components: list[Res] = [("kubernetes:yaml/v2:ConfigFile", "manifests", {"file": "web.yaml"}),
                             ("kubernetes:core/v1:ServicePatch", "patch", {"metadata": {"name": "x"}})]
    assert violations([service, config, *components]) == []
    assert violations([service]) == []  # its BackendConfig may come from another stack, as lint judges it
    typo = {**BACKEND_CONFIG, "metadata": {"name": "webb", "namespace": "web"}}
    missing = violations([service, (token, "web-bc", typo)])
    assert [rule for rule, _ in missing] == ["BACKENDCONFIG_NOT_FOUND"] and "did you mean 'webb'" in missing[0][1]
    assert missing[0][1].startswith("BACKENDCONFIG_NOT_FOUND: Service web/web: ")
    wrong = {**BACKEND_CONFIG, "spec": {"healthCheck": {"type": "HTTP", "timeoutSec": 30, "checkIntervalSec": 10}}}
    assert [rule for rule, _ in violations([service, (token, "web-bc", wrong)])] == ["HC_TIMEOUT_GT_INTERVAL"]


def test_a_resource_named_by_pulumi_is_judged_under_its_pulumi_name() -> None:
    service = {**SERVICE, "metadata": {k: v for k, v in SERVICE["metadata"].items() if k != "name"}}
    config = {**BACKEND_CONFIG, "metadata": {"namespace": "web"}}
    assert violations([("kubernetes:core/v1:Service", "web", service),
                       ("kubernetes:cloud.google.com/v1:BackendConfig", "web", config)]) == []


# --- values unknown during preview ---------------------------------------------------------------------


def test_unknown_values_never_produce_a_violation() -> None:
    # Each would be a violation if the unknown value turned out wrong; none is reported during preview.
    assert violations([health_check(logConfig=UNKNOWN), backend(iap=UNKNOWN)]) == []
    assert violations([health_check(logConfig={"enable": UNKNOWN}), backend(backends=UNKNOWN)]) == []
    assert violations([backend(backends=[{"group": NEG, "balancingMode": UNKNOWN}])]) == []
    annotations = {**SERVICE["metadata"]["annotations"], "cloud.google.com/backend-config": UNKNOWN}
    service = {**SERVICE, "metadata": {**SERVICE["metadata"], "annotations": annotations}}
    assert violations([("kubernetes:core/v1:Service", "web", service)]) == []
    config = {**BACKEND_CONFIG, "metadata": {"name": UNKNOWN, "namespace": "web"}}
    assert violations([("kubernetes:core/v1:Service", "web", SERVICE),
                       ("kubernetes:cloud.google.com/v1:BackendConfig", "web-bc", config)]) == []


def test_a_violation_decided_by_known_values_is_still_reported_beside_unknown_ones() -> None:
    found = violations([health_check(description=UNKNOWN, timeoutSec=UNKNOWN, logConfig=None)])
    assert [rule for rule, _ in found] == ["GCP_HC_LOGGING_OFF"]
    grant = ("gcp:iap/webBackendServiceIamMember:WebBackendServiceIamMember", "grant",
             {"webBackendService": UNKNOWN, "role": "roles/iap.httpsResourceAccessor", "member": "allUsers"})
    assert [rule for rule, _ in violations([grant])] == ["IAP_PUBLIC_MEMBER"]


# --- the pack itself --------------------------------------------------------------------------------------


@pytest.fixture
def servicer(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The analyzer PolicyPack(...) in policy/__main__.py serves, caught before its server starts."""
    caught: list[Any] = []

    class NoServer:
        def add_insecure_port(self, address: str) -> int:
            return 0

        def start(self) -> None:
            raise KeyboardInterrupt  # PolicyPack stops serving on it

        def stop(self, grace: Any) -> None:
            pass

    monkeypatch.setattr(policy_module.grpc, "server", lambda *a, **k: NoServer())
    monkeypatch.setattr(policy_module.analyzer_pb2_grpc, "add_AnalyzerServicer_to_server",
                        lambda servicer, server: caught.append(servicer))
    with pytest.raises(KeyboardInterrupt):
        runpy.run_path(str(REPO / "policy" / "__main__.py"), run_name="__main__")
    assert len(caught) == 1
    return caught[0]


def test_the_pack_has_a_policy_per_judged_rule_at_its_severity(servicer: Any) -> None:
    info = servicer.GetAnalyzerInfo(None, None)
    assert info.name == "iapgen"
    levels = {p.name: (p.enforcementLevel, p.policy_type) for p in info.policies}
    expected = {rule.id: (analyzer_pb2.MANDATORY if rule.severity == "error" else analyzer_pb2.ADVISORY,
                          analyzer_pb2.POLICY_TYPE_STACK if rule.id in STACK_RULES
                          else analyzer_pb2.POLICY_TYPE_RESOURCE) for rule in judged_rules()}
    assert levels == expected
    assert levels["IAP_PUBLIC_MEMBER"][0] == analyzer_pb2.MANDATORY
    assert levels["GCP_HC_LOGGING_OFF"][0] == analyzer_pb2.ADVISORY


def _analyze(servicer: Any, resource: Res) -> list[tuple[str, int]]:
    props = struct_pb2.Struct()
    props.update(json.loads(json.dumps(resource[2])))
    request = analyzer_pb2.AnalyzeRequest(type=resource[0], name=resource[1], urn=f"urn:{resource[1]}",
                                          properties=props)
    return sorted((d.policyName, d.enforcementLevel) for d in servicer.Analyze(request, None).diagnostics)


def test_config_changes_enforcement_and_turns_policies_off(servicer: Any) -> None:
    bad = health_check(logConfig=None, httpsHealthCheck={})
    assert _analyze(servicer, bad) == [("GCP_HC_LOGGING_OFF", analyzer_pb2.ADVISORY),
                                       ("GCP_HC_ONE_BLOCK", analyzer_pb2.MANDATORY)]
    # what `--policy-pack-config` with {"GCP_HC_LOGGING_OFF": "mandatory", "GCP_HC_ONE_BLOCK": "disabled"} sends
    config = {"GCP_HC_LOGGING_OFF": analyzer_pb2.MANDATORY, "GCP_HC_ONE_BLOCK": analyzer_pb2.DISABLED}
    servicer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        name: analyzer_pb2.PolicyConfig(enforcementLevel=level) for name, level in config.items()}), None)
    assert _analyze(servicer, bad) == [("GCP_HC_LOGGING_OFF", analyzer_pb2.MANDATORY)]


def test_the_engine_sending_an_unknown_value_gets_no_violation(servicer: Any) -> None:
    # The sentinel the engine sends through gRPC for an unknown string: the real deserializing path.
    assert _analyze(servicer, health_check(logConfig={"enable": UNKNOWN})) == []
    assert _analyze(servicer, health_check(logConfig={"enable": False})) == [
        ("GCP_HC_LOGGING_OFF", analyzer_pb2.ADVISORY)]
