"""`iapgen lint` on our own output, on seeded mistakes, on real-world manifests, and its CLI contract."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from iapgen.lint.command import lint
from tests.conftest import REPO, SHARED, run_cli

REAL_WORLD = SHARED / "real-world"

# What lint reports on ../shared/real-world, file by file: (line, severity, rule). Calibrated against an
# independent expert review of every file (errors only where GKE rejects the object or it cannot work;
# warnings for what works today but is fragile). Files not listed must be clean.
REAL_WORLD_EXPECTED: dict[str, set[tuple[int, str, str]]] = {
    "devops-task-app.yaml": {(55, "warning", "CLUSTERIP_WITHOUT_NEG")},
    "eck-gclb-recipe.yaml": {(79, "warning", "API_REMOVED")},
    "gcp-websocket.yaml": {(27, "warning", "CLUSTERIP_WITHOUT_NEG")},
    "gnr-gateway-grpc-fe-srv.yaml": {(23, "warning", "ANNOTATION_IGNORED"), (43, "warning", "HC_PORT_NOT_TARGET")},
    "gnr-grpc-hc-proxy-broken.yaml": {(3, "warning", "API_REMOVED"), (23, "error", "BACKENDCONFIG_NOT_FOUND"),
                                      (57, "error", "YAML_SYNTAX"), (69, "warning", "HC_UNKNOWN_FIELD")},
    "indyjonesnl-nginx-on-gce.yaml": {(17, "error", "PROTOCOL_INVALID")},
    "jkwong-standalone-neg-grpc.yaml": {(21, "warning", "API_REMOVED")},
    "kubelab-go-web-neg.yaml": {(33, "warning", "API_REMOVED"), (98, "warning", "API_REMOVED"),
                                (121, "warning", "API_REMOVED")},
    "mateusclira-web-app-https.yaml": {(31, "warning", "TARGET_PORT_NOT_DECLARED"),
                                       (33, "warning", "APP_PROTOCOLS_MISSING"),
                                       (35, "warning", "TARGET_PORT_NOT_DECLARED"),
                                       (61, "warning", "INGRESS_DUPLICATE_HOST")},
    "pingpong-dwk.yaml": {(55, "warning", "BACKENDCONFIG_NOT_FOUND"), (73, "warning", "HC_PORT_INSTANCE_GROUP")},
    "realkinetic-iap-gke.yaml": {(33, "warning", "API_REMOVED"), (45, "warning", "API_REMOVED")},
    "salrashid-gcegrpc-backendconfig.yaml": {(103, "warning", "API_REMOVED")},
    "team21-noncog.yaml": {(18, "warning", "ANNOTATION_IGNORED"), (204, "warning", "CLUSTERIP_WITHOUT_NEG")},
    "trainlcd-stationapi-dev.yaml": {(30, "warning", "HC_TIMEOUT_GT_INTERVAL"),
                                     (31, "warning", "HC_PORT_INSTANCE_GROUP")},
    "trainlcd-stationapi-prod.yaml": {(47, "warning", "HC_TIMEOUT_GT_INTERVAL"),
                                      (48, "warning", "HC_PORT_INSTANCE_GROUP"),
                                      (49, "error", "HC_PROTOCOL_MISMATCH")},
}
# Files the review found correct in every respect lint can judge.
REAL_WORLD_CORRECT = {"argocd-gke-docs.yaml", "chimbu-grpc-gke-ingress-demo.yaml", "gnr-asm-multi-backendconfig.yaml",
                      "gnr-custom-http-hc.yaml", "gnr-grpc-hc-proxy-example.yaml", "gnr-iap-ingress.yaml",
                      "gnr-internal-custom-default-backend.yaml", "gnr-secure-ingress.yaml", "gophish-k8s.yaml",
                      "nitroboost-console.yaml", "rmishgoog-standalone-neg.yaml"}


def real_world_files() -> list[str]:
    if not REAL_WORLD.is_dir():
        return []
    return sorted(p.name for p in REAL_WORLD.glob("*.yaml"))


@pytest.mark.skipif(not REAL_WORLD.is_dir(), reason="../shared/real-world is absent")
@pytest.mark.parametrize("name", real_world_files())
def test_real_world_file(name: str) -> None:
    result = lint([str(REAL_WORLD / name)])
    found = {(f.line, f.severity, f.rule) for f in result.findings}
    assert found == REAL_WORLD_EXPECTED.get(name, set())
    if name in REAL_WORLD_CORRECT:
        assert found == set()


@pytest.mark.skipif(not REAL_WORLD.is_dir(), reason="../shared/real-world is absent")
def test_real_world_folder_at_once_equals_file_by_file() -> None:
    """Unrelated files linted together (all in `default`) must not be paired with each other."""
    together = {(Path(f.file).name, f.line, f.severity, f.rule) for f in lint([str(REAL_WORLD)]).findings}
    one_by_one = {(name, *item) for name, items in REAL_WORLD_EXPECTED.items() for item in items}
    assert together == one_by_one


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lint") / "dev"
    assert run_cli("render", "--env", "dev", "--spec", REPO / "services.yaml", "--out", out, "-q").code == 0
    return out / "k8s"


def test_own_output_lints_clean(rendered: Path) -> None:
    result = run_cli("lint", rendered)
    assert result.code == 0, result.out
    assert "0 errors, 0 warnings" in result.out


def load(rendered: Path) -> dict[str, Any]:
    return {p.relative_to(rendered).as_posix(): yaml.safe_load(p.read_text()) for p in rendered.rglob("*.yaml")}


def annotate(key: str, value: str) -> Callable[[dict[str, Any]], None]:
    return lambda o: o["metadata"]["annotations"].__setitem__(key, value)


def hc(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda o: o["spec"]["healthCheck"].update(fields)


SVC, BC, ING = "argocd/service-argocd.yaml", "argocd/backendconfig-argocd.yaml", "argocd/ingress-iapgen.yaml"
# (the file to break, how, the one rule that must catch it)
SEEDED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (SVC, annotate("cloud.google.com/app-protocols", '{"443":"HTTPS"}'), "APP_PROTOCOLS_NUMERIC_KEY"),
    (SVC, annotate("cloud.google.com/app-protocols", '{"web":"HTTPS","https":"HTTPS"}'), "APP_PROTOCOLS_UNKNOWN_PORT"),
    (SVC, annotate("cloud.google.com/app-protocols", '{"https":"https"}'), "PROTOCOL_INVALID"),
    (SVC, annotate("cloud.google.com/neg", '{"ingress": true, "exposed_ports": {"8080": {}}}'),
     "NEG_PORT_NOT_SERVICE_PORT"),
    (SVC, annotate("cloud.google.com/neg", '{"exposed_ports": {"443": {}}}'), "CLUSTERIP_WITHOUT_NEG"),
    (SVC, annotate("cloud.google.com/neg", "{ingress: true}"), "ANNOTATION_JSON"),
    (SVC, annotate("cloud.google.com/backend-config", '{"default": "argo"}'), "BACKENDCONFIG_NOT_FOUND"),
    (SVC, annotate("cloud.google.com/backend-config", "{}"), "BACKENDCONFIG_ANNOTATION"),
    (BC, hc(port=443), "HC_PORT_NOT_TARGET"),
    (BC, hc(type="TCP"), "PROTOCOL_INVALID"),
    (BC, hc(timeoutSec=20), "HC_TIMEOUT_GT_INTERVAL"),
    (BC, hc(requestPath="healthz"), "HC_PATH"),
    (BC, hc(unhealthyThreshold=0), "HC_RANGE"),
    (BC, hc(logConfig={"enable": True}), "HC_LOGGING_FIELD"),
    (BC, lambda o: o["spec"].update(cdn={"enabled": True}), "IAP_AND_CDN"),
    (BC, lambda o: o["spec"].update(logging={"enable": True, "sampleRate": 2}), "LOGGING_SAMPLE_RATE"),
    (ING, lambda o: o["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"].update(number=8080),
     "INGRESS_BACKEND_PORT"),
    (ING, lambda o: o["spec"]["rules"][0]["http"]["paths"][0].update(path="/*"), "INGRESS_PATH_WILDCARD"),
    (ING, lambda o: (o["metadata"]["annotations"].pop("kubernetes.io/ingress.class"),
                     o["spec"].update(ingressClassName="gce")), "INGRESS_CLASS_NAME"),
]


@pytest.mark.parametrize(("target", "mutate", "rule"), SEEDED, ids=[f"{r}-{i}" for i, (_, _, r) in enumerate(SEEDED)])
def test_each_seeded_mistake_is_reported_once(rendered: Path, tmp_path: Path, target: str, mutate: Any,
                                              rule: str) -> None:
    objects = copy.deepcopy(load(rendered))
    mutate(objects[target])
    for rel, obj in objects.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(yaml.safe_dump(obj, sort_keys=False))
    result = lint([str(tmp_path)])
    found = [(Path(f.file).relative_to(tmp_path).as_posix(), f.rule) for f in result.findings]
    assert found == [(target, rule)], result.findings


def test_all_seeded_mistakes_in_one_run(rendered: Path, tmp_path: Path) -> None:
    """Each mistake in its own copy of the example, all linted together: each reported exactly once."""
    for i, (target, mutate, _) in enumerate(SEEDED):
        objects = copy.deepcopy(load(rendered))
        mutate(objects[target])
        for rel, obj in objects.items():
            obj["metadata"]["namespace"] = f"case{i}"  # keep the copies apart
            path = tmp_path / f"case{i}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(obj, sort_keys=False))
    result = lint([str(tmp_path)])
    found = sorted((Path(f.file).relative_to(tmp_path).parts[0], f.rule) for f in result.findings)
    assert found == sorted((f"case{i}", rule) for i, (_, _, rule) in enumerate(SEEDED))


def test_stdin_and_kind_list(rendered: Path) -> None:
    items = list(load(rendered).values())
    items[0].setdefault("spec", {})
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})
    clean = lint(["-"], stdin=text.encode())
    assert clean.objects == len(items) and clean.findings == []
    bc = next(i for i in items if i["kind"] == "BackendConfig")
    bc["spec"]["healthCheck"]["port"] = 443
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})
    broken = lint(["-"], stdin=text.encode())
    assert [(f.file, f.rule) for f in broken.findings] == [("<stdin>", "HC_PORT_NOT_TARGET")]
    line = broken.findings[0].line
    assert line is not None and text.splitlines()[line - 1].strip().startswith("port: 443")


def test_folders_are_read_recursively_and_non_kubernetes_yaml_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "svc.yml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, annotations: {cloud.google.com/app-protocols: "
        "'{\"443\": \"HTTPS\"}'}}\nspec: {ports: [{name: https, port: 443}]}\n")
    (tmp_path / "values.yaml").write_text("replicas: 3\nimage: {tag: latest}\n")
    (tmp_path / "notes.txt").write_text("not yaml: [")
    (tmp_path / "svc.json").write_text(json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                                                   "spec": {"ports": [{"port": 80}]}}))
    result = lint([str(tmp_path)])
    assert [(Path(f.file).name, f.rule) for f in result.findings] == [("svc.yml", "APP_PROTOCOLS_NUMERIC_KEY")]
    assert result.objects == 2


def test_exit_codes_and_fail_on(tmp_path: Path) -> None:
    warning_only = tmp_path / "w.yaml"
    warning_only.write_text("apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: x}\nspec: {}\n")
    assert run_cli("lint", warning_only).code == 0
    assert run_cli("lint", "--fail-on", "warning", warning_only).code == 1
    error = tmp_path / "e.yaml"
    error.write_text("apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: x}\n"
                     "spec: {healthCheck: {type: TCP}}\n")
    assert run_cli("lint", error).code == 1
    assert run_cli("lint", "--fail-on", "never", error).code == 0
    assert run_cli("lint", tmp_path / "missing.yaml").code == 2
    assert run_cli("lint").code == 2
    text = run_cli("lint", error).out
    assert text.startswith(f"{error}:4: error PROTOCOL_INVALID: BackendConfig default/x: healthCheck.type: ")


def test_json_and_sarif(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: x}\n"
                    "spec: {healthCheck: {type: TCP, timeoutSec: 90}}\n")
    data = json.loads(run_cli("lint", "--format", "json", path).out)
    assert {f["rule"] for f in data["findings"]} == {"PROTOCOL_INVALID", "HC_TIMEOUT_GT_INTERVAL"}
    assert all(set(f) == {"file", "line", "severity", "rule", "object", "message"} for f in data["findings"])
    sarif = json.loads(run_cli("lint", "--format", "sarif", path).out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert all(r["helpUri"].endswith("#" + r["id"].lower()) for r in run["tool"]["driver"]["rules"])


def test_live_objects_may_carry_controller_annotations(rendered: Path) -> None:
    svc = load(rendered)[SVC]
    svc["metadata"]["annotations"]["cloud.google.com/neg-status"] = '{"network_endpoint_groups":{"443":"k8s1-x"}}'
    text = yaml.safe_dump(svc)
    assert [f.rule for f in lint(["-"], stdin=text.encode()).findings] == ["CONTROLLER_OWNED"]
    svc["metadata"]["uid"] = "5b7c0d6e-1111-2222-3333-444455556666"  # read back from a cluster
    assert lint(["-"], stdin=yaml.safe_dump(svc).encode()).findings == []


@pytest.mark.parametrize(("annotation", "value", "rule"), [
    ("cloud.google.com/neg", "[" * 200_000, "ANNOTATION_JSON"),  # json.loads would recurse too deep
    ("cloud.google.com/app-protocols", '{"\u00b2": "HTTPS"}', "APP_PROTOCOLS_UNKNOWN_PORT"),  # isdigit, not int
    ("cloud.google.com/neg", '{"exposed_ports": {"--80": {}}}', "NEG_PORT_NOT_SERVICE_PORT"),
    ("cloud.google.com/app-protocols", '{"' + "9" * 5000 + '": "HTTPS"}', "APP_PROTOCOLS_UNKNOWN_PORT"),
])
def test_odd_annotation_values_are_findings_not_crashes(annotation: str, value: str, rule: str) -> None:
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "annotations": {annotation: value}},
           "spec": {"ports": [{"name": "https", "port": 443}]}}
    result = lint(["-"], stdin=yaml.safe_dump(doc).encode())
    assert [f.rule for f in result.findings] == [rule]
