"""`iapgen lint` on hand-written GKE Gateway objects: the cases the rules' bad/good examples do not cover."""

from __future__ import annotations

from pathlib import Path

import pytest

from iapgen.lint.command import lint
from iapgen.lint.examples import GATEWAY_SERVICE, backend_policy, gateway, health_check_policy, http_route

NAMESPACE_WEB = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels: {team: web}\n"


def found(tmp_path: Path, *documents: str) -> set[tuple[str, str]]:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join(documents))
    return {(f.rule, f.severity) for f in lint([str(path)]).findings}


@pytest.mark.parametrize(("selector", "documents", "expected"), [
    # by the immutable name label: decided without a Namespace object
    ("{matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [web]}]}", (), set()),
    ("{matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [api]}]}", (),
     {("ROUTE_NOT_ALLOWED", "error")}),
    ("{matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [web]}]}", (),
     {("ROUTE_NOT_ALLOWED", "error")}),
    ("{matchLabels: {kubernetes.io/metadata.name: web}}", (), set()),
    # by other labels: only with the Namespace among the inputs
    ("{matchLabels: {team: web}}", (NAMESPACE_WEB,), set()),
    ("{matchLabels: {team: api}}", (NAMESPACE_WEB,), {("ROUTE_NOT_ALLOWED", "error")}),
    ("{matchLabels: {team: api}}", (), set()),  # cannot tell: no finding
    ("{matchExpressions: [{key: team, operator: Exists}]}", (NAMESPACE_WEB,), set()),
    ("{matchExpressions: [{key: team, operator: DoesNotExist}]}", (NAMESPACE_WEB,), {("ROUTE_NOT_ALLOWED", "error")}),
])
def test_allowed_routes_selector(tmp_path: Path, selector: str, documents: tuple[str, ...],
                                 expected: set[tuple[str, str]]) -> None:
    allowed = f"{{namespaces: {{from: Selector, selector: {selector}}}}}"
    assert found(tmp_path, gateway(allowed), http_route(), *documents) == expected


def test_route_to_a_listener_that_admits_is_accepted_even_if_another_does_not(tmp_path: Path) -> None:
    two = gateway("{namespaces: {from: All}}") + "  - {name: http, protocol: HTTP, port: 80}\n"
    parent = "{name: iapgen, namespace: iapgen-gateway}"  # no sectionName: any listener may accept it
    assert found(tmp_path, two, http_route(parent=parent)) == set()
    only_http = "{name: iapgen, namespace: iapgen-gateway, sectionName: http}"
    assert found(tmp_path, two, http_route(parent=only_http)) == {("ROUTE_NOT_ALLOWED", "error")}


def test_route_in_the_gateways_namespace_is_admitted_by_same(tmp_path: Path) -> None:
    route = http_route(parent="{name: iapgen}").replace("namespace: web", "namespace: iapgen-gateway")
    assert found(tmp_path, gateway("{namespaces: {from: Same}}"), route) == set()


def test_backend_ref_without_port_is_rejected(tmp_path: Path) -> None:
    route = http_route().replace("{name: web, port: 443}", "{name: web}")
    assert found(tmp_path, GATEWAY_SERVICE, route) == {("ROUTE_BACKEND_PORT", "error")}


def test_the_oldest_backend_policy_wins_and_only_the_newer_is_reported(tmp_path: Path) -> None:
    def created(name: str, when: str) -> str:
        return backend_policy(name=name).replace("metadata: {", f"metadata: {{creationTimestamp: '{when}', ")

    older, newer = created("b-older", "2026-01-01T00:00:00Z"), created("a-newer", "2026-02-01T00:00:00Z")
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join([GATEWAY_SERVICE, newer, older]))
    findings = lint([str(path)]).findings
    assert [(f.rule, f.field) for f in findings] == [("BACKEND_POLICY_DUPLICATE", "GCPBackendPolicy web/a-newer")]


def test_policies_on_different_services_are_no_duplicates(tmp_path: Path) -> None:
    other = GATEWAY_SERVICE.replace("name: web,", "name: api,")
    assert found(tmp_path, GATEWAY_SERVICE, other, backend_policy(), backend_policy(name="api", target="api")) == set()


