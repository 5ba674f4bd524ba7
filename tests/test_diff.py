"""`iapgen diff`: golden reports for typical changes, the one-comment limit, and --base-ref from git."""

from __future__ import annotations

import copy
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iapgen.operations.diff import COMMENT_LIMIT, report
from iapgen.render.command import render, write
from tests.conftest import REPO, base_spec, run_cli, service, write_spec

GOLDEN = REPO / "tests" / "golden"


def spec_with_members() -> dict[str, Any]:
    spec = base_spec()
    spec["services"][0]["iap"] = {"members": ["user:alice@acme.example", "user:bob@acme.example"]}
    return spec


def render_all(folder: Path, spec: dict[str, Any]) -> Path:
    folder.mkdir(parents=True)
    path = write_spec(folder, spec)
    for env in spec["environments"]:
        write(folder / "out" / env, render(str(path), env).files)
    return folder / "out"


SCENARIOS: dict[str, Callable[[dict[str, Any]], None]] = {
    "add-service": lambda s: s["services"].append(service("grafana", namespace="monitoring", port=80,
                                                          targetPort=3000, protocol="HTTP",
                                                          healthCheck={"path": "/api/health"})),
    "change-port": lambda s: s["services"][0].update(targetPort=9090),
    "change-health-check-path": lambda s: s["services"][0]["healthCheck"].update(path="/ready"),
    "remove-iap-member": lambda s: s["services"][0]["iap"]["members"].remove("user:bob@acme.example"),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_golden_report(tmp_path: Path, scenario: str) -> None:
    base = spec_with_members()
    head = copy.deepcopy(base)
    SCENARIOS[scenario](head)
    text = report(render_all(tmp_path / "base", base), render_all(tmp_path / "head", head))
    golden = GOLDEN / f"diff-{scenario}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), f"the report changed; if intended: UPDATE_GOLDEN=1 pytest {__file__}"


def test_golden_reports_say_the_change_in_words() -> None:
    """The golden files themselves read right (so regenerating them cannot hide a wrong report)."""
    expected = {
        "add-service": "| grafana | added | grafana.dev.acme.example: HTTP :80 -> Pod :3000, health check /api/health",
        "change-port": "| argocd | changed | container port 8080 -> 9090 |",
        "change-health-check-path": "| argocd | changed | health check path /healthz -> /ready |",
        "remove-iap-member": "| argocd | changed | IAP member user:bob@acme.example removed |",
    }
    for scenario, row in expected.items():
        assert row in (GOLDEN / f"diff-{scenario}.md").read_text(), scenario


def test_three_hundred_changed_services_fit_one_comment(tmp_path: Path) -> None:
    base = base_spec()
    base["services"] = [service(f"app{i}", namespace=f"team{i // 15}") for i in range(300)]
    del base["environments"]["prod"]
    head = copy.deepcopy(base)
    for entry in head["services"]:
        entry["healthCheck"]["path"] = "/ready"
    text = report(render_all(tmp_path / "base", base), render_all(tmp_path / "head", head))
    assert len(text) <= COMMENT_LIMIT
    assert text.count("| changed | health check path /healthz -> /ready |") == 300  # every table row kept
    assert "Left out to fit one comment" in text


def test_no_change(tmp_path: Path) -> None:
    spec = base_spec()
    text = report(render_all(tmp_path / "a", spec), render_all(tmp_path / "b", spec))
    assert "No change to any service." in text and "<details>" not in text


def test_base_ref_renders_the_spec_from_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    spec = spec_with_members()
    write_spec(repo, spec)
    (repo / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: acme-dev\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    SCENARIOS["change-health-check-path"](spec)
    write_spec(repo, spec)
    result = run_cli("diff", "--base-ref", "HEAD", "--spec", repo / "services.yaml")
    assert result.code == 0, result
    assert "| argocd | changed | health check path /healthz -> /ready |" in result.out
    assert "### prod" in result.out and "### dev" in result.out
    bad = run_cli("diff", "--base-ref", "no-such-ref", "--spec", repo / "services.yaml")
    assert bad.code == 1 and "cannot read" in bad.err


def test_usage(tmp_path: Path) -> None:
    assert run_cli("diff").code == 2
    assert run_cli("diff", tmp_path, tmp_path, "--base-ref", "HEAD").code == 2
    result = run_cli("diff", tmp_path, tmp_path)
    assert result.code == 1 and "no render output" in result.err


def test_no_secret_reaches_the_report(tmp_path: Path) -> None:
    spec = base_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    for name, data in (("a", spec), ("b", spec_with_members())):
        folder = tmp_path / name
        folder.mkdir()
        write_spec(folder, data)
        (folder / "Pulumi.dev.yaml").write_text("config:\n  iapgen:oauthClientSecret:\n    secure: v1:c2VjcmV0\n")
    outs = []
    for name in ("a", "b"):
        path = tmp_path / name / "services.yaml"
        write(tmp_path / name / "out", render(str(path), "dev").files)
        outs.append(tmp_path / name / "out")
    text = report(outs[0], outs[1])
    assert "c2VjcmV0" not in text and "client_secret" not in text


def test_a_damaged_render_folder_is_a_message(tmp_path: Path) -> None:
    good = render_all(tmp_path / "good", base_spec())
    broken = tmp_path / "broken"
    for env in ("dev", "prod"):
        (broken / env).mkdir(parents=True)
        (broken / env / "plan.json").write_text("[{truncated")
    result = run_cli("diff", good, broken)
    assert result.code == 1 and "damaged or incomplete" in result.err


def _repo_with_spec(tmp_path: Path, folder: str) -> tuple[list[str], Path]:
    repo = tmp_path / "repo"
    (repo / folder).mkdir(parents=True)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    spec = spec_with_members()
    write_spec(repo / folder, spec)
    (repo / folder / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: acme-dev\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    SCENARIOS["change-health-check-path"](spec)
    write_spec(repo / folder, spec)
    return git, repo / folder / "services.yaml"


def test_base_ref_is_never_an_option_to_git(tmp_path: Path) -> None:
    _, spec = _repo_with_spec(tmp_path, ".")
    result = run_cli("diff", f"--base-ref=--output={tmp_path}/written-by-git", "--spec", spec)
    assert result.code == 1 and "cannot read" in result.err
    assert [p.name for p in tmp_path.rglob("written-by-git*")] == []


def test_a_spec_under_a_folder_named_like_an_option(tmp_path: Path) -> None:
    _, spec = _repo_with_spec(tmp_path, "--full-tree")
    result = run_cli("diff", "--base-ref", "HEAD", "--spec", spec)
    assert result.code == 0, result
    assert "| argocd | changed | health check path /healthz -> /ready |" in result.out
