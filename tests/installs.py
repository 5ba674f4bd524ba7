"""Installing iapgen the way a user does: a wheel built from this tree, into a fresh venv, offline.

The dependency wheels come from a wheelhouse under .tools/ (fetched from the package index on the first run,
keyed by the requirement list, reused after that), so an install needs no network once it exists and takes
seconds, not minutes. tests/conftest.py turns these into session fixtures shared by the install tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
# What the wheel is built from: setup.py finds the packages, pyproject.toml holds everything else.
BUILD_FILES = ("pyproject.toml", "setup.py", "README.md", ".pre-commit-hooks.yaml")
BUILD_FOLDERS = ("iapgen", "components", "templates")


def run(argv: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """A child process that sees no trace of this tree's venv (no PYTHONPATH, no VIRTUAL_ENV).

    It may write bytecode: the venvs are installed with --no-compile, so the first run of a command compiles
    only the modules it imports and later runs read them back (without it, every run compiled pulumi again).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env.update(kwargs.pop("env", {}))  # type: ignore[call-overload]
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=env,
                          timeout=kwargs.pop("timeout", 300), **kwargs)  # type: ignore[call-overload]


def pip(*args: str | Path, python: str | Path = sys.executable, **kwargs: object) -> None:
    proc = run([python, "-m", "pip", "--disable-pip-version-check", *args], **kwargs)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def requirements() -> list[str]:
    """Everything an install of iapgen[deploy] and a build of its wheel need.

    The base dependencies and the build backend as pyproject.toml states them; the deploy extra pinned to
    the versions this suite runs with, so a render from the installed wheel must equal the golden files.
    """
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    deploy = []
    for line in project["project"]["optional-dependencies"]["deploy"]:
        requirement = Requirement(line)
        deploy.append(f"{requirement.name}=={importlib.metadata.version(requirement.name)}")
    return sorted(project["project"]["dependencies"]) + deploy + sorted(project["build-system"]["requires"])


def wheelhouse(wanted: list[str]) -> Path:
    """Wheels of `wanted` and their dependencies: from the index once, then reused."""
    key = hashlib.sha256(json.dumps([wanted, sys.version_info[:2]]).encode()).hexdigest()[:16]
    house = REPO / ".tools" / "wheelhouse" / key
    house.parent.mkdir(parents=True, exist_ok=True)
    # Test workers (pytest-xdist) may all ask at once on a fresh clone: one fetches, the others wait for it.
    with open(house.parent / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (house / ".complete").exists():
            shutil.rmtree(house, ignore_errors=True)
            pip("wheel", "--quiet", "--wheel-dir", house, *wanted, timeout=900)
            (house / ".complete").write_text("\n".join(wanted) + "\n")
    return house


def copy_project(dest: Path) -> Path:
    """What the package is made of, as in this tree now (committed or not)."""
    for name in BUILD_FILES:
        shutil.copy2(REPO / name, dest / name)
    for name in BUILD_FOLDERS:
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def build_wheel(house: Path, source: Path, out: Path) -> Path:
    """This tree as a wheel, built from a copy (setuptools writes build/ and *.egg-info into the source)."""
    copy_project(source)
    pip("wheel", "--quiet", "--no-deps", "--no-index", "--find-links", house, "--wheel-dir", out, source)
    (wheel,) = out.glob("iapgen-*.whl")
    return wheel


def install(root: Path, house: Path, wheel: Path, extra: str = "") -> Path:
    """A fresh venv (no system site-packages) with the wheel installed, with `extra` if given; its bin/."""
    venv.create(root, with_pip=False, system_site_packages=False)  # this pip installs into it (--python)
    target = f"iapgen[{extra}] @ {wheel.as_uri()}" if extra else wheel
    pip("--python", root / "bin" / "python", "install", "--quiet", "--no-compile", "--no-index", "--find-links",
        house, target, timeout=600)
    return root / "bin"
