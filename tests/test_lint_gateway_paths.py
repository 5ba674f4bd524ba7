"""`iapgen lint` on Gateway paths, with manifests shaped like real ones (written for these tests): Ingress-only
settings where only a Gateway reads, backendRefs to missing Services, transposed names, and the two rules that
are warnings when the inputs cannot make them certain (HC_PORT_SPECIFICATION, HC_TIMEOUT_GT_INTERVAL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iapgen.examplekit import GATEWAY_SERVICE, backend_policy, gateway, health_check_policy, http_route, ingress
from iapgen.lint.command import lint


def found(tmp_path: Path, *documents: str, files: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join(documents))
    names = [str(path)]
    for i, text in enumerate(files):
        (tmp_path / f"other{i}.yaml").write_text(text)
        names.append(str(tmp_path / f"other{i}.yaml"))
    return {(f.rule, f.severity) for f in lint(names).findings}


WITH_BACKEND_CONFIG = GATEWAY_SERVICE.replace(
    "metadata: {name: web, namespace: web}",
    "metadata:\n  name: web\n  namespace: web\n  annotations:\n"
    "    cloud.google.com/backend-config: '{\"default\": \"web\"}'")
BACKEND_CONFIG = ("apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: web, namespace: web}\n"
                  "spec:\n  healthCheck: {requestPath: /healthz, port: 8080}\n  iap: {enabled: true}\n")


# --------------------------------------------------------------------------- Ingress settings on Gateway paths
def test_backend_config_on_a_service_only_routes_reach(tmp_path: Path) -> None:
    def ingress_setting(*documents: str) -> set[tuple[str, str]]:
        return {f for f in found(tmp_path, *documents) if f[0] == "GATEWAY_INGRESS_SETTING"}

    assert ingress_setting(WITH_BACKEND_CONFIG, BACKEND_CONFIG, http_route()) == {("GATEWAY_INGRESS_SETTING", "error")}
    # the policies already configure the backend: the annotation is dead weight
    assert ingress_setting(WITH_BACKEND_CONFIG, BACKEND_CONFIG, http_route(), health_check_policy()) == {
        ("GATEWAY_INGRESS_SETTING", "warning")}


def test_backend_config_on_a_service_an_ingress_also_reaches_is_fine(tmp_path: Path) -> None:
    neg = WITH_BACKEND_CONFIG.replace("    cloud.google.com/backend-config",
                                      "    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                      "    cloud.google.com/backend-config")
    both = found(tmp_path, neg, BACKEND_CONFIG, http_route(), ingress())
    assert ("GATEWAY_INGRESS_SETTING", "error") not in both
    alone = found(tmp_path, WITH_BACKEND_CONFIG, BACKEND_CONFIG)  # no route: not a Gateway backend here
    assert not {f for f in alone if f[0] == "GATEWAY_INGRESS_SETTING"}


@pytest.mark.parametrize(("annotations", "with_an_ingress"), [
    ("", "APP_PROTOCOL_IGNORED"),  # through an Ingress the load balancer speaks HTTP to it
    ("    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'\n", "HC_PROTOCOL_MISMATCH"),
])
def test_a_service_only_routes_reach_is_judged_as_gateway_reads_it(tmp_path: Path, annotations: str,
                                                                   with_an_ingress: str) -> None:
    """GKE Gateway reads appProtocol and ignores the BackendConfig: neither the Ingress-only APP_PROTOCOL_IGNORED
    nor the BackendConfig's health-check protocol applies; only the dead annotation is reported. Once an Ingress
    also reaches the Service, each is real again."""
    http_check = BACKEND_CONFIG.replace("{requestPath: /healthz, port: 8080}",
                                        "{type: HTTP, requestPath: /healthz, port: 8080}")
    service = WITH_BACKEND_CONFIG.replace("    cloud.google.com/backend-config",
                                          annotations + "    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                          "    cloud.google.com/backend-config")
    rules = {rule for rule, _ in found(tmp_path, service, http_check, http_route(), health_check_policy())}
    assert rules == {"GATEWAY_INGRESS_SETTING"}
    rules = {rule for rule, _ in found(tmp_path, service, http_check, http_route(), health_check_policy(), ingress())}
    assert with_an_ingress in rules


@pytest.mark.parametrize(("annotation", "value"), [
    ("kubernetes.io/ingress.global-static-ip-name", "web-ip"),
    ("networking.gke.io/managed-certificates", "web-cert"),
    ("ingress.gcp.kubernetes.io/pre-shared-cert", "web-cert"),
    ("networking.gke.io/v1beta1.FrontendConfig", "web"),
])
def test_ingress_annotations_on_a_gateway(tmp_path: Path, annotation: str, value: str) -> None:
    annotated = gateway().replace("annotations: {networking.gke.io/certmap: iapgen-dev}",
                                  f"annotations: {{networking.gke.io/certmap: iapgen-dev, {annotation}: {value}}}")
    assert found(tmp_path, annotated) == {("GATEWAY_INGRESS_SETTING", "error")}
    path = tmp_path / "m.yaml"
    [finding] = lint([str(path)]).findings
    assert finding.line == 6 and "GKE Gateway ignores it" in finding.message


def test_an_istio_gateway_is_not_judged(tmp_path: Path) -> None:
    istio = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: g\n  annotations:\n"
             "    kubernetes.io/ingress.global-static-ip-name: ip\nspec: {servers: []}\n")
    assert found(tmp_path, istio) == set()


# --------------------------------------------------------------------------- backendRefs to missing Services
def test_backend_ref_to_a_missing_service_when_the_namespace_is_shown(tmp_path: Path) -> None:
    route = http_route().replace("{name: web, port: 443}", "{name: wbe, port: 443}")
    assert found(tmp_path, GATEWAY_SERVICE, route) == {("ROUTE_BACKEND_NOT_FOUND", "error")}
    path = tmp_path / "m.yaml"
    [finding] = lint([str(path)]).findings
    assert "did you mean 'web'?" in finding.message and "Services there: web" in finding.message


def test_backend_ref_judged_softly_or_not_at_all_without_the_evidence(tmp_path: Path) -> None:
    route = http_route().replace("{name: web, port: 443}", "{name: api, port: 443}")
    assert found(tmp_path, route) == set()  # the inputs hold no Service of that namespace
    assert found(tmp_path, route, files=(GATEWAY_SERVICE,)) == {("ROUTE_BACKEND_NOT_FOUND", "warning")}
    assert found(tmp_path, route, GATEWAY_SERVICE.replace("name: web,", "name: api,")) == set()


def test_grpc_route_backend_refs_too(tmp_path: Path) -> None:
    grpc = ("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, namespace: web}\n"
            "spec:\n  rules:\n  - backendRefs: [{name: grpc, port: 443}]\n")
    assert found(tmp_path, GATEWAY_SERVICE, grpc) == {("ROUTE_BACKEND_NOT_FOUND", "error")}


# --------------------------------------------------------------------------- transposed names
def test_a_policy_target_with_two_letters_swapped_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join([GATEWAY_SERVICE, health_check_policy(target="wbe")]))
    [finding] = lint([str(path)]).findings
    assert finding.rule == "POLICY_TARGET_NOT_FOUND" and "did you mean 'web'?" in finding.message


def test_backend_config_name_with_two_letters_swapped_gets_a_hint(tmp_path: Path) -> None:
    svc = WITH_BACKEND_CONFIG.replace('"default": "web"', '"default": "wbe"')
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join([svc, BACKEND_CONFIG, ingress()]))
    messages = [f.message for f in lint([str(path)]).findings if f.rule == "BACKENDCONFIG_NOT_FOUND"]
    assert messages and "'web'" in messages[0]


# --------------------------------------------------------------------------- HC_PORT_SPECIFICATION
@pytest.mark.parametrize(("block", "expected"), [
    ("{port: 8080, requestPath: /healthz}", {("HC_PORT_SPECIFICATION", "warning")}),
    ("{portSpecification: USE_SERVING_PORT, port: 8080, requestPath: /healthz}", {("HC_PORT_SPECIFICATION", "error")}),
    ("{portName: https, requestPath: /healthz}", {("HC_PORT_SPECIFICATION", "error")}),
    ("{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: /healthz}", set()),
    # port alone is still judged as the fixed port it is: the Service's port is not the container's
    ("{port: 443, requestPath: /healthz}", {("HC_PORT_SPECIFICATION", "warning"), ("HC_PORT_NOT_TARGET", "error")}),
])
def test_port_specification(tmp_path: Path, block: str, expected: set[tuple[str, str]]) -> None:
    assert found(tmp_path, GATEWAY_SERVICE, health_check_policy(block)) == expected


# --------------------------------------------------------------------------- HC_TIMEOUT_GT_INTERVAL
NEG_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
  annotations:
    cloud.google.com/neg: '{"ingress": true}'
    cloud.google.com/backend-config: '{"default": "web"}'
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
"""


