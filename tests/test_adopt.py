"""iapgen import: the seed's situations as manifests -> spec -> render keeps live names, lints clean,
passes the official schemas, and the report lists exactly the fixes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.ingress import frontend
from iapgen.lint.command import lint
from iapgen.render.command import render
from iapgen.spec.validate import load_spec
from tests.conftest import REPO, run_cli
from tests.k8s_schemas import validate_objects

FIXTURES = REPO / "tests" / "fixtures" / "adopt"
MANIFESTS = FIXTURES / "manifests"
LIST = FIXTURES / "kubectl-get.yaml"
MEMBER = ("--member", "group:sre@acme.example")
FIXES = {("Service argocd/argocd-server", "APP_PROTOCOLS_NUMERIC_KEY"),
         ("BackendConfig argocd/argocd-backend-config", "HC_PORT_NOT_TARGET"),
         ("Service ml/gradio", "NEG_PORT_NOT_SERVICE_PORT")}


def adopt(tmp_path: Path, *inputs: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)  # the project's Pulumi.prod.yaml names the GCP project
    out = tmp_path / "adopt"
    result = run_cli("import", *inputs, "--env", "prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    return out


def rendered(spec: Path) -> list[dict[str, Any]]:
    out = spec.parent.parent / "render"
    assert run_cli("render", "--env", "prod", "--spec", str(spec), "--out", str(out), "-q").code == 0
    return [yaml.safe_load(p.read_text()) for p in sorted((out / "k8s").rglob("*.yaml"))]


def names(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects}


def test_import_render_keeps_live_names_lints_clean_and_passes_schemas(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = adopt(tmp_path, str(MANIFESTS), monkeypatch=monkeypatch)
    assert sorted(p.name for p in out.iterdir()) == [".iapgen-render.json", "import.json", "report.md", "services.yaml"]
    assert run_cli("check", "--spec", str(out / "services.yaml")).code == 0
    objects = rendered(out / "services.yaml")
    live = {("Service", "argocd", "argocd-server"), ("BackendConfig", "argocd", "argocd-backend-config"),
            ("Ingress", "argocd", "argocd-server-ingress"), ("ManagedCertificate", "argocd", "argocd-cert"),
            ("Service", "docs", "wiki"), ("Ingress", "docs", "wiki"), ("ManagedCertificate", "docs", "wiki-cert"),
            ("Service", "ml", "gradio")}
    assert live <= names(objects)
    ingresses = {o["metadata"]["name"]: o["metadata"]["annotations"] for o in objects if o["kind"] == "Ingress"}
    assert ingresses["argocd-server-ingress"]["kubernetes.io/ingress.global-static-ip-name"] == "argocd-ip"
    assert ingresses["wiki"]["kubernetes.io/ingress.global-static-ip-name"] == "wiki-ip"
    assert ingresses["argocd-server-ingress"]["networking.gke.io/managed-certificates"] == "argocd-cert"
    argocd = next(o for o in objects if o["kind"] == "BackendConfig" and o["metadata"]["namespace"] == "argocd")
    assert argocd["spec"]["healthCheck"]["port"] == 8080 and argocd["spec"]["healthCheck"]["type"] == "HTTPS"
    gradio = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "gradio")
    assert gradio["spec"]["ports"][0]["targetPort"] == 7860
    assert validate_objects(objects) == []
    result = lint([str(tmp_path / "render" / "k8s")])
    assert result.count("error") == 0, result.findings


def test_done_when_the_issue_command_in_the_project_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`iapgen import fixtures.yaml --env prod --out adopt/`: the project's services.yaml and Pulumi.prod.yaml give
    what manifests cannot (project, domain, IAP members)."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "adopt"
    before = sorted(p.name for p in REPO.iterdir())
    result = run_cli("import", str(LIST), "--env", "prod", "--out", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in REPO.iterdir()) == before and [p.name for p in tmp_path.iterdir()] == ["adopt"]
    assert "lint findings of the live objects that the spec fixes (3):" in result.out
    text = (out / "services.yaml").read_text()
    assert "members: ['group:sre@acme.example']  # from services.yaml environments.prod" in text
    assert run_cli("check", "--spec", str(out / "services.yaml")).code == 0
    assert {"report.md", "services.yaml"} <= {p.name for p in out.iterdir()}


def test_report_lists_exactly_the_fixes_and_what_stays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = adopt(tmp_path, str(MANIFESTS), monkeypatch=monkeypatch)
    report = (out / "report.md").read_text()
    fixes = report.split("## Fixes")[1].split("## Not fixed")[0]
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]) for line in fixes.splitlines()
            if line.startswith("| ") and not line.startswith("| object")}
    assert rows == FIXES
    stays = report.split("## Not fixed")[1].split("## Per object")[0]
    assert "LISTENS_ON_LOCALHOST" in stays and "Deployment docs/wiki" in stays
    assert "health check port 443 -> 8080" in report
    assert "health check type HTTP -> HTTPS" in report
    assert "app-protocols key 443 -> https" in report
    assert "neg {\"exposed_ports\":{\"7860\":{}}} -> {\"ingress\":true}" in report
    assert "timeoutSec: 3600" in report  # what the spec cannot express is named
    loud = report.split("## Read first")[1].split("## Fixes")[0]
    assert "gradio" in loud and "argocd" not in loud and "wiki" not in loud


def test_spec_comments_say_where_values_came_from_and_mark_guesses(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = (adopt(tmp_path, str(MANIFESTS), monkeypatch=monkeypatch) / "services.yaml").read_text()
    gradio = text.split("- name: gradio")[1]
    assert "# host (unset): GUESSED" in gradio and "# iap (unset): GUESSED" in gradio
    assert "targetPort: 3000" in text and "the container port named 'http'" in text
    assert "# not in the spec: BackendConfig argocd-backend-config timeoutSec: 3600" in text
    argocd = text.split("- name: argocd-server")[1].split("- name:")[0]
    assert "GUESSED" not in argocd


def test_kubectl_list_on_stdin_gives_the_same_spec_and_import_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    files = adopt(tmp_path / "a", str(MANIFESTS), monkeypatch=monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LIST.read_bytes())))
    piped = adopt(tmp_path / "b", "-", monkeypatch=monkeypatch)
    body = (files / "services.yaml").read_text().split("\n", 1)[1]
    assert (piped / "services.yaml").read_text().split("\n", 1)[1] == body
    assert (piped / "import.json").read_text() == (files / "import.json").read_text()


def test_import_file_adopts_every_live_object_under_its_component(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = adopt(tmp_path, str(LIST), monkeypatch=monkeypatch)
    plan = json.loads((out / "import.json").read_text())["resources"]
    ids = {r["id"] for r in plan if "id" in r}
    assert ids == {"argocd/argocd-server", "argocd/argocd-backend-config", "argocd/argocd-server-ingress",
                   "argocd/argocd-cert", "docs/wiki", "docs/wiki-cert",
                   "ml/gradio", "projects/acme-prod/global/addresses/argocd-ip",
                   "projects/acme-prod/global/addresses/wiki-ip"}
    components = {r["name"] for r in plan if r.get("component")}
    assert all(r.get("parent") in components for r in plan if "id" in r)
    assert len({r["name"] for r in plan}) == len(plan)
    # the names are the program's own logical names: the render's plan holds each of them
    rendered_plan = render(str(out / "services.yaml"), "prod").run.resources
    assert {(r["type"], r["name"]) for r in plan} <= {(r.type, r.name) for r in rendered_plan}


def test_adopted_address_ignores_what_would_replace_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = adopt(tmp_path, str(MANIFESTS), monkeypatch=monkeypatch)
    ignored: dict[str, Any] = {}
    real = frontend.GlobalAddress

    def record(resource_name: str, **kwargs: Any) -> Any:
        ignored[kwargs["name"]] = kwargs["opts"].ignore_changes
        return real(resource_name, **kwargs)

    monkeypatch.setattr(frontend, "GlobalAddress", record)
    render(str(out / "services.yaml"), "prod")
    # live addresses keep what iapgen cannot see (their description...); the new one is iapgen's own
    assert ignored == {"argocd-ip": ["description", "addressType", "ipVersion"],
                       "wiki-ip": ["description", "addressType", "ipVersion"], "iapgen-prod-ml": None}


def test_bad_input_gets_lint_lines_and_exit_1_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Service\nmetadata: {name: a, name: b}\n")
    result = run_cli("import", str(bad), "--env", "prod", "--out", str(tmp_path / "out"), "--project", "acme-prod")
    assert result.code == 1
    assert result.err.startswith(f"{bad}:2: error YAML_DUPLICATE_KEY:"), result.err
    assert not (tmp_path / "out").exists()


def test_refuses_a_folder_it_did_not_write_and_one_render_wrote(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    args = (str(MANIFESTS), "--env", "prod", "--project", "acme-prod", *MEMBER)
    result = run_cli("import", *args, "--out", str(foreign))
    assert result.code == 1 and "notes.txt" in result.err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    build = tmp_path / "build"
    assert run_cli("render", "--env", "dev", "--spec", str(REPO / "services.yaml"), "--out", str(build), "-q").code == 0
    result = run_cli("import", *args, "--out", str(build))
    assert result.code == 1 and "iapgen render wrote it" in result.err
    again = tmp_path / "again"
    assert run_cli("import", *args, "--out", str(again)).code == 0
    assert run_cli("import", *args, "--out", str(again)).code == 0  # its own earlier output is replaced


def test_iap_members_are_required_when_iap_stays_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no services.yaml here to take the environment's members from
    result = run_cli("import", str(MANIFESTS), "--env", "prod", "--project", "acme-prod", "--out", str(tmp_path / "o"))
    assert result.code == 2 and "--member" in result.err and "argocd-server" in result.err
    assert not (tmp_path / "o").exists()


SHARED = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: {name}
    namespace: tools
    uid: 0d7c5c1e-{name}
    annotations: {{cloud.google.com/neg: '{{"ingress": true}}'}}
  spec:
    selector: {{app: {name}}}
    clusterIP: 10.0.0.{n}
    ports:
    - {{name: http, port: 80, targetPort: 8080}}
    - {{name: metrics, port: 9090, targetPort: 9090}}
"""
INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: tools
  annotations:
    networking.gke.io/managed-certificates: tools-cert
    kubernetes.io/ingress.allow-http: "false"
    networking.gke.io/v1beta1.FrontendConfig: tls-policy
