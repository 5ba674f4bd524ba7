"""tests/k8s_schemas.py: rejects what the API server rejects, accepts what it accepts, and agrees with the team tool."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.k8s_schemas import K8S_VERSION, SCHEMA_DIR, crd_schema, validate_manifests, validate_objects

Obj = dict[str, Any]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_VALIDATOR = SHARED / "tools" / "validate_manifests.py"
SHARED_SAMPLES = SHARED / "tools" / "samples"


def meta(name: str, namespace: str | None = "demo") -> Obj:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


SERVICE: Obj = {
    "apiVersion": "v1", "kind": "Service", "metadata": meta("web"),
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
}
BACKEND_CONFIG: Obj = {
    "apiVersion": "cloud.google.com/v1", "kind": "BackendConfig", "metadata": meta("web-bc"),
    "spec": {"timeoutSec": 40,
             "healthCheck": {"type": "HTTP", "port": 8080, "requestPath": "/healthz", "checkIntervalSec": 15}},
}
MANAGED_CERTIFICATE: Obj = {
    "apiVersion": "networking.gke.io/v1", "kind": "ManagedCertificate", "metadata": meta("web-cert"),
    "spec": {"domains": ["www.example.com"]},
}
HEALTH_CHECK_POLICY: Obj = {
    "apiVersion": "networking.gke.io/v1", "kind": "HealthCheckPolicy", "metadata": meta("web-hc"),
    "spec": {
        "default": {"checkIntervalSec": 15, "timeoutSec": 5, "config": {
            "type": "HTTP",
            "httpHealthCheck": {"portSpecification": "USE_FIXED_PORT", "port": 8080, "requestPath": "/healthz"}}},
        "targetRef": {"group": "", "kind": "Service", "name": "web"},
    },
}
GCP_BACKEND_POLICY: Obj = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPBackendPolicy", "metadata": meta("web-bp"),
    "spec": {"default": {"timeoutSec": 40, "logging": {"enabled": True, "sampleRate": 500000}},
             "targetRef": {"group": "", "kind": "Service", "name": "web"}},
}
GATEWAY: Obj = {
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": meta("external-http"),
    "spec": {"gatewayClassName": "gke-l7-global-external-managed",
             "listeners": [{"name": "https", "protocol": "HTTPS", "port": 443,
                            "tls": {"mode": "Terminate", "certificateRefs": [{"name": "web-tls"}]}}]},
}
HTTP_ROUTE: Obj = {
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": meta("web"),
    "spec": {"parentRefs": [{"name": "external-http"}], "hostnames": ["www.example.com"],
             "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"name": "web", "port": 80}]}]},
}
VALID = [SERVICE, BACKEND_CONFIG, MANAGED_CERTIFICATE, HEALTH_CHECK_POLICY, GCP_BACKEND_POLICY, GATEWAY, HTTP_ROUTE]


def changed(obj: Obj, path: str, value: Any) -> Obj:
    """A deep copy of obj with the dotted path (list indexes as numbers) set to value."""
    out = copy.deepcopy(obj)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = out
    for part in parents:
        node = node[part]
    node[last] = value
    return out


@pytest.mark.parametrize("obj", VALID, ids=lambda o: o["kind"])
def test_accepts_valid_objects(obj: Obj) -> None:
    assert validate_objects([obj]) == []


def test_accepts_valid_objects_together_and_leaves_them_unchanged() -> None:
    objects = copy.deepcopy(VALID)
    assert validate_objects(objects) == []
    assert objects == VALID  # defaulting works on a copy


def test_applies_crd_defaults_before_cel_rules() -> None:
    """HTTPRoute's rules[].matches defaults to a PathPrefix "/" match, which a CEL rule on rules reads."""
    route = changed(HTTP_ROUTE, "spec.rules.0", {"backendRefs": [{"name": "web", "port": 80}]})
    assert validate_objects([route]) == []


