"""`iapgen lint` and the CRD schemas it ships: CRD_SCHEMA (structural schema and CEL rules), and the validator
agreeing with the tests' own (jsonschema + cel-python, tests/k8s_schemas.py) on the same objects."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import celpy
import pytest
import yaml

from iapgen.examplekit import GATEWAY_SERVICE, backend_policy, gateway, health_check_policy, http_route
from iapgen.lint import cel, schema_files, structural
from iapgen.lint.checks.crd_schemas import DELEGATED
from iapgen.lint.command import lint
from tests.conftest import run_cli
from tests.k8s_schemas import check_object


def findings(tmp_path: Path, *documents: str, schemas: bool = True) -> list[tuple[int | None, str, str, str]]:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join(documents))
    return [(f.line, f.rule, f.severity, f.message) for f in lint([str(path)], schemas=schemas).findings]


def crd(tmp_path: Path, *documents: str) -> list[tuple[int | None, str, str]]:
    return [(line, severity, message) for line, rule, severity, message in findings(tmp_path, *documents)
            if rule == "CRD_SCHEMA"]


# --------------------------------------------------------------------------- what a finding says
def test_unknown_field_names_the_path_the_allowed_fields_and_a_near_miss(tmp_path: Path) -> None:
    policy = health_check_policy().replace("logConfig: {enabled: true}", "logConfig: {enable: true}")
    [(line, severity, message)] = crd(tmp_path, GATEWAY_SERVICE, policy)
    text = "---\n".join([GATEWAY_SERVICE, policy])
    assert line == text.splitlines().index("    logConfig: {enable: true}") + 1
    assert severity == "error"
    assert message.startswith('spec.default.logConfig.enable: unknown field "enable" (did you mean "enabled"?); '
                              "spec.default.logConfig allows: enabled;")
    assert "networking.gke.io/v1 HealthCheckPolicy schema, GoogleCloudPlatform/gke-gateway-api@" in message


@pytest.mark.parametrize(("old", "new", "path", "says"), [
    ("type: HTTPS", "type: HTTPZ", "spec.default.config.type", '"HTTPZ" is not one of TCP, HTTP, HTTPS, HTTP2, GRPC'),
    ("port: 8080", "port: 70000", "spec.default.config.httpsHealthCheck.port", "70000 is above the maximum, 65535"),
    ("port: 8080", "port: '8080'", "spec.default.config.httpsHealthCheck.port", 'must be an integer, not "8080"'),
    ("port: 8080", "port: 8080, host: Web_Host", "spec.default.config.httpsHealthCheck.host",
     '"Web_Host" does not match the pattern'),
    ("targetRef: {group: \"\", kind: Service, name: web}", "targetRef: {group: \"\", name: web}", "spec.targetRef",
     '"kind" is required'),
])
def test_schema_violations(tmp_path: Path, old: str, new: str, path: str, says: str) -> None:
    policy = health_check_policy()
    assert old in policy
    messages = [message for _, _, message in crd(tmp_path, GATEWAY_SERVICE, policy.replace(old, new))]
    assert any(m.startswith(f"{path}: ") and says in m for m in messages), messages


def test_a_wrong_enum_value_gets_a_did_you_mean(tmp_path: Path) -> None:
    policy = health_check_policy("{portSpecification: USE_FIXED_PORTS, port: 8080, requestPath: /healthz}")
    [(_, _, message)] = crd(tmp_path, GATEWAY_SERVICE, policy)
    assert '(did you mean "USE_FIXED_PORT"?)' in message


def test_gateway_api_kinds_and_their_cel_rules(tmp_path: Path) -> None:
    route = http_route().replace("rules:\n", "rules:\n  - matches: [{path: {type: PathPrefix, value: /a//b}}]\n"
                                 "    backendRefs: [{name: web, port: 443, weigth: 2}]\n")
    grant = ("apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
             "metadata: {name: g, namespace: web}\n"
             "spec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other}]\n"
             "  to: [{group: '', kind: Service, nmae: web}]\n")
    grpc = ("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, namespace: web}\n"
            "spec:\n  rules:\n  - backendRefs: [{name: web}]\n")
    listener = gateway().replace("port: 443,", "port: 443, hostname: 'Web.example',")
    messages = [m for _, _, m in crd(tmp_path, GATEWAY_SERVICE, route, grant, grpc, listener)]
    assert any(m.startswith("spec.rules[0].matches[0].path: must not contain '//'") for m in messages), messages
    assert any('unknown field "weigth" (did you mean "weight"?)' in m for m in messages), messages
    assert any('unknown field "nmae" (did you mean "name"?)' in m for m in messages), messages
    # GRPCRoute's backendRef without a port: the CRD's CEL rule (HTTPRoute's is ROUTE_BACKEND_PORT's)
    assert any(m.startswith("spec.rules[0].backendRefs[0]: Must have port for Service reference") for m in messages)
    assert any(m.startswith("spec.listeners[0].hostname: ") for m in messages), messages


def test_no_schemas_turns_it_off_and_valid_objects_pass(tmp_path: Path) -> None:
    policy = health_check_policy().replace("logConfig: {enabled: true}", "logConfig: {enable: true}")
    assert crd(tmp_path, GATEWAY_SERVICE, policy)
    assert not [f for f in findings(tmp_path, GATEWAY_SERVICE, policy, schemas=False) if f[1] == "CRD_SCHEMA"]
    path = tmp_path / "m.yaml"
    assert "CRD_SCHEMA" in run_cli("lint", str(path)).out
    assert "CRD_SCHEMA" not in run_cli("lint", "--no-schemas", str(path)).out
    assert crd(tmp_path, GATEWAY_SERVICE, health_check_policy(), backend_policy(), gateway(), http_route()) == []


def test_values_still_to_be_filled_in_and_unknown_versions_are_not_judged(tmp_path: Path) -> None:
    cert = "apiVersion: networking.gke.io/v1\nkind: ManagedCertificate\nmetadata: {name: c, namespace: web}\n" \
           "spec:\n  domains: ['${DOMAIN}', 'foo.$DOMAIN.com', '{{ .Values.host }}']\n"
    assert crd(tmp_path, cert) == []
    assert crd(tmp_path, cert.replace("'${DOMAIN}'", "'Not A Domain'"))
    alpha = health_check_policy().replace("networking.gke.io/v1", "networking.gke.io/v1alpha9").replace(
        "enabled", "enable")
    istio = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}\n"
    assert crd(tmp_path, alpha, istio) == []


def test_a_cel_rule_that_errs_is_a_warning_and_a_dedicated_rule_is_not_repeated(tmp_path: Path) -> None:
    # GCPBackendPolicy: a rule reading a field the object leaves unset errs rather than fails
    policy = backend_policy("{timeoutSec: 30}")
    found = findings(tmp_path, GATEWAY_SERVICE, policy)
    assert all(severity == "warning" for _, rule, severity, m in found if rule == "CRD_SCHEMA" and "cannot be" in m)
    # HC_PORT_SPECIFICATION reports the CRD's portSpecification rules, at its own severity
    alone = health_check_policy("{port: 8080, requestPath: /healthz}")
    assert [(rule, severity) for _, rule, severity, _ in findings(tmp_path, GATEWAY_SERVICE, alone)] == [
        ("HC_PORT_SPECIFICATION", "warning")]


# --------------------------------------------------------------------------- every CEL rule is checked
def shipped_rules() -> Iterator[tuple[str, str]]:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for rule in node.get("x-kubernetes-validations") or []:
                yield rule["rule"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for group, version, kind in sorted(schema_files.index()):
        raw = schema_files.raw_schema(group, version, kind)
        assert raw is not None
        for rule in walk(raw):
            yield f"{group}/{version} {kind}", rule


def test_every_cel_rule_of_every_shipped_schema_compiles() -> None:
    """A CRD update bringing a construct the CEL subset lacks fails here instead of going unchecked."""
    rules = list(shipped_rules())
    assert len(rules) > 300
    unsupported = []
    for where, rule in rules:
        if cel.is_transition_rule(rule):
            continue
        try:
            cel.compile_rule(rule)
        except cel.CelError as e:
            unsupported.append(f"{where}: {e}: {rule}")
    assert unsupported == []


def test_rules_left_to_dedicated_lint_rules_still_exist() -> None:
    texts = {rule for _, rule in shipped_rules()}
    assert set(DELEGATED) <= texts, set(DELEGATED) - texts


CEL_CASES = [
    ("self.all(x, x > 0)", [1, 2]), ("self.all(x, x > 0)", [1, -2]), ("self.exists_one(x, x == 1)", [1, 1]),
    ("self.filter(x, x > 1).size() <= 1", [1, 2, 3]), ("!('*' in self && self.size() > 1)", ["*", "GET"]),
    ("self.a || self.b", {"b": True}), ("self.a && self.b", {"b": False}), ("self.a || self.b", {"b": False}),
    ("has(self.a) ? self.a.startsWith('/') : true", {"a": "x/"}), ("self.x.matches('^a+$')", {"x": "aaa"}),
    ("size(self.g) == 0", {"g": ""}),
    ("duration(self.t) <= duration('10000ms')", {"t": "10s"}), ("duration(self.t) > duration('1m')", {"t": "61s"}),
    ("(self.size() > 1 ? self[1].n : 0) + 1 == 3", [{"n": 1}, {"n": 2}]),
    ("self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'", {"type": "Prefix"}),
]


@pytest.mark.parametrize(("rule", "value"), CEL_CASES)
def test_cel_subset_agrees_with_cel_python(rule: str, value: Any) -> None:
    env = celpy.Environment()
    try:
        expected = env.program(env.compile(rule)).evaluate({"self": celpy.json_to_cel(value)})
    except celpy.CELEvalError as e:
        expected = e
    try:
        ours: Any = cel.evaluate(rule, value)
    except cel.CelError:
        ours = "error"
    theirs = "error" if isinstance(expected, Exception) else bool(expected)
    assert ours == theirs


def test_kubernetes_cel_extensions() -> None:
    """What cel-python lacks: Kubernetes' escaped field names and the strings library's split()."""
    assert cel.evaluate("self.__namespace__ == 'web'", {"namespace": "web"})
    assert not cel.evaluate("self.all(k, k.split('/')[0].size() < 3)", {"ab/c": 1, "abcd/e": 2})
    assert cel.evaluate("self.all(k, k.split('/')[0].size() < 3)", {"ab/c": 1, "a": 2})
    with pytest.raises(cel.CelError):
        cel.compile_rule("self.map(x, x + 1).size() > 0")  # outside the subset: refused, not misjudged


# --------------------------------------------------------------------------- agreement with tests/k8s_schemas.py
def leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))
    yield path, value


def mutated(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The object with each spec field removed, replaced by a wrong or odd value, or given an unknown neighbour."""
    for path, value in list(leaves(obj["spec"], ("spec",))):
        if len(path) < 2:
            continue
        for change in ("delete", "x", 7, -1, True, "unknown"):
            if change == "unknown" and not isinstance(value, dict):
                continue
            copied = copy.deepcopy(obj)
            holder = copied
            for part in path[:-1]:
                holder = holder[part]
            if change == "delete":
                del holder[path[-1]]
            elif change == "unknown":
                holder[path[-1]]["enabeld"] = 1
            else:
                holder[path[-1]] = change
            yield copied