spec:
  rules:
  - host: {name}.acme.example
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: {name}, port: {{number: 80}}}}}}}}
status:
  loadBalancer:
    ingress: [{{ip: 34.1.1.{n}}}]
---
apiVersion: networking.gke.io/v1
kind: ManagedCertificate
metadata: {{name: tools-cert, namespace: tools}}
spec:
  domains: [grafana.acme.example, kibana.acme.example]
"""


def test_what_users_would_notice_is_reported_loudly_with_what_to_do(tmp_path: Path) -> None:
    manifest = tmp_path / "live.yaml"
    kibana_ingress = INGRESS.format(name="kibana", n=2).split("---\n")[1]
    orphan = ("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: orphan\n  namespace: tools\n  annotations:\n"
              "    cloud.google.com/app-protocols: '{\"443\": \"HTTPS\"}'\nspec:\n  selector: {app: orphan}\n"
              "  ports:\n  - {name: https, port: 443, targetPort: 8443}\n")
    manifest.write_text(SHARED.format(name="grafana", n=1) + "---\n" + SHARED.format(name="kibana", n=2)
                        + INGRESS.format(name="grafana", n=1) + "---\n" + kibana_ingress + orphan)
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    report = (out / "report.md").read_text()
    loud = report.split("## Read first")[1].split("## Fixes")[0]
    # the Ingress runs on an ephemeral address: reserve it under the name the spec pins, before importing
    before = report.split("## Before you import")[1].split("## Fixes")[0]
    assert before.count("gcloud compute addresses create") == 1
    assert "gcloud compute addresses create iapgen-prod-tools --global --addresses=34.1.1.1" in before
    # one certificate covered both hosts: the spec gives grafana its own domain list, which re-provisions
    assert "ManagedCertificate tools/tools-cert domains grafana.acme.example, kibana.acme.example -> " \
           "grafana.acme.example" in loud
    # kibana's certificate is new and its host moves to grafana's Ingress, with another address
    assert "ManagedCertificate tools/kibana is new" in loud
    assert "host kibana.acme.example moves from Ingress kibana to grafana" in loud
    assert "loses ports 9090" in loud
    # what the live Ingress carries beyond what iapgen sets is named once, with the first service it serves
    notes = report.split("## Not in the spec")[1]
    assert "grafana: Ingress grafana annotation kubernetes.io/ingress.allow-http: false" in notes
    assert notes.count("uses FrontendConfig tls-policy") == 2  # one per live Ingress
    # a Service nobody exposes is not adopted, so its finding is not a fix
    assert "| Service tools/orphan" in report.split("## Not fixed")[1].split("## Per object")[0]
    assert "orphan" not in report.split("## Fixes")[1].split("## Not fixed")[0]
    spec = load_spec(out / "services.yaml")
    kept = {e.service.name: e.service.names for e in spec.exposures["prod"]}
    assert kept["grafana"].static_ip == kept["kibana"].static_ip == "iapgen-prod-tools"
    assert kept["grafana"].certificate == "tools-cert" and kept["kibana"].certificate is None
    plan = json.loads((out / "import.json").read_text())["resources"]
    assert "projects/acme-prod/global/addresses/iapgen-prod-tools" in {r.get("id") for r in plan}


def test_losing_cloud_armor_is_loud(tmp_path: Path) -> None:
    manifest = tmp_path / "argocd.yaml"
    manifest.write_text((MANIFESTS / "argocd.yaml").read_text().replace(
        "  timeoutSec: 3600\n", "  securityPolicy:\n    name: edge-policy\n"))
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    report = (out / "report.md").read_text()
    loud = report.split("## Read first")[1].split("## Fixes")[0]
    assert "BackendConfig argocd-backend-config securityPolicy is not in the spec" in loud
    assert "securityPolicy" in (out / "services.yaml").read_text().split("- name: argocd-server")[1]


def test_a_service_name_taken_in_another_namespace_is_reported_not_adopted(tmp_path: Path) -> None:
    wiki = (MANIFESTS / "wiki.yaml").read_text()
    manifest = tmp_path / "two.yaml"
    manifest.write_text(wiki + "---\n" + wiki.replace("namespace: docs", "namespace: docs2").replace(
        "wiki.acme.example", "wiki2.acme.example").replace("wiki-ip", "wiki2-ip"))
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    assert "- Service docs2/wiki: spec service names are unique across namespaces and wiki is already adopted from " \
           "namespace docs" in (out / "report.md").read_text()
    assert [e.service.namespace for e in load_spec(out / "services.yaml").exposures["prod"]] == ["docs"]


def crowded_namespace(count: int, ingress: str = "tools", names: str = "app{i:02d}") -> str:
    """`count` apps in namespace tools behind one live Ingress with a static IP and no certificate."""
    apps = [names.format(i=i) for i in range(count)]
    services = "".join(f"""---
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: tools
  annotations: {{cloud.google.com/neg: '{{"ingress": true}}'}}