@pytest.mark.parametrize(("obj", "expected"), [
    pytest.param(changed(SERVICE, "spec.ports.0.protocl", "TCP"),
                 "spec.ports[0]: Additional properties are not allowed ('protocl' was unexpected)", id="service-field"),
    pytest.param(changed(SERVICE, "spec.ports.0.port", "eighty"),
                 "spec.ports[0].port: 'eighty' is not of type 'integer'", id="service-port-type"),
    pytest.param(changed(SERVICE, "metadata.annotations", {"cloud.google.com/neg": {"ingress": True}}),
                 "is not of type 'string'", id="service-annotation-type"),
    pytest.param(changed(BACKEND_CONFIG, "spec.healthCheck.port", "8080"),
                 "spec.healthCheck.port: '8080' is not of type 'integer'", id="backendconfig-port-string"),
    pytest.param(changed(BACKEND_CONFIG, "spec.timeoutSecs", 40),
                 "('timeoutSecs' was unexpected)", id="backendconfig-field"),
    pytest.param(changed(MANAGED_CERTIFICATE, "spec.domains", ["*.example.com"]),
                 "spec.domains[0]: '*.example.com' does not match", id="managedcertificate-wildcard"),
    pytest.param(changed(HEALTH_CHECK_POLICY, "spec.default.config.httpHealthCheck.portSpecification",
                         "USE_SERVING_PORT"),
                 "port and portName must be unset for portSpecification being USE_SERVING_PORT", id="hcp-cel-port"),
    pytest.param(changed(HEALTH_CHECK_POLICY, "spec.default.timeoutSec", 30),
                 "timeOutSec cannot exceed checkIntervalSec", id="hcp-cel-timeout"),
    pytest.param(changed(HEALTH_CHECK_POLICY, "spec.default.config.type", "HTTPS"),
                 "httpsHealthCheck must be specified for type HTTPS", id="hcp-cel-type"),
    pytest.param(changed(GCP_BACKEND_POLICY, "spec.default.logging.sampleRate", 5000000),
                 "spec.default.logging.sampleRate: 5000000 is greater than the maximum of 1000000", id="gcpbp-max"),
    pytest.param(changed(GATEWAY, "spec.listeners", GATEWAY["spec"]["listeners"] * 2),
                 "spec.listeners[1]: duplicate entry for list-type=map keys=['name']", id="gateway-listener-dup"),
    pytest.param(changed(HTTP_ROUTE, "spec.rules.0.backendRefs", [{"name": "web"}]),
                 "Must have port for Service reference", id="httproute-cel-port"),
    pytest.param(changed(HTTP_ROUTE, "spec.rules.0.matches.0.path.type", "Prefix"),
                 "'Prefix' is not one of ['Exact', 'PathPrefix', 'RegularExpression']", id="httproute-enum"),
    pytest.param({**MANAGED_CERTIFICATE, "kind": "ManagedCertificat"},
                 "no schema for networking.gke.io/v1 ManagedCertificat", id="unknown-kind"),
    pytest.param({**MANAGED_CERTIFICATE, "apiVersion": "networking.gke.io/v2"},
                 "no schema for networking.gke.io/v2 ManagedCertificate", id="unknown-version"),
    pytest.param({**SERVICE, "apiVersion": "networking.gke.io/v1"},
                 "no schema for networking.gke.io/v1 Service", id="core-kind-in-crd-group"),
    pytest.param({"apiVersion": "networking/v1", "kind": "Ingress", "metadata": meta("web"), "spec": {}},
                 "no schema for networking/v1 Ingress", id="core-group-typo"),
    pytest.param(changed(SERVICE, "metadata.name", "1Web_Svc"),
                 "metadata.name: '1Web_Svc' must be a DNS-1035 label", id="service-name"),
    pytest.param(changed(BACKEND_CONFIG, "metadata.name", "Web_BC"),
                 "metadata.name: 'Web_BC' must be a DNS-1123 subdomain", id="crd-name"),
    pytest.param(changed(SERVICE, "metadata.labels", {"app": "web!"}),
                 "metadata.labels: invalid value 'web!' for 'app'", id="label-value"),
    pytest.param(changed(SERVICE, "metadata.labels", {"app": "web\n"}),
                 "metadata.labels: invalid value 'web\\n' for 'app'", id="label-value-newline"),
    pytest.param(changed(GATEWAY, "metadata.namespace", "Demo"),
                 "metadata.namespace: 'Demo' must be a DNS-1123 label", id="namespace"),
    pytest.param({**GCP_BACKEND_POLICY, "metadata": {"namespace": "demo"}},
                 "metadata.name: name is required", id="no-name"),
])
def test_rejects_invalid_objects(obj: Obj, expected: str) -> None:
    problems = validate_objects([obj])
    assert any(expected in problem for problem in problems), problems


