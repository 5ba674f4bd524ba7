"""`iapgen render`: the offline run of the program, its output files, and the folder it may touch."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.program import deploy
from iapgen.render.command import MANIFEST, plan, render
from iapgen.render.offline import run_offline
from tests.conftest import REPO, base_spec, run_cli, service, write_spec


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    spec = base_spec()
    spec["services"].append(service("grafana", namespace="monitoring", port=80, targetPort=3000, protocol="HTTP"))
    return write_spec(tmp_path, spec)


def test_render_writes_plan_outputs_k8s_and_summary(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "build" / "dev"
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 0, result
    assert "resources" in result.out
    entries = json.loads((out / "plan.json").read_text())
    assert all(set(e) == {"type", "name", "parent", "inputs"} for e in entries)
    names = {e["name"] for e in entries}
    assert all(e["parent"] is None or e["parent"] in names for e in entries)
    assert {e["type"] for e in entries} >= {"iapgen:backend:Backend", "iapgen:frontend:Frontend",
                                            "kubernetes:core/v1:Service", "gcp:compute/globalAddress:GlobalAddress"}
    outputs = json.loads((out / "outputs.json").read_text())
    assert outputs["addresses"]["argocd"]["ip"] == "<computed>"  # known only after deploy
    assert outputs["services"]["grafana"]["url"] == "https://grafana.dev.acme.example/"
    k8s = sorted(p.relative_to(out / "k8s").as_posix() for p in (out / "k8s").rglob("*.yaml"))
    assert k8s == [
        "argocd/backendconfig-argocd.yaml", "argocd/frontendconfig-iapgen-https-redirect.yaml",
        "argocd/ingress-iapgen.yaml", "argocd/managedcertificate-argocd.yaml", "argocd/service-argocd.yaml",
        "monitoring/backendconfig-grafana.yaml", "monitoring/frontendconfig-iapgen-https-redirect.yaml",
        "monitoring/ingress-iapgen.yaml", "monitoring/managedcertificate-grafana.yaml",
        "monitoring/service-grafana.yaml"]
    service_yaml = yaml.safe_load((out / "k8s/argocd/service-argocd.yaml").read_text())
    assert list(service_yaml) == ["apiVersion", "kind", "metadata", "spec"]
    summary = (out / "summary.md").read_text()
    assert "| argocd | https://argocd.dev.acme.example/ |" in summary
    assert "over **HTTPS**" in summary and "`iapgen-dev-monitoring`" in summary


def test_render_is_deterministic(tmp_path: Path, spec_path: Path) -> None:
    first = render(str(spec_path), "dev").files
    second = render(str(spec_path), "dev").files
    assert first == second


def test_render_output_is_identical_across_processes(tmp_path: Path, spec_path: Path) -> None:
    """Reviewers diff render output between commits: it must not depend on hash seeds or timing."""
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        subprocess.run([sys.executable, "-m", "iapgen.cli", "render", "--env", "dev", "--spec", str(spec_path),
                        "--out", str(out), "-q"], check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                       cwd=REPO, timeout=120)
        outputs.append({p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]


def test_render_runs_the_same_program_as_pulumi_up(spec_path: Path) -> None:
    """deploy() (what __main__.py runs) and render register identical resources."""
    rendered = render(str(spec_path), "dev")
    deployed = run_offline(deploy, project="iapgen", stack="dev", config={"iapgen:spec": str(spec_path)})
    assert plan(deployed) == plan(rendered.run)


def test_deploy_reports_spec_problems_without_traceback(tmp_path: Path) -> None:
    import pulumi

    spec = base_spec()
    spec["services"][0]["healthCheck"]["port"] = 443
    path = write_spec(tmp_path, spec)
    with pytest.raises(pulumi.RunError, match=r"services\.yaml:\d+: .*\[HC_PORT_NOT_TARGET\]"):
        run_offline(deploy, project="iapgen", stack="dev", config={"iapgen:spec": str(path)})


def test_unknown_environment(tmp_path: Path, spec_path: Path) -> None:
    result = run_cli("render", "--env", "prdo", "--spec", spec_path, "--out", tmp_path / "out")
    assert result.code == 1
    assert "did you mean 'prod'?" in result.err and "[ENV_UNKNOWN]" in result.err
    assert not (tmp_path / "out").exists()


def test_stack_config_project_must_match_the_spec(tmp_path: Path, spec_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: acme-prod\n")
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", tmp_path / "out")
    assert result.code == 1, result
    assert "gcp:project is acme-prod" in result.err and "[PROJECT_MISMATCH]" in result.err
    assert not (tmp_path / "out").exists()
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: acme-dev\n  iapgen:token:\n    secure: AAAB\n")
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", tmp_path / "out").code == 0


def test_stack_config_selects_the_environment(tmp_path: Path, spec_path: Path) -> None:
    """Stack `staging` configured to deploy environment `prod` renders prod, as `pulumi up` would deploy it."""
    (tmp_path / "Pulumi.staging.yaml").write_text("config:\n  iapgen:environment: prod\n")
    out = tmp_path / "out"
    result = run_cli("render", "--env", "staging", "--spec", spec_path, "--out", out)
    assert result.code == 0 and "stack staging, environment prod" in result.out
    assert json.loads((out / "outputs.json").read_text())["project"] == "acme-prod"
    assert (out / "summary.md").read_text().startswith("# prod: what iapgen exposes in project `acme-prod`")


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1e3", "100000"])
def test_bad_stack_config_value_is_a_finding(tmp_path: Path, spec_path: Path, value: str) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text(f"config:\n  iapgen:backendWaitSeconds: '{value}'\n")
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", tmp_path / "out")
    assert result.code == 1 and "[STACK_CONFIG_INVALID]" in result.err, result


def test_stack_config_of_any_yaml_type_is_read(tmp_path: Path, spec_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  iapgen:released: 2020-01-01\n"
                                              "  iapgen:backendWaitSeconds: 60\n  iapgen:tags: [a, b]\n")
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", tmp_path / "out").code == 0


def test_an_interrupted_render_leaves_a_folder_render_still_owns(tmp_path: Path, spec_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import iapgen.render.command as render_module

    out = tmp_path / "out"
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    spec = yaml.safe_load(spec_path.read_text())
    spec["services"].append(service("dex", namespace="dex", port=5556, targetPort=5556, protocol="HTTP"))
    write_spec(tmp_path, spec)
    real_open, written = open, []

    def failing_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        # fail right after the first file the previous render did not write (dex's)
        if mode == "x" and written and "/dex/" in str(written[-1]):
            raise OSError(28, "No space left on device", str(path))
        if mode == "x":
            written.append(path)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(render_module, "open", failing_open, raising=False)
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 1 and "No space left on device" in result.err
    monkeypatch.undo()
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    assert (out / "k8s/dex/service-dex.yaml").exists()


def test_a_users_empty_folder_inside_out_is_kept(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    (out / "k8s" / "keep-me").mkdir()
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    assert (out / "k8s" / "keep-me").is_dir()


def test_refuses_a_folder_with_foreign_files(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    precious = out / "notes.txt"
    precious.write_text("mine")
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 1
    assert "notes.txt, which iapgen render did not write" in result.err
    assert precious.read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_refuses_the_current_folder(tmp_path: Path, spec_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli("render", "--env", "dev", "--spec", spec_path.name, "--out", ".")
    assert result.code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_rerender_replaces_its_own_files_and_drops_stale_ones(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    assert (out / "k8s/monitoring/service-grafana.yaml").exists()
    spec = yaml.safe_load(spec_path.read_text())
    spec["services"] = spec["services"][:1]
    write_spec(tmp_path, spec)
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    assert not (out / "k8s/monitoring").exists()
    assert (out / "k8s/argocd/service-argocd.yaml").exists()
    listed = json.loads((out / MANIFEST).read_text())["files"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST)
    assert listed == on_disk


def test_a_file_added_to_a_rendered_folder_is_protected(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    (out / "k8s" / "argocd" / "extra.yaml").write_text("kind: ConfigMap\n")
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 1 and "extra.yaml" in result.err
    assert (out / "k8s/argocd/service-argocd.yaml").exists()


@pytest.mark.parametrize("kind", ["file", "symlink", "symlink-inside"])
def test_refuses_odd_output_paths(tmp_path: Path, spec_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    if kind == "file":
        out.write_text("not a folder")
    elif kind == "symlink":
        out.symlink_to(victim)
    else:
        out.mkdir()
        (out / "k8s").symlink_to(victim)
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 1, result
    assert list(victim.iterdir()) == []


def test_damaged_manifest_is_not_trusted(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("{not json")
    result = run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out)
    assert result.code == 1 and "damaged" in result.err


def test_manifest_cannot_steer_deletion_outside_the_folder(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    (out / MANIFEST).write_text(json.dumps({"files": ["../precious.txt", str(outside)]}))
    assert run_cli("render", "--env", "dev", "--spec", spec_path, "--out", out).code == 0
    assert outside.read_text() == "keep"


def test_all_envs_renders_each_environment_into_its_folder(tmp_path: Path, spec_path: Path) -> None:
    out = tmp_path / "build"
    assert run_cli("render", "--all-envs", "--spec", spec_path, "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == ["dev", "prod"]
    assert json.loads((out / "prod" / "outputs.json").read_text())["project"] == "acme-prod"
    assert run_cli("render", "--all-envs", "--spec", spec_path, "--out", out).code == 0  # its own output again
    (out / "notes.txt").write_text("mine")
    result = run_cli("render", "--all-envs", "--spec", spec_path, "--out", out)
    assert result.code == 1 and "notes.txt" in result.err
    assert run_cli("render", "--all-envs", "--env", "dev", "--spec", spec_path, "--out", out).code == 2


def test_example_project_renders_every_environment(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        result = run_cli("render", "--env", env, "--spec", REPO / "services.yaml", "--out", tmp_path / env)
        assert result.code == 0, result
        assert len(list((tmp_path / env / "k8s").rglob("*.yaml"))) == 15