@pytest.mark.parametrize(("block", "rule"), [
    ("{portSpecification: USE_SERVING_PORT, port: 8080, requestPath: /healthz}", "HC_PORT_SPECIFICATION"),
    ("{portSpecification: USE_FIXED_PORT, requestPath: /healthz}", "HC_PORT_SPECIFICATION"),
    ("{portSpecification: USE_NAMED_PORT, portName: https, requestPath: /healthz}", "HC_PORT_SPECIFICATION"),
    ("{portName: https, requestPath: /healthz}", "HC_PORT_SPECIFICATION"),
    ("{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: healthz}", "HC_PATH"),
])
def test_health_check_policy_port_and_path(tmp_path: Path, block: str, rule: str) -> None:
    assert found(tmp_path, GATEWAY_SERVICE, health_check_policy(block)) == {(rule, "error")}


def test_serving_port_probe_is_fine(tmp_path: Path) -> None:
    block = "{portSpecification: USE_SERVING_PORT, requestPath: /healthz}"
    assert found(tmp_path, GATEWAY_SERVICE, health_check_policy(block)) == set()


@pytest.mark.parametrize(("extra", "rule"), [
    ("    timeoutSec: 10\n", "HC_TIMEOUT_GT_INTERVAL"),  # interval unset: HealthCheckPolicy's default is 5
    ("    checkIntervalSec: 20\n    timeoutSec: 30\n", "HC_TIMEOUT_GT_INTERVAL"),
    ("    healthyThreshold: 11\n", "HC_RANGE"),
])
def test_health_check_policy_timings(tmp_path: Path, extra: str, rule: str) -> None:
    assert found(tmp_path, GATEWAY_SERVICE, health_check_policy(extra=extra)) == {(rule, "error")}


def test_protocol_follows_app_protocol_and_unset_means_http(tmp_path: Path) -> None:
    plain = GATEWAY_SERVICE.replace(", appProtocol: HTTPS", "")
    assert found(tmp_path, plain, health_check_policy(hc_type="HTTP")) == set()
    assert found(tmp_path, plain, health_check_policy()) == {("HC_PROTOCOL_MISMATCH", "error")}


def test_a_probe_on_another_container_port_may_speak_another_protocol(tmp_path: Path) -> None:
    sidecar = "{portSpecification: USE_FIXED_PORT, port: 9090, requestPath: /healthz}"
    assert found(tmp_path, GATEWAY_SERVICE, health_check_policy(sidecar, hc_type="HTTP")) == set()


@pytest.mark.parametrize("value", ["true", "-1", "1000001", "'50%'"])
def test_sample_rate_out_of_range(tmp_path: Path, value: str) -> None:
    policy = backend_policy(f"{{logging: {{enabled: true, sampleRate: {value}}}}}")
    assert found(tmp_path, policy) == {("BACKEND_POLICY_SAMPLE_RATE", "error")}


def test_policy_targeting_a_service_in_another_namespace(tmp_path: Path) -> None:
    policy = health_check_policy().replace('name: web}', 'name: web, namespace: other}')
    assert found(tmp_path, GATEWAY_SERVICE, policy) == {("POLICY_TARGET_NOT_FOUND", "error")}
    core = health_check_policy().replace('group: ""', "group: core")
    assert found(tmp_path, GATEWAY_SERVICE, core) == {("POLICY_TARGET_NOT_FOUND", "error")}


def test_policy_whose_service_is_not_among_the_inputs_is_not_judged(tmp_path: Path) -> None:
    assert found(tmp_path, health_check_policy(target="elsewhere")) == set()


@pytest.mark.parametrize(("config", "fragment"), [
    ("{httpsHealthCheck: {requestPath: /healthz}}", "config has no type"),
    ("{type: HTTPS, httpsHealthCheck: {requestPath: /healthz}, httpHealthCheck: {requestPath: /}}",
     "needs exactly httpsHealthCheck"),
    ("{type: SSL, sslHealthCheck: {}}", "must be one of"),
])
def test_health_check_policy_config_shape(tmp_path: Path, config: str, fragment: str) -> None:
    policy = ("apiVersion: networking.gke.io/v1\nkind: HealthCheckPolicy\nmetadata: {name: web, namespace: web}\n"
              f"spec:\n  default: {{config: {config}}}\n  targetRef: {{group: '', kind: Service, name: web}}\n")
    path = tmp_path / "m.yaml"
    path.write_text(policy)
    messages = [f.message for f in lint([str(path)]).findings if f.rule == "HC_POLICY_CONFIG"]
    assert len(messages) == 1 and fragment in messages[0], messages