def test_problems_name_the_object() -> None:
    problems = validate_objects([SERVICE, changed(BACKEND_CONFIG, "spec.healthCheck.port", "8080")])
    assert len(problems) == 1
    assert problems[0].startswith("BackendConfig/demo/web-bc: spec.healthCheck.port: ")
    gateway_class = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
                     "metadata": meta("gke", namespace=None), "spec": {"controllerName": "networking.gke.io/gateway"}}
    assert validate_objects([gateway_class]) == []
    [problem] = validate_objects([changed(gateway_class, "spec.controllerName", "gke")])
    assert problem.startswith("GatewayClass/gke: spec.controllerName: 'gke' does not match")
    assert validate_objects([{"kind": "Service"}]) == ["object #0: not a Kubernetes object (apiVersion/kind)"]


def test_lists_rules_that_could_not_be_evaluated() -> None:
    """A CEL rule reading an unset field errors ("no such key"), which makes the API server reject the object.

    validate_objects lists it; validate_manifests reports it as a WARN that does not make the document invalid,
    as the team tool does.
    """
    policy = changed(HEALTH_CHECK_POLICY, "spec.default.config.httpHealthCheck", {"requestPath": "/healthz"})
    problems = validate_objects([policy])
    assert problems and all("CEL rule not evaluated" in p and "portSpecification" in p for p in problems), problems