@pytest.mark.parametrize("document", [
    health_check_policy(), backend_policy(),
    backend_policy("{timeoutSec: 30, logging: {enabled: true, sampleRate: 5}}"),
    "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: b, namespace: web}\nspec:\n"
    "  healthCheck: {checkIntervalSec: 15, timeoutSec: 5, type: HTTPS, requestPath: /healthz, port: 8080}\n"
    "  iap: {enabled: true, oauthclientCredentials: {secretName: s}}\n"
    "  sessionAffinity: {affinityType: GENERATED_COOKIE, affinityCookieTtlSec: 60}\n",
    "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: f, namespace: web}\n"
    "spec: {redirectToHttps: {enabled: true, responseCodeName: MOVED_PERMANENTLY_DEFAULT}, sslPolicy: p}\n",
    "apiVersion: networking.gke.io/v1\nkind: ManagedCertificate\nmetadata: {name: c, namespace: web}\n"
    "spec: {domains: [web.acme.example]}\n",
    http_route(),
], ids=["HealthCheckPolicy", "GCPBackendPolicy", "GCPBackendPolicy-more", "BackendConfig", "FrontendConfig",
        "ManagedCertificate", "HTTPRoute"])
def test_agrees_with_the_tests_validator_on_mutated_objects(document: str) -> None:
    obj = yaml.safe_load(document)
    group, _, version = obj["apiVersion"].partition("/")
    raw = schema_files.raw_schema(group, version, obj["kind"])
    assert raw is not None
    root = structural.compile_root(schema_files.published(raw))
    disagreements = []
    for variant in [obj, *mutated(obj)]:
        ours = structural.validate(root, variant)
        theirs = [f for f in check_object(variant, "x") if f.source.startswith("crd")
                  and not f.path.startswith(("metadata", "apiVersion", "kind"))]
        if bool(ours) != bool(theirs):
            disagreements.append((json.dumps(variant["spec"]), [v.message for v in ours], [f.msg for f in theirs]))
    assert disagreements == []
