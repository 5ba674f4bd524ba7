"""iapgen import with hostile or broken live values and arguments (issue 24 items 3, 4, 8 and 9)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from iapgen.adopt.discover import find_apps
from iapgen.lint import checks
from iapgen.lint.manifests import load
from tests.conftest import run_cli
from tests.test_adopt import INGRESS, MEMBER, SHARED


def live(tmp_path: Path, ip: str = "34.1.1.1", annotation: str = "") -> Path:
    manifest = tmp_path / "live.yaml"
    ingress = INGRESS.format(name="grafana", n=1).replace("ip: 34.1.1.1", f"ip: {ip}")
    if annotation:
        ingress = ingress.replace("    kubernetes.io/ingress.allow-http: \"false\"\n",
                                  f"    kubernetes.io/ingress.allow-http: \"false\"\n{annotation}")
    manifest.write_text(SHARED.format(name="grafana", n=1) + ingress)
    return manifest


def imported(tmp_path: Path, manifest: Path, *extra: str) -> tuple[int, str, str]:
    out = tmp_path / "out"
    result = run_cli("import", str(manifest), "--env", "prod", "--project", "acme-prod", "--out", str(out),
                     *MEMBER, *extra)
    report = (out / "report.md").read_text() if (out / "report.md").exists() else ""
    return result.code, result.err, report


def test_a_live_address_that_is_not_an_ip_never_reaches_a_command(tmp_path: Path) -> None:
    code, err, report = imported(tmp_path, live(tmp_path, ip="'1.2.3.4; touch x #'"))
    assert code == 0, err
    before = report.split("## Before you import")[1].split("## Fixes")[0] if "## Before you import" in report else ""
    assert "touch x" not in before
    assert "not an IP address" in report.split("## Fixes")[0]


def test_commands_quote_what_they_carry(tmp_path: Path) -> None:
    code, err, report = imported(tmp_path, live(tmp_path))
    assert code == 0, err
    assert "gcloud compute addresses create iapgen-prod-tools --global --addresses=34.1.1.1" in report


def test_live_strings_cannot_add_markdown_to_the_report(tmp_path: Path) -> None:
    annotation = '    example.com/note: "x\\n\\n# Injected heading\\n**bold**\\u0007"\n'
    code, err, report = imported(tmp_path, live(tmp_path, annotation=annotation))
    assert code == 0, err  # a control character in one value does not abort the import
    assert "\n# Injected" not in report and "**bold**" not in report
    assert "\x07" not in report
    headings = [line for line in report.splitlines() if line.startswith("#")]
    assert all(not line.startswith("# ") or line.startswith("# Adoption report") for line in headings)


@pytest.mark.parametrize(("argv", "says"), [
    (["--member", "bob@acme.example"], "--member"),
    (["--project", "Not_A_Project"], "--project"),
    (["--domain", "bad domain"], "--domain"),
    (["--env", "Prod: {x: 1}"], "--env"),
])
def test_bad_arguments_are_usage_errors_before_anything_is_read(tmp_path: Path, argv: list[str], says: str) -> None:
    out = tmp_path / "out"
    args = {"--env": "prod", "--project": "acme-prod", "--member": "group:sre@acme.example"}
    args[argv[0]] = argv[1]
    if argv[0] == "--domain":
        args["--domain"] = argv[1]
    flat = [x for pair in args.items() for x in pair]
    result = run_cli("import", str(live(tmp_path)), "--out", str(out), *flat)
    assert result.code == 2, result
    assert says in result.err and "services.yaml:" not in result.err  # no findings at lines of an unwritten file
    assert "usage: iapgen import" in result.err
    assert not out.exists() or not any(out.iterdir())


def test_routes_are_indexed_not_scanned(tmp_path: Path) -> None:
    """One Service behind thousands of rules: finding its routes was quadratic in the rules."""
    service = yaml.safe_load(SHARED.format(name="web", n=1))["items"][0]
    rules = [{"host": f"h{i}.acme.example", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}
        for i in range(n)] if (n := 4000) else []
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "big", "namespace": "tools"}, "spec": {"rules": rules}}
    def timed(count: int) -> float:
        text = yaml.safe_dump_all([service, {**ingress, "spec": {"rules": rules[:count]}}], sort_keys=False)
        ctx = checks.Context(load(["-"], text.encode()).objects)
        started = time.perf_counter()
        apps, _ = find_apps(ctx)
        assert len(apps[0].routes) == count
        return time.perf_counter() - started

    small, big = timed(n // 4), timed(n)
    assert big < max(small, 0.01) * 9  # 4x the rules: linear is 4x, quadratic 16x
