"""The wheel holds the program: `pip install 'iapgen[deploy]'` of a wheel built from this tree, in a fresh venv.

Every module, template and data file of the tree is in the wheel (packages are found, not listed: setup.py),
and the installed console script renders the bundled services.yaml exactly as the golden files say, adopts
live manifests with `iapgen import`, and runs check, lint and rules. The venv sees nothing of this tree.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.installs import install, run
from tests.test_golden_render import GOLDEN, MANIFEST

# One worker builds the wheel and the venvs once for both install modules (make test runs pytest-xdist
# with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("installs")

DATA = ("*.json", "*.yaml", "*.yml")
ADOPT = REPO / "tests" / "fixtures" / "adopt" / "kubectl-get.yaml"


def _text_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _tree_files() -> set[str]:
    """The files of the tree a wheel must carry, by their path inside the wheel."""
    wanted = set()
    for folder in ("iapgen", "components"):
        for pattern in ("*.py", "*.j2", *DATA):
            wanted |= {p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob(pattern)
                       if "__pycache__" not in p.parts}
    wanted |= {f"iapgen/templates/{p.name}" for p in (REPO / "templates").iterdir() if p.is_file()}
    return wanted


def test_the_wheel_holds_every_module_template_and_data_file(project_wheel: Path) -> None:
    with zipfile.ZipFile(project_wheel) as wheel:
        names = set(wheel.namelist())
    assert _tree_files() - names == set(), "pyproject.toml/setup.py leave these out of the wheel"
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"iapgen", "components", "iapgen-0.1.0.dist-info"}, tops
    assert not [n for n in names if "__pycache__" in n]


@pytest.fixture(scope="module")
def deploy_venv(project_wheel: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with `pip install 'iapgen[deploy]'` of the wheel; its bin/."""
    return install(tmp_path_factory.mktemp("deploy") / "venv", wheelhouse, project_wheel, extra="deploy")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Pulumi project folder as a user has it: the spec and the stack files, no code."""
    for path in [REPO / "services.yaml", *REPO.glob("Pulumi*.yaml")]:
        shutil.copy2(path, tmp_path / path.name)
    return tmp_path


def test_render_from_the_installed_wheel_matches_the_golden_files(deploy_venv: Path, project: Path) -> None:
    proc = run([deploy_venv / "iapgen", "render", "--all-envs", "--spec", "services.yaml", "--out", "out", "-q"],
               cwd=project)
    assert proc.returncode == 0 and proc.stderr == "", proc
    envs = sorted(p.name for p in (project / "out").iterdir())
    assert envs == sorted(p.name for p in GOLDEN.iterdir())
    for env in envs:
        rendered = _text_files(project / "out" / env)
        assert {rel: text.replace(str(project), "<repo>") for rel, text in rendered.items()} == _text_files(
            GOLDEN / env), env


def test_import_check_lint_and_rules_from_the_installed_wheel(deploy_venv: Path, project: Path) -> None:
    iapgen = deploy_venv / "iapgen"
    adopted = run([iapgen, "import", ADOPT, "--env", "prod", "--out", "adopt"], cwd=project)
    assert adopted.returncode == 0, adopted
    assert sorted(p.name for p in (project / "adopt").iterdir()) == [
        ".iapgen-render.json", "import.json", "report.md", "services.yaml"]
    where = run([deploy_venv / "python", "-c", "import importlib.util as u\n"
                 "for name in ('iapgen.adopt', 'components'): print(u.find_spec(name).origin)"], cwd=project)
    assert where.returncode == 0, where
    assert [Path(line).is_relative_to(deploy_venv.parent) for line in where.stdout.splitlines()] == [True, True]
    for spec in ("services.yaml", "adopt/services.yaml"):
        checked = run([iapgen, "check", "--spec", spec], cwd=project)
        assert checked.returncode == 0 and checked.stdout.startswith(f"{spec}: ok ("), checked
    linted = run([iapgen, "lint", ADOPT], cwd=project)
    assert linted.returncode == 1 and "HC_PORT_NOT_TARGET" in linted.stdout, linted
    rules = run([iapgen, "rules", "--markdown"], cwd=project)
    assert rules.returncode == 0 and rules.stdout == (REPO / "docs" / "rules.md").read_text(), rules.stderr
