"""One rule, one severity (spec validation and lint agree), and the health-check traps behind the
controller's defaults: a named BackendConfig that matches nothing, a health-check port nothing listens on,
checkIntervalSec without timeoutSec."""

from __future__ import annotations

from pathlib import Path

import pytest

from iapgen.lint.checks.catalogue import SEVERITY_NOTES
from iapgen.lint.command import lint
from iapgen.lint.docs import full_spec
from iapgen.lint.examples import EXAMPLES
from iapgen.spec import rules
from tests.conftest import SHARED, base_spec, run_cli, write_spec

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
  annotations:
    cloud.google.com/neg: '{{"ingress": true}}'
    cloud.google.com/backend-config: '{{"default": "{config}"}}'
    cloud.google.com/app-protocols: '{{"{port_name}": "{protocol}"}}'
spec:
  selector: {{app: web}}
  ports:
  - {{name: {port_name}, port: {port}, targetPort: 8080}}
"""


def service(config: str = "web-bc", port: int = 443, protocol: str = "HTTPS") -> str:
    return SERVICE.format(config=config, port=port, protocol=protocol, port_name=protocol.lower())


def backend_config(health_check: str, name: str = "web-bc", namespace: str = "web") -> str:
    return f"""\
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  healthCheck: {health_check}
"""


def deployment(ports: str) -> str:
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
        ports: [{ports}]
"""


def lint_text(tmp_path: Path, *documents: str, name: str = "app.yaml") -> list[tuple[str, str, str]]:
    path = tmp_path / name
    path.write_text("---\n".join(documents))
    return [(f.severity, f.rule, f.message) for f in lint([str(path)]).findings]


# --- one severity per rule ------------------------------------------------------------------------------


def test_hc_protocol_mismatch_is_an_error_in_lint_and_in_the_spec(tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(service() + "---\n" + backend_config("{type: HTTP, requestPath: /healthz}"))
    result = run_cli("lint", manifest)
    assert result.code == 1
    assert "error HC_PROTOCOL_MISMATCH" in result.out

    spec = base_spec()
    spec["services"][0]["healthCheck"] = {"path": "/healthz", "protocol": "HTTP"}
    checked = run_cli("check", "--spec", write_spec(tmp_path, spec))
    assert checked.code == 1
    assert "[HC_PROTOCOL_MISMATCH]" in checked.err + checked.out


def test_a_health_check_on_another_port_may_speak_another_protocol(tmp_path: Path) -> None:
    """The exemption stays: a sidecar the Pods declare may answer plain HTTP next to a TLS server."""
    found = lint_text(tmp_path, service(), backend_config("{type: HTTP, port: 9000, requestPath: /healthz}"),
                      deployment("{containerPort: 8080}, {containerPort: 9000}"))
    assert found == []


def test_spec_rules_are_errors_in_the_catalogue() -> None:
    """Spec validation reports every finding as an error, so a rule it checks has severity error."""
    in_spec = {rule for rule, examples in EXAMPLES.items() for e in examples if e.kind in ("service", "spec", "stack")}
    assert {r for r in in_spec if rules.CATALOGUE[r].severity != rules.ERROR} == set()


@pytest.mark.parametrize("rule_id", sorted(r for r, ex in EXAMPLES.items()
                                           if any(e.kind == "manifest" for e in ex)
                                           and any(e.kind != "manifest" for e in ex)))
def test_rules_checked_in_both_places_have_the_spec_severity_in_lint(rule_id: str, tmp_path: Path) -> None:
    for i, example in enumerate(e for e in EXAMPLES[rule_id] if e.kind == "manifest"):
        path = tmp_path / f"bad{i}.yaml"
        path.write_text(full_spec(example, example.bad))
        severities = {f.severity for f in lint([str(path)]).findings if f.rule == rule_id}
        assert severities == {rules.ERROR}, (rule_id, severities)


def test_a_severity_other_than_the_catalogues_is_documented(tmp_path: Path) -> None:
    """Every lint finding at another severity than its rule's carries a note in docs/rules.md."""
    paths = []
    for rule_id, examples in EXAMPLES.items():
        for i, example in enumerate(e for e in examples if e.kind == "manifest"):
            path = tmp_path / f"{rule_id}-{i}.yaml"
            path.write_text(example.bad)
            paths.append(str(path))
    if (SHARED / "real-world").is_dir():
        paths.append(str(SHARED / "real-world"))
    paths.append(str(tmp_path / "traps.yaml"))
    (tmp_path / "traps.yaml").write_text("---\n".join([
        service(), backend_config("{port: 9000, checkIntervalSec: 10}")]))
    findings = lint(paths).findings
    odd = {f.rule for f in findings if f.severity != rules.CATALOGUE[f.rule].severity}
    assert odd, "the inputs should exercise at least one deliberate severity difference"
    assert odd <= set(SEVERITY_NOTES), odd - set(SEVERITY_NOTES)
    assert set(SEVERITY_NOTES) <= set(rules.CATALOGUE)


# --- a BackendConfig name that matches nothing ----------------------------------------------------------


def test_missing_backend_config_with_others_in_the_same_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(service(config="nonexistent") + "---\n" + backend_config("{type: HTTPS}"))
    result = run_cli("lint", path)
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if "BACKENDCONFIG_NOT_FOUND" in x)
    assert "error BACKENDCONFIG_NOT_FOUND" in line and "'nonexistent'" in line and "web-bc" in line