def deployment(probe: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{{name: http, containerPort: 8080}}]
{probe}"""


INTERVAL_ALONE = ("apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: web, namespace: web}\n"
                  "spec:\n  healthCheck: {checkIntervalSec: 10, requestPath: /healthz}\n")


@pytest.mark.parametrize(("probe", "severity"), [
    ("        readinessProbe: {httpGet: {path: /healthz, port: http}}\n", "warning"),
    ("        readinessProbe: {httpGet: {path: /healthz, port: 8080}, timeoutSeconds: 5}\n", "warning"),
    ("        readinessProbe: {httpGet: {path: /healthz, port: 8080}, timeoutSeconds: 12}\n", "error"),  # > interval
    ("        readinessProbe: {httpGet: {path: /healthz, port: 9090}}\n", "error"),  # another port: not taken
    ("        readinessProbe: {httpGet: {path: /healthz, port: http, scheme: HTTPS}}\n", "error"),  # other scheme
    ("        readinessProbe: {tcpSocket: {port: http}}\n", "error"),  # TCP probes are ignored
    ("", "error"),
])
def test_interval_without_timeout_with_a_readiness_probe(tmp_path: Path, probe: str, severity: str) -> None:
    assert found(tmp_path, NEG_SERVICE, deployment(probe), INTERVAL_ALONE) == {("HC_TIMEOUT_GT_INTERVAL", severity)}


def test_interval_without_timeout_needs_no_probe_when_it_fits_the_default(tmp_path: Path) -> None:
    fits = INTERVAL_ALONE.replace("checkIntervalSec: 10", "checkIntervalSec: 20")
    assert found(tmp_path, NEG_SERVICE, deployment(""), fits) == set()


def test_a_gateway_setup_written_right_passes(tmp_path: Path) -> None:
    assert found(tmp_path, GATEWAY_SERVICE, gateway(), http_route(), health_check_policy(), backend_policy()) == set()
