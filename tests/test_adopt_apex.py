"""iapgen import on apex hosts, and on values import chose: the spec it writes always passes check, and a value it
chose that the spec refuses is a usage error naming the flag (exit 2), never a finding in an unwritten file.

The manifests are written here, shaped like the real ones that failed (one apex host, hosts sharing an apex, an
apex with subdomains, a host under a public suffix such as co.uk)."""

from __future__ import annotations

import importlib
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iapgen.adopt import domains
from iapgen.adopt.domains import guess
from iapgen.spec.validate import load_spec
from tests.conftest import Plan, base_spec, run_cli, service

MEMBER = "group:sre@acme.example"
FLAGS = ("--domain", "--project", "--member", "--env")


def one_line(err: str) -> bool:
    """One line that says what is wrong (a usage line may follow it, as for any bad flag)."""
    lines = err.strip().splitlines()
    return len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("usage: iapgen import"))


def manifests(hosts: list[tuple[str, str]], namespace: str = "site", selector: str | None = None,
              standalone: str | None = None) -> str:
    """One Ingress `web` (static IP web-ip) routing each host to its own Service, one ManagedCertificate per host;
    `standalone`: also a Service exposed through a standalone NEG (no host)."""
    docs: list[dict[str, Any]] = []
    for name, host in hosts:
        docs.append({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": name, "namespace": namespace,
                                  "annotations": {"cloud.google.com/neg": '{"ingress": true}'}},
                     "spec": {"selector": {"app": selector or name},
                              "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
        docs.append({"apiVersion": "networking.gke.io/v1", "kind": "ManagedCertificate",
                     "metadata": {"name": f"{name}-cert", "namespace": namespace}, "spec": {"domains": [host]}})
    docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": {"name": "web", "namespace": namespace, "annotations": {
                     "kubernetes.io/ingress.global-static-ip-name": "web-ip",
                     "networking.gke.io/managed-certificates": ",".join(f"{n}-cert" for n, _ in hosts)}},
                 "spec": {"rules": [{"host": host, "http": {"paths": [{
                     "path": "/", "pathType": "Prefix",
                     "backend": {"service": {"name": name, "port": {"number": 80}}}}]}} for name, host in hosts]}})
    if standalone:
        docs.append({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": standalone, "namespace": namespace, "annotations": {
                         "cloud.google.com/neg": '{"exposed_ports": {"80": {}}}'}},
                     "spec": {"selector": {"app": standalone}, "ports": [{"port": 80, "targetPort": 9000}]}})
    return yaml.safe_dump_all(docs, sort_keys=False)