def test_missing_backend_config_with_others_only_in_other_files_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(service(config="nonexistent"))
    (tmp_path / "bc.yaml").write_text(backend_config("{type: HTTPS}"))
    findings = [f for f in lint([str(tmp_path)]).findings if f.rule == "BACKENDCONFIG_NOT_FOUND"]
    assert [(f.severity, "web-bc" in f.message) for f in findings] == [("warning", True)]


def test_missing_backend_config_when_the_file_holds_another_namespaces_is_a_warning(tmp_path: Path) -> None:
    found = lint_text(tmp_path, service(config="nonexistent"), backend_config("{type: HTTPS}", namespace="other"))
    assert [(s, r) for s, r, _ in found] == [("warning", "BACKENDCONFIG_NOT_FOUND")]
    assert "other/web-bc" in found[0][2]


def test_missing_backend_config_with_no_backend_configs_in_sight_is_not_judged(tmp_path: Path) -> None:
    assert lint_text(tmp_path, service(config="nonexistent")) == []


# --- health-check port: targetPort or a declared containerPort -----------------------------------------


def test_hc_port_no_pod_declares_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("---\n".join([service(port=80, protocol="HTTP"), deployment("{containerPort: 8080}"),
                                  backend_config("{type: HTTP, port: 9000, requestPath: /healthz}")]))
    result = run_cli("lint", path)
    assert result.code == 1
    assert "error HC_PORT_NOT_TARGET" in result.out and "9000" in result.out


def test_hc_port_of_a_declared_sidecar_is_legal(tmp_path: Path) -> None:
    found = lint_text(tmp_path, service(port=80, protocol="HTTP"),
                      deployment("{containerPort: 8080}, {containerPort: 9000}"),
                      backend_config("{type: HTTP, port: 9000, requestPath: /healthz}"))
    assert found == []


def test_hc_port_with_the_pods_out_of_sight_is_a_warning(tmp_path: Path) -> None:
    found = lint_text(tmp_path, service(port=80, protocol="HTTP"),
                      backend_config("{type: HTTP, port: 9000, requestPath: /healthz}"))
    assert [(s, r) for s, r, _ in found] == [("warning", "HC_PORT_NOT_TARGET")]


def test_hc_port_on_another_target_port_of_the_service_is_legal(tmp_path: Path) -> None:
    """Istio's status-port: the Service targets it too, so the same Pods serve it."""
    two_ports = service(port=80, protocol="HTTP").replace(
        "  - {name: http, port: 80, targetPort: 8080}\n",
        "  - {name: http, port: 80, targetPort: 8080}\n  - {name: status, port: 15021, targetPort: 15021}\n")
    found = lint_text(tmp_path, two_ports, backend_config("{type: HTTP, port: 15021, requestPath: /healthz/ready}"))
    assert found == []


# --- checkIntervalSec without timeoutSec ---------------------------------------------------------------


def test_interval_alone_below_the_neg_default_timeout_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(service() + "---\n" + backend_config("{type: HTTPS, checkIntervalSec: 10}"))
    result = run_cli("lint", path)
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if "HC_TIMEOUT_GT_INTERVAL" in x)
    assert "error" in line and "15 s" in line and "checkIntervalSec 10" in line


@pytest.mark.parametrize(("health_check", "expected"), [
    ("{type: HTTPS, checkIntervalSec: 10, timeoutSec: 5}", []),
    ("{type: HTTPS, checkIntervalSec: 15}", []),  # the NEG default timeout fits
    ("{type: HTTPS, checkIntervalSec: 14}", [("error", "HC_TIMEOUT_GT_INTERVAL")]),
])
def test_interval_alone_against_the_neg_default(tmp_path: Path, health_check: str,
                                                 expected: list[tuple[str, str]]) -> None:
    assert [(s, r) for s, r, _ in lint_text(tmp_path, service(), backend_config(health_check))] == expected


def test_interval_alone_on_instance_groups_counts_their_60_s_default(tmp_path: Path) -> None:
    node_port = service().replace("    cloud.google.com/neg: '{\"ingress\": true}'\n", "").replace(
        "  selector: {app: web}\n", "  type: NodePort\n  selector: {app: web}\n")
    found = lint_text(tmp_path, node_port, backend_config("{type: HTTPS, checkIntervalSec: 30}"))
    assert [(s, r) for s, r, _ in found] == [("warning", "HC_TIMEOUT_GT_INTERVAL")]
    assert "60 s" in found[0][2]
