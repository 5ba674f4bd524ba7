"""The light commands and the JWT middleware import no Pulumi package (the base install has none).

Each case runs in a fresh interpreter whose import system refuses pulumi, pulumi_gcp and pulumi_kubernetes
and records every attempt, so a caught ImportError cannot hide an import either. The fresh-venv test
(tests/test_light_install.py) proves the same with the real base install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# Prepended to every child: a finder that refuses the deploy extra's packages and remembers each attempt.
BLOCK = """
import importlib.abc, json, sys
ATTEMPTS = []
class _NoPulumi(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pulumi", "pulumi_gcp", "pulumi_kubernetes"):
            ATTEMPTS.append(name)
            raise ImportError(f"blocked for this test: {name}")
        return None
sys.meta_path.insert(0, _NoPulumi())
def report(code):
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi", "pulumi_gcp", "pulumi_kubernetes",
                                                                 "components"))
    print("\\n" + json.dumps({"code": code, "attempts": ATTEMPTS, "heavy": heavy}), file=sys.stderr)
"""

RUN_CLI = BLOCK + """
from iapgen.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
report(code)
"""

# Modules that are the Pulumi side of iapgen: the only ones that may import pulumi.
# render runs the program; import renders the adopted spec to compare it with the live objects.
DEPLOY_ONLY = {"iapgen.render.offline", "iapgen.render.command", "iapgen.render.stackconfig",
               "iapgen.adopt.command", "iapgen.adopt.compare",
               "iapgen.policy.pack"}  # the policy pack runs on pulumi_policy (the policy extra), which imports pulumi


def child(code: str, *argv: str, cwd: Path = REPO) -> tuple[dict[str, object], str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_APPLICATION_CREDENTIALS"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)
    lines = proc.stderr.strip().splitlines()
    assert lines, (proc.returncode, proc.stdout, proc.stderr)
    try:
        result = json.loads(lines[-1])
    except ValueError:
        raise AssertionError(f"the child did not finish: {proc.stderr}") from None
    return result, proc.stdout, "\n".join(lines[:-1]).strip()


GOOD = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""

LIGHT_COMMANDS = [
    (("lint", "GOOD"), 0),
    (("lint", "--help"), 0),
    (("lint", "--format", "sarif", "GOOD"), 0),
    (("rules",), 0),
    (("rules", "--markdown"), 0),
    (("check", "--spec", "services.yaml"), 0),
    (("pin", "--spec", "services.yaml"), 0),
    (("schema",), 0),
    (("doctor", "--env", "dev", "--service", "no-such-service"), 2),   # loads the spec and the doctor module
    (("token", "--audience", "x"), 1),                                 # no credentials here: a one-line refusal
    (("diff", "tests/golden/render/dev", "tests/golden/render/prod"), 0),
]


@pytest.mark.parametrize(("argv", "code"), LIGHT_COMMANDS, ids=[" ".join(a) for a, _ in LIGHT_COMMANDS])
def test_light_command_imports_no_pulumi(tmp_path: Path, argv: tuple[str, ...], code: int) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    result, _, err = child(RUN_CLI, *(str(good) if a == "GOOD" else a for a in argv))
    assert result == {"code": code, "attempts": [], "heavy": []}, err
    assert "Traceback" not in err


def test_the_jwt_middleware_imports_no_pulumi() -> None:
    result, _, err = child(BLOCK + "from iapgen.access.jwt import IapJwtAsgi, IapJwtWsgi, verify\nreport(0)")
    assert result == {"code": 0, "attempts": [], "heavy": []}, err


def test_the_blocker_sees_an_import_of_pulumi() -> None:
    # The harness itself: a module that imports pulumi is seen, even when the ImportError is caught.
    result, _, _ = child(BLOCK + "try:\n    import pulumi_gcp.iap\nexcept ImportError:\n    pass\nreport(0)")
    assert result["attempts"] == ["pulumi_gcp"]


@pytest.mark.parametrize("argv", [("render", "--env", "dev", "--out", "OUT"), ("diff", "--base-ref", "HEAD"),
                                  ("import", "x.yaml", "--env", "dev", "--out", "OUT")])
def test_a_deploy_command_without_the_extra_names_the_install(tmp_path: Path, argv: tuple[str, ...]) -> None:
    result, out, err = child(RUN_CLI, *(str(tmp_path / "out") if a == "OUT" else a for a in argv))
    assert result["code"] == 2 and result["heavy"] == [], err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"iapgen {argv[0]}") and "pip install 'iapgen[deploy]'" in err, err
    assert not (tmp_path / "out").exists() and out == ""


def test_only_the_render_modules_import_pulumi() -> None:
    # Every module under iapgen/, imported on its own with pulumi refused: only the Pulumi side may fail. A new
    # module that imports pulumi at import time, or a light module that imports a render module, fails here.
    modules = sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in (REPO / "iapgen").rglob("*.py"))
    assert "iapgen.lint.command" in modules and "iapgen.render.offline" in modules
    code = BLOCK + f"""
import importlib
failed = {{}}
for name in {modules!r}:
    before = len(ATTEMPTS)
    try:
        importlib.import_module(name)
    except ImportError as err:
        failed[name] = str(err)
    else:
        if len(ATTEMPTS) > before:  # it imported pulumi and swallowed the error
            failed[name] = "tried " + ", ".join(ATTEMPTS[before:])
print(json.dumps(failed))
report(0)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    failed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(failed) == DEPLOY_ONLY, failed
    assert all("blocked for this test: pulumi" in why for why in failed.values()), failed


def test_a_render_loads_neither_the_lint_rules_nor_the_doctors(tmp_path: Path) -> None:
    # What a render imports is most of a one-service render's time (docs/benchmarks.md): the doctors, and the
    # lint rules they use, load only when iapgen doctor runs.
    code = """
import json, sys
from iapgen.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.startswith(("iapgen.lint.checks", "iapgen.operations.doctor"))
                or m.endswith(".doctor") and not m.startswith("iapgen.commands."))  # the command's arguments
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code, "render", "--env", "dev", "--spec", "services.yaml", "--out",
                           str(tmp_path / "out"), "-q"], capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}, proc.stderr