def adopt(tmp_path: Path, text: str, *flags: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    monkeypatch.chdir(tmp_path)  # no services.yaml or Pulumi.prod.yaml here: every choice is import's
    source = tmp_path / "live.yaml"
    source.write_text(text)
    out = tmp_path / "adopt"
    given_flags = list(flags)
    for flag, value in (("--env", "prod"), ("--project", "acme-prod"), ("--member", MEMBER)):
        if flag not in given_flags:
            given_flags += [flag, value]
    return run_cli("import", str(source), *given_flags, "--out", str(out)), out


def rendered(tmp_path: Path, spec: Path) -> list[dict[str, Any]]:
    out = tmp_path / "render"
    result = run_cli("render", "--env", "prod", "--spec", str(spec), "--out", str(out), "-q")
    assert result.code == 0, result.err
    return [yaml.safe_load(p.read_text()) for p in sorted((out / "k8s").rglob("*.yaml"))]


SHAPES = {
    "one apex host": ([("mindmend", "mindmend.xyz")], "mindmend.xyz"),
    "one apex host under dev": ([("nvdh", "nvdh.dev")], "nvdh.dev"),
    "one apex host under io": ([("nitroboost", "nitroboost.io")], "nitroboost.io"),
    "hosts sharing an apex": ([("app", "app.nvdh.dev"), ("api", "api.nvdh.dev")], "nvdh.dev"),
    "an apex and its subdomains": ([("site", "nitroboost.io"), ("www", "www.nitroboost.io"),
                                    ("status", "status.nitroboost.io")], "nitroboost.io"),
    "under a public suffix": ([("bakery", "bakery.co.uk"), ("orders", "orders.bakery.co.uk")], "bakery.co.uk"),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_apex_hosts_adopt_cleanly_check_render_and_keep_every_live_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    hosts, domain = SHAPES[shape]
    result, out = adopt(tmp_path, manifests(hosts, standalone="jobs"), monkeypatch=monkeypatch)
    assert result.code == 0, result.err
    spec = out / "services.yaml"
    assert run_cli("check", "--spec", str(spec)).code == 0
    loaded = load_spec(spec).spec
    assert loaded.environments["prod"].domain == domain
    assert "GUESSED" in next(line for line in spec.read_text().splitlines() if "domain:" in line)
    assert {s.name: s.host for s in loaded.services} == {**dict(hosts), "jobs": None}
    objects = rendered(tmp_path, spec)
    found = {(o["kind"], o["metadata"]["name"]) for o in objects}
    live = {("Ingress", "web")} | {("Service", n) for n, _ in hosts} | {("ManagedCertificate", f"{n}-cert")
                                                                         for n, _ in hosts}
    assert live <= found, live - found
    certificates = {o["metadata"]["name"]: o["spec"]["domains"] for o in objects if o["kind"] == "ManagedCertificate"}
    assert {name: certificates[f"{name}-cert"] for name, _ in hosts} == {name: [host] for name, host in hosts}
    assert certificates["jobs"] == [f"jobs.{domain}"]  # the one service without a host is under the guessed domain
    ingress = next(o for o in objects if o["kind"] == "Ingress" and o["metadata"]["name"] == "web")
    assert ingress["metadata"]["annotations"]["kubernetes.io/ingress.global-static-ip-name"] == "web-ip"
    assert {r["host"] for r in ingress["spec"]["rules"]} >= {host for _, host in hosts}


@pytest.mark.parametrize(("hosts", "domain"), [
    (["mindmend.xyz"], "mindmend.xyz"),
    (["nvdh.dev", "www.nvdh.dev"], "nvdh.dev"),
    (["argocd.acme.example", "wiki.acme.example"], "acme.example"),
    (["argocd.acme.example"], "acme.example"),  # a lone subdomain: its parent, as before
    (["a.tools.acme.example", "b.tools.acme.example"], "tools.acme.example"),
    (["example.co.uk"], "example.co.uk"),  # its parent co.uk is valid DNS but a public suffix
    (["shop.example.com.au"], "example.com.au"),
    (["myapp.github.io"], "myapp.github.io"),  # private suffixes count too: nobody owns a name under github.io
    (["a.acme.example", "b.acme.example", "c.other.example"], "acme.example"),  # the one most hosts share
    (["co.uk"], None),
    ([], None),
])
def test_a_guessed_domain_is_never_above_the_registrable_domain(hosts: list[str], domain: str | None) -> None:
    found = guess(hosts)
    assert (found.domain if found else None) == domain


def test_public_suffixes_come_from_the_shipped_list_not_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the Public Suffix List must not be fetched")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    importlib.reload(domains)  # a fresh module: the list is read again, with the network refused
    registrable = domains.registrable
    assert registrable("www.bbc.co.uk") == "bbc.co.uk"
    assert registrable("co.uk") is None
    assert registrable("city.kawasaki.jp") == "city.kawasaki.jp"  # an exception rule of the list


def test_no_host_under_an_ownable_domain_asks_for_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, out = adopt(tmp_path, manifests([("web", "co.uk")]), monkeypatch=monkeypatch)
    assert result.code == 2
    assert one_line(result.err) and "--domain" in result.err, result.err
    assert not out.exists()
    result, out = adopt(tmp_path, manifests([("web", "co.uk")]), "--domain", "bakery.co.uk", monkeypatch=monkeypatch)
    assert result.code == 0, result.err


@pytest.mark.parametrize(("flag", "value"), [("--domain", "xyz"), ("--project", "p"), ("--member", "bob"),
                                             ("--env", "Prod_X")])
def test_a_flag_value_the_spec_refuses_is_a_usage_error_naming_the_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, value: str) -> None:
    result, out = adopt(tmp_path, manifests([("web", "mindmend.xyz")]), flag, value, monkeypatch=monkeypatch)
    assert result.code == 2, result
    assert one_line(result.err) and flag in result.err, result.err
    assert "services.yaml" not in result.err.splitlines()[0]  # no finding at a line of an unwritten file
    assert not out.exists()


def test_a_project_read_from_the_stack_file_is_reported_against_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  gcp:project: Acme Prod\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "live.yaml").write_text(manifests([("web", "mindmend.xyz")]))
    result = run_cli("import", "live.yaml", "--env", "prod", "--member", MEMBER, "--out", "adopt")
    assert result.code == 2, result
    assert one_line(result.err), result.err
    assert "--project" in result.err and "Pulumi.prod.yaml" in result.err and "services.yaml" not in result.err


