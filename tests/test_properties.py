"""Property tests: every valid spec renders to valid, consistent objects; anything else is a clean error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iapgen.errors import SpecError
from iapgen.lint.command import lint
from iapgen.render.command import render
from iapgen.spec.validate import load_spec, validate_document
from iapgen.spec.yamlsource import Document
from tests.conftest import run_cli, validate_manifests
from tests.test_manifests import consistency_problems, load_objects

PROTOCOLS = ["HTTP", "HTTPS", "HTTP2"]
MEMBERS = ["group:eng@acme.example", "user:alice@acme.example", "domain:acme.example",
           "serviceAccount:ci@acme-dev.iam.gserviceaccount.com"]

names = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)


@st.composite
def health_checks(draw: st.DrawFn) -> dict[str, Any]:
    interval = draw(st.integers(1, 300))
    hc: dict[str, Any] = {"path": draw(st.from_regex(r"/[a-z0-9_./-]{0,20}", fullmatch=True))}
    if draw(st.booleans()):
        hc["checkIntervalSec"] = interval
        hc["timeoutSec"] = draw(st.integers(1, interval))
    else:
        hc["timeoutSec"] = draw(st.integers(1, 15))
    hc["healthyThreshold"] = draw(st.integers(1, 10))
    hc["unhealthyThreshold"] = draw(st.integers(1, 10))
    return hc


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    service_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    services = []
    for name in service_names:
        protocol = draw(st.sampled_from(PROTOCOLS))
        target = draw(st.integers(1, 65535))
        hc = draw(health_checks())
        if draw(st.booleans()):
            hc["port"] = target
        if draw(st.booleans()):
            hc["protocol"] = protocol
        entry: dict[str, Any] = {
            "name": name, "namespace": draw(st.sampled_from(["web", "ops", "data-1"])),
            "selector": {"app": name}, "port": draw(st.integers(1, 65535)), "targetPort": target,
            "protocol": protocol, "healthCheck": hc,
        }
        if draw(st.booleans()):
            entry["iap"] = {"members": draw(st.lists(st.sampled_from(MEMBERS), max_size=3))}
        elif draw(st.integers(0, 5)) == 0:
            entry["iap"] = {"enabled": False, "reason": "public docs"}
        services.append(entry)
    return {"environments": {"dev": {"project": "acme-dev", "domain": "dev.acme.example",
                                     "iap": {"members": [draw(st.sampled_from(MEMBERS))]}}},
            "services": services}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_valid_specs_render_to_valid_consistent_objects(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        k8s = _render_k8s(Path(tmp), spec)
        objects = load_objects(k8s)
        assert len([o for o in objects if o["kind"] == "Service"]) == len(spec["services"])
        assert consistency_problems(objects) == []
        assert lint([str(k8s)]).findings == []
        report = validate_manifests(k8s)
        assert report["invalid"] == 0, report["findings"]


def _render_k8s(folder: Path, spec: dict[str, Any]) -> Path:
    """Render dev of `spec` (beside any stack config already in `folder`); its Kubernetes YAML in folder/k8s."""
    path = folder / "services.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    for rel, text in render(str(path), "dev").files.items():
        if rel.startswith("k8s/"):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    return folder / "k8s"


def _rendered_objects(spec: dict[str, Any]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "services.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        files = render(str(path), "dev").files
    return [yaml.safe_load(text) for rel, text in sorted(files.items()) if rel.startswith("k8s/")]


def _pick(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _hc_port_to_service_port(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    svc = _pick(objs, "Service", name)["spec"]["ports"][0]
    if svc["port"] == svc["targetPort"]:
        svc["port"] = svc["targetPort"] % 65535 + 1
    _pick(objs, "BackendConfig", name)["spec"]["healthCheck"]["port"] = svc["port"]


def _numeric_app_protocol_key(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    svc = _pick(objs, "Service", name)
    port = svc["spec"]["ports"][0]
    protocol = json.loads(svc["metadata"]["annotations"]["cloud.google.com/app-protocols"])[port["name"]]
    svc["metadata"]["annotations"]["cloud.google.com/app-protocols"] = json.dumps({str(port["port"]): protocol})


def _neg_exposes_target_port(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    svc = _pick(objs, "Service", name)
    port = svc["spec"]["ports"][0]
    wrong = draw(st.integers(1, 65535).filter(lambda p: p != port["port"]))
    svc["metadata"]["annotations"]["cloud.google.com/neg"] = json.dumps({"ingress": True, "exposed_ports": {
        str(wrong): {}}})


def _timeout_over_interval(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    hc = _pick(objs, "BackendConfig", name)["spec"]["healthCheck"]
    hc["timeoutSec"] = draw(st.integers(hc["checkIntervalSec"] + 1, 10_000))


def _bad_hc_type(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    hc = _pick(objs, "BackendConfig", name)["spec"]["healthCheck"]
    hc["type"] = draw(st.sampled_from(["TCP", "GRPC", "http", "Https", "SSL", ""]))


def _ingress_port_to_target(objs: list[dict[str, Any]], name: str, draw: st.DrawFn) -> None:
    svc = _pick(objs, "Service", name)
    port = svc["spec"]["ports"][0]
    if port["port"] == port["targetPort"]:
        port["targetPort"] = port["port"] % 65535 + 1
    namespace = svc["metadata"]["namespace"]
    ingress = next(o for o in objs if o["kind"] == "Ingress" and o["metadata"]["namespace"] == namespace)
    for rule in ingress["spec"]["rules"]:
        backend = rule["http"]["paths"][0]["backend"]["service"]
        if backend["name"] == name:
            backend["port"]["number"] = port["targetPort"]


MUTATIONS = {
    "HC_PORT_NOT_TARGET": _hc_port_to_service_port,
    "APP_PROTOCOLS_NUMERIC_KEY": _numeric_app_protocol_key,
    "NEG_PORT_NOT_SERVICE_PORT": _neg_exposes_target_port,
    "HC_TIMEOUT_GT_INTERVAL": _timeout_over_interval,
    "PROTOCOL_INVALID": _bad_hc_type,
    "INGRESS_BACKEND_PORT": _ingress_port_to_target,
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.sampled_from(sorted(MUTATIONS)), st.data())
def test_a_rendered_object_broken_by_a_mutation_is_caught_by_its_rule(
        spec: dict[str, Any], rule: str, data: st.DataObject) -> None:
    objects = _rendered_objects(spec)
    name = data.draw(st.sampled_from([s["name"] for s in spec["services"]]))
    MUTATIONS[rule](objects, name, data.draw)
    text = "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)
    found = {f.rule for f in lint(["-"], stdin=text.encode()).findings if f.severity == "error"}
    assert rule in found, found


BREAKERS = {
    "HC_PORT_NOT_TARGET": lambda s: s["healthCheck"].update(port=s["targetPort"] % 65535 + 1),
    "HC_PROTOCOL_MISMATCH": lambda s: s["healthCheck"].update(
        protocol=PROTOCOLS[(PROTOCOLS.index(s["protocol"]) + 1) % 3]),
    "HC_TIMEOUT_GT_INTERVAL": lambda s: s["healthCheck"].update(checkIntervalSec=10, timeoutSec=11),
    "PROTOCOL_INVALID": lambda s: s.update(protocol=s["protocol"].lower()),
    "IAP_DISABLED_NO_REASON": lambda s: s.update(iap={"enabled": False}),
    "IAP_MEMBER_PREFIX": lambda s: s.update(iap={"members": ["alice@acme.example"]}),
    "HC_PATH": lambda s: s["healthCheck"].update(path="healthz"),
    "NAME_INVALID": lambda s: s.update(name=s["name"].upper()),
}


@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from(sorted(BREAKERS)), st.data())
def test_each_broken_spec_is_refused_with_its_rule(spec: dict[str, Any], rule: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(spec["services"]) - 1))
    BREAKERS[rule](spec["services"][index])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "services.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        result = run_cli("check", "--spec", path)
    assert result.code == 1
    assert f"[{rule}]" in result.err, result.err


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
spec_like = st.fixed_dictionaries({}, optional={
    "environments": st.dictionaries(st.sampled_from(["dev", "prod", "Dev", ""]), yaml_values, max_size=2),
    "services": st.lists(st.dictionaries(st.sampled_from(
        ["name", "namespace", "selector", "port", "targetPort", "protocol", "healthCheck", "iap", "host",
         "overrides", "extra"]), yaml_values, max_size=9), max_size=3),
    "junk": yaml_values,
})


@settings(max_examples=300, deadline=None)
@given(st.one_of(spec_like, yaml_values))
def test_any_value_gives_a_spec_or_findings_never_a_crash(data: Any) -> None:
    try:
        loaded = validate_document(Document("services.yaml", data))
    except SpecError as err:
        assert err.findings
        for finding in err.findings:
            assert finding.rule and finding.message and "\n" not in str(finding)
    else:
        assert loaded.spec.environments


def test_example_spec_is_a_fixed_point_of_check() -> None:
    from tests.conftest import REPO

    assert load_spec(REPO / "services.yaml").exposures["dev"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_valid_specs_render_to_valid_objects_in_gateway_mode(spec: dict[str, Any]) -> None:
    """The same services in a gateway environment: every object passes lint and the official schemas (CEL
    rules of HealthCheckPolicy and the Gateway API included)."""
    dev = spec["environments"]["dev"]
    dev["loadBalancer"] = "gateway"
    dev["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret:\n    secure: v1:ZG8=\n")
        k8s = _render_k8s(Path(tmp), spec)
        objects = load_objects(k8s)
        assert sum(1 for o in objects if o["kind"] == "HealthCheckPolicy") == len(spec["services"])
        assert lint([str(k8s)]).findings == []
        report = validate_manifests(k8s)
        assert report["invalid"] == 0, report["findings"]