def write_yaml(path: Path, *docs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def test_manifest_report(tmp_path: Path) -> None:
    write_yaml(tmp_path / "app" / "web.yaml", SERVICE, BACKEND_CONFIG, MANAGED_CERTIFICATE)
    write_yaml(tmp_path / "gateway.yml", GATEWAY, HTTP_ROUTE, changed(BACKEND_CONFIG, "spec.healthCheck.port", "8080"))
    write_yaml(tmp_path / "notes.txt", {"kind": "NotAManifest"})  # only *.yaml / *.yml are read from folders
    report = validate_manifests(tmp_path)
    assert set(report) == {"documents", "invalid", "seconds", "findings"}
    assert (report["documents"], report["invalid"]) == (6, 1)
    [finding] = report["findings"]
    assert finding == {
        "level": "FAIL", "where": f"{tmp_path / 'gateway.yml'}#2 cloud.google.com/v1/BackendConfig web-bc",
        "path": "spec.healthCheck.port", "msg": "'8080' is not of type 'integer'",
        "source": "crd:cloud.google.com/backendconfig_v1.json (kubernetes/ingress-gce@295f0447f0)"}
    assert validate_manifests(tmp_path / "app", tmp_path / "app" / "web.yaml")["documents"] == 6


def test_manifest_report_counts_broken_documents(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [\n")
    write_yaml(tmp_path / "list.yaml", {"apiVersion": "v1", "kind": "List", "items": [SERVICE, MANAGED_CERTIFICATE]},
               ["not", "an", "object"])
    policy = changed(HEALTH_CHECK_POLICY, "spec.default.config.httpHealthCheck", {"requestPath": "/healthz"})
    write_yaml(tmp_path / "policy.yaml", policy)
    report = validate_manifests(tmp_path)
    # a YAML error counts as invalid but not as a document; List items are documents
    assert (report["documents"], report["invalid"]) == (4, 2)
    assert [(f["level"], f["source"]) for f in report["findings"]][:2] == [("FAIL", "yaml"), ("FAIL", "shape")]
    assert {f["level"] for f in report["findings"][2:]} == {"WARN"}


def test_schemas_are_the_projects_own_and_all_have_sources() -> None:
    assert SCHEMA_DIR == REPO / "iapgen" / "lint" / "schemas"
    sources = json.loads((SCHEMA_DIR / "SOURCES.json").read_text())
    notes = (SCHEMA_DIR / "SOURCES.md").read_text()
    files = sorted(p.relative_to(SCHEMA_DIR).as_posix() for p in SCHEMA_DIR.glob("*/*.json"))
    assert sorted(entry["file"] for entry in sources) == files
    for entry in sources:
        assert f"https://github.com/{entry['repo']}/blob/{entry['commit']}/{entry['path']}" in notes
        assert crd_schema(entry["group"], entry["version"], entry["kind"]) is not None, entry["file"]


# --------------------------------------------------------------------------- agreement with the team tool
# A corpus test: it runs on the team's third-party manifests (../shared/real-world) and the team tool's
# samples, so, like the other corpus tests, it skips in a clone that has no ../shared beside it.
REAL_WORLD = SHARED / "real-world"


@pytest.fixture(scope="module")
def shared_tool() -> ModuleType:
    if not SHARED_VALIDATOR.is_file() or not REAL_WORLD.is_dir():
        pytest.skip("../shared/real-world is absent")
    spec = importlib.util.spec_from_file_location("shared_validate_manifests", SHARED_VALIDATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_report(tool: ModuleType, path: Path) -> dict[str, Any]:
    """The team tool's --json report, run in-process on the project's schemas (so only the code is compared)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tool.main([str(path), "--json", "-q", "--schema-dir", str(SCHEMA_DIR), "-k", K8S_VERSION])
    return json.loads(out.getvalue())


@pytest.mark.skipif(not REAL_WORLD.is_dir(), reason="../shared/real-world is absent")
def test_agrees_with_the_team_tool_on_the_corpus_and_its_samples(shared_tool: ModuleType) -> None:
    files = sorted(REAL_WORLD.glob("*.yaml")) + sorted(SHARED_SAMPLES.rglob("*.yaml"))
    assert files
    verdicts: dict[str, int] = {}
    disagreements: dict[str, dict[str, Any]] = {}
    for file in files:
        ours, theirs = validate_manifests(file), shared_report(shared_tool, file)
        name = file.relative_to(SHARED_SAMPLES if file.is_relative_to(SHARED_SAMPLES) else SHARED).as_posix()
        verdicts[name] = ours["invalid"]
        if (ours["documents"], ours["invalid"]) != (theirs["documents"], theirs["invalid"]):
            disagreements[name] = {"ours": ours["invalid"], "theirs": theirs["invalid"]}
        elif ours["findings"] != theirs["findings"]:
            disagreements[name] = {"ours": ours["findings"], "theirs": theirs["findings"]}
    assert disagreements == {}
    # the samples' own contract (tools/selftest.sh): good/ passes, every file in bad/ fails
    assert all(verdicts[n] == 0 for n in verdicts if n.startswith("good/"))
    assert all(verdicts[n] > 0 for n in verdicts if n.startswith("bad/"))


def test_a_oneof_branch_does_not_reject_the_fields_it_does_not_name() -> None:
    """Gateway spec.addresses[] is oneOf [IPAddress with an IP value, any other type]: a NamedAddress with a
    value is valid (the API server's structural schema prunes nothing inside oneOf branches)."""
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": meta("web"),
               "spec": {"gatewayClassName": "gke-l7-global-external-managed",
                        "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}],
                        "addresses": [{"type": "NamedAddress", "value": "iapgen-dev"}]}}
    assert validate_objects([gateway]) == []
    bad_ip = copy.deepcopy(gateway)
    bad_ip["spec"]["addresses"] = [{"type": "IPAddress", "value": "not-an-ip"}, {"type": "Bogus", "extra": 1}]
    assert len(validate_objects([bad_ip])) >= 1
