"""The render of the bundled services.yaml, pinned file by file for every environment.

A refactoring must not change what users deploy: plan.json, outputs.json, every k8s/ object,
summary.md and each runbook are compared byte for byte with tests/golden/render/<env>/.
After an intended change: UPDATE_GOLDEN=1 pytest tests/test_golden_render.py, then read the diff.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_cli

GOLDEN = REPO / "tests" / "golden" / "render"
ENVIRONMENTS = sorted(yaml.safe_load((REPO / "services.yaml").read_text())["environments"])
MANIFEST = ".iapgen-render.json"  # render's own bookkeeping, not an output users read


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_render_of_the_example_matches_golden_files(tmp_path: Path, env: str) -> None:
    out = tmp_path / env
    with contextlib.chdir(REPO):  # as users run it; the summary names the spec as given
        result = run_cli("render", "--env", env, "--spec", "services.yaml", "--out", out, "-q")
    assert result.code == 0, result
    # The summary names the stack config file by its absolute path; the clone's folder varies.
    rendered = {rel: text.replace(str(REPO), "<repo>") for rel, text in _files(out).items()}
    golden_dir = GOLDEN / env
    if os.environ.get("UPDATE_GOLDEN"):
        for rel, text in rendered.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_text(text, encoding="utf-8")
        for stale in set(_files(golden_dir)) - set(rendered):
            (golden_dir / stale).unlink()
    golden = _files(golden_dir)
    assert sorted(rendered) == sorted(golden), "the set of rendered files changed"
    for rel, text in golden.items():
        assert rendered[rel] == text, f"{env}/{rel} changed; if intended: UPDATE_GOLDEN=1 pytest {__file__}"


def test_every_environment_has_golden_files() -> None:
    """An environment added to services.yaml without golden files would be compared with nothing."""
    for env in ENVIRONMENTS:
        names = set(_files(GOLDEN / env)) if (GOLDEN / env).is_dir() else set()
        assert {"plan.json", "outputs.json", "summary.md"} <= names, env
        assert any(n.startswith("k8s/") for n in names) and any(n.startswith("runbooks/") for n in names), env