spec:
  selector: {{app: {app}}}
  ports:
  - {{name: http, port: 80, targetPort: 8080}}
""" for app in apps)
    rules = "".join(f"""  - host: {app}.acme.example
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: {app}, port: {{number: 80}}}}}}}}
""" for app in apps)
    return services + f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {ingress}
  namespace: tools
  annotations: {{kubernetes.io/ingress.global-static-ip-name: {ingress}-ip}}
spec:
  rules:
{rules}"""


def test_a_namespace_past_15_hosts_is_adopted_onto_pinned_ingresses(tmp_path: Path) -> None:
    """The live Ingress that serves most apps is kept for 15 of them, its own first; the others get
    `ingress: 2`, and each move to a new IP is loud."""
    manifest = tmp_path / "live.yaml"
    manifest.write_text(crowded_namespace(1, "side", "aaa") + crowded_namespace(16))
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    spec = load_spec(out / "services.yaml")
    placed = {e.service.name: (e.ingress_number, e.ingress_name, e.static_ip_name) for e in spec.exposures["prod"]}
    assert placed["app00"] == placed["app14"] == (1, "tools", "tools-ip")
    assert placed["app15"] == placed["aaa"] == (2, "iapgen-2", "iapgen-prod-tools-2")
    loud = (out / "report.md").read_text().split("## Read first")[1].split("## Fixes")[0]
    assert "host app15.acme.example moves from Ingress tools to iapgen-2 with the new IP iapgen-prod-tools-2" in loud
    assert "host aaa.acme.example moves from Ingress side to iapgen-2" in loud
    assert "aaa.acme.example moves from Ingress side to tools" not in loud
    assert "app14.acme.example moves" not in loud