def test_a_domain_that_makes_a_default_host_too_long_is_a_usage_error(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    long_domain = "platform-engineering-europe-west.internal-tools.acme.example"  # 60 characters
    text = manifests([("web", "mindmend.xyz")], standalone="jobs")
    result, out = adopt(tmp_path, text, "--domain", long_domain, monkeypatch=monkeypatch)
    assert result.code == 2, result
    assert one_line(result.err) and "--domain" in result.err and "jobs" in result.err
    assert "services.yaml" not in result.err and not out.exists()


def test_an_app_the_spec_refuses_for_what_it_carries_is_reported_and_the_others_adopted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = manifests([("web", "mindmend.xyz")]) + "---\n" + manifests([("shop", "shop.mindmend.xyz")],
                                                                      namespace="shop", selector="not a label!")
    result, out = adopt(tmp_path, text, monkeypatch=monkeypatch)
    assert result.code == 0, result.err
    assert run_cli("check", "--spec", str(out / "services.yaml")).code == 0
    assert [s.name for s in load_spec(out / "services.yaml").spec.services] == ["web"]
    report = (out / "report.md").read_text()
    assert "Service shop/shop" in report and "selector" in report


@pytest.mark.parametrize("mode", ["ingress", "standalone", "gateway"])
def test_an_apex_host_renders_and_gets_its_certificate_in_every_mode(plan_for: Any, mode: str) -> None:
    spec = base_spec()
    spec["services"] = [service("site", namespace="site", host="mindmend.xyz"),
                        service("www", namespace="site", host="www.mindmend.xyz")]
    del spec["environments"]["prod"]  # a host belongs to one environment (HOST_MULTI_ENV)
    environment = spec["environments"]["dev"]
    if mode == "standalone":
        environment.update(loadBalancer="standalone", zones=["europe-west1-b"], network="gke-vpc",
                           nodes={"tags": ["gke-apps-node"]})
    if mode == "gateway":
        environment.update(loadBalancer="gateway")
        environment["iap"]["oauthClientId"] = "123-abc.apps.googleusercontent.com"
    config = {"iapgen:oauthClientSecret": "s3cret"} if mode == "gateway" else None
    plan: Plan = plan_for(spec, config=config)
    if mode == "ingress":
        domains = sorted(d for r in plan.of_type("ManagedCertificate") for d in r.inputs["spec"]["domains"])
    else:
        domains = sorted(d for r in plan.of_type("certificatemanager/certificate:Certificate")
                         for d in r.inputs["managed"]["domains"])
        assert sorted(r.inputs["hostname"] for r in plan.of_type("CertificateMapEntry")) == domains
    assert domains == ["mindmend.xyz", "www.mindmend.xyz"]


HOSTS = ["mindmend.xyz", "www.mindmend.xyz", "nvdh.dev", "bakery.co.uk", "orders.bakery.co.uk", "co.uk",
         "myapp.github.io", "argocd.acme.example", "a.b.c.acme.example", "x" * 60 + ".example"]

CHOICES = [("--domain", "xyz"), ("--domain", "acme.example"), ("--project", "p"), ("--env", "staging"),
           ("--domain", "platform-engineering-europe-west.internal-tools.acme.example")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hosts=st.lists(st.sampled_from(HOSTS), min_size=1, max_size=3, unique=True),
       standalone=st.sampled_from([None, "jobs", "a-rather-long-batch-worker-name"]),
       namespace=st.sampled_from(["site", "Not_A_Namespace", "a-namespace-long-enough-to-overflow-a-static-ip-name"]),
       flags=st.lists(st.sampled_from(CHOICES), max_size=2, unique_by=lambda f: f[0]))
def test_no_import_writes_a_spec_check_refuses(tmp_path_factory: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch, hosts: list[str],
                                               standalone: str | None, namespace: str,
                                               flags: list[tuple[str, str]]) -> None:
    tmp_path = tmp_path_factory.mktemp("adopt")
    named = [(f"app{i}", host) for i, host in enumerate(hosts)]
    result, out = adopt(tmp_path, manifests(named, namespace=namespace, standalone=standalone),
                        *[part for flag in flags for part in flag], monkeypatch=monkeypatch)
    assert "services.yaml:" not in result.err, result.err
    if result.code == 0:
        assert run_cli("check", "--spec", str(out / "services.yaml")).code == 0
    else:
        assert result.code == 2, result
        assert one_line(result.err), result.err
        # A value import chose names its flag; else no app was adoptable at all (the one host is too long).
        assert any(flag in result.err for flag in FLAGS) or "no app can be adopted" in result.err, result.err
        assert not out.exists()