def test_the_kept_ingress_is_the_one_that_serves_most_adopted_apps(tmp_path: Path) -> None:
    """Ingress big routes 3 paths of one host (one app adopted, two skipped as fan-out); Ingress small serves 2
    hosts. Keeping small moves one host's DNS, keeping big would move two."""
    backend = "backend: {{service: {{name: fan{i}, port: {{number: 80}}}}}}"
    paths = "".join(f"      - {{path: /p{i}, pathType: Prefix, {backend.format(i=i)}}}\n" for i in range(3))
    big = f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: big, namespace: tools, annotations: {{kubernetes.io/ingress.global-static-ip-name: big-ip}}}}
spec:
  rules:
  - host: fan.acme.example
    http:
      paths:
{paths}"""
    fan = "".join(crowded_namespace(1, f"unused{i}", f"fan{i}").split("---\napiVersion: networking.k8s.io/v1")[0]
                  for i in range(3))
    manifest = tmp_path / "live.yaml"
    manifest.write_text(fan + big + crowded_namespace(2, "small", "s{i}"))
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out), *MEMBER)
    assert result.code == 0, result.err
    placed = {e.service.name: e.ingress_name for e in load_spec(out / "services.yaml").exposures["prod"]}
    assert placed == {"fan0": "small", "s0": "small", "s1": "small"}
