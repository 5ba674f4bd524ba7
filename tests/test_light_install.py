"""The base install, for real: a fresh venv with `pip install iapgen` (no extra), and the pre-commit hook.

Both install the project the way a user does, from a wheel built from this tree, with the dependencies
its metadata asks for, from the wheelhouse of tests/installs.py (no network once it exists).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.installs import copy_project, install, run

# One worker builds the wheel and the venvs once for both install modules (make test runs pytest-xdist
# with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("installs")

DEPLOY = {"pulumi", "pulumi-gcp", "pulumi-kubernetes"}
BAD = """apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
  annotations:
    cloud.google.com/app-protocols: '{"https": "HTTPS"}'
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 443, targetPort: 8443}
"""
GOOD = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""


@pytest.fixture(scope="module")
def base_venv(project_wheel: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with `pip install iapgen`, no extra."""
    return install(tmp_path_factory.mktemp("base") / "venv", wheelhouse, project_wheel)


def test_the_base_install_has_no_pulumi(base_venv: Path) -> None:
    code = "import importlib.metadata as m, json; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
    proc = run([base_venv / "python", "-c", code])
    installed = {name.lower().replace("_", "-") for name in json.loads(proc.stdout)}
    assert "iapgen" in installed and {"pydantic", "pyyaml", "google-auth", "cryptography"} <= installed
    assert not installed & DEPLOY, installed & DEPLOY
    assert not {name for name in installed if name.startswith("pulumi")}


def test_the_jwt_middleware_imports_in_the_base_install(base_venv: Path, tmp_path: Path) -> None:
    code = ("import sys\nfrom iapgen.access.jwt import IapJwtAsgi, IapJwtWsgi, verify\n"
            "import iapgen\nprint(iapgen.__file__)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))")
    proc = run([base_venv / "python", "-c", code], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    where, pulumi_modules = proc.stdout.splitlines()
    assert str(base_venv.parent) in where, where          # the installed package, not this tree
    assert pulumi_modules == "[]"


HEALTH_CHECK_POLICY_TYPO = """\
apiVersion: networking.gke.io/v1
kind: HealthCheckPolicy
metadata: {name: web, namespace: web}
spec:
  default:
    logConfig: {enable: true}
    config: {type: HTTP, httpHealthCheck: {portSpecification: USE_SERVING_PORT, requestPath: /healthz}}
  targetRef: {group: "", kind: Service, name: web}
"""


def test_lint_works_in_the_base_install(base_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "good.yaml").write_text(GOOD)
    bad = run([base_venv / "iapgen", "lint", "bad.yaml"], cwd=tmp_path)
    assert bad.returncode == 1 and "APP_PROTOCOLS_UNKNOWN_PORT" in bad.stdout, bad
    good = run([base_venv / "iapgen", "lint", "good.yaml"], cwd=tmp_path)
    assert good.returncode == 0, good
    # the CRD schemas ship in the wheel, and validating with them needs no test extra (jsonschema, cel-python)
    (tmp_path / "policy.yaml").write_text(HEALTH_CHECK_POLICY_TYPO)
    crd = run([base_venv / "iapgen", "lint", "policy.yaml"], cwd=tmp_path)
    assert crd.returncode == 1 and "CRD_SCHEMA" in crd.stdout and 'did you mean "enabled"' in crd.stdout, crd
    assert "CRD_SCHEMA" not in run([base_venv / "iapgen", "lint", "--no-schemas", "policy.yaml"],
                                    cwd=tmp_path).stdout
    for argv in (["rules"], ["check", "--spec", str(REPO / "services.yaml")]):
        proc = run([base_venv / "iapgen", *argv], cwd=tmp_path)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc


def test_render_in_the_base_install_names_the_extra(base_venv: Path, tmp_path: Path) -> None:
    proc = run([base_venv / "iapgen", "render", "--env", "dev", "--spec", REPO / "services.yaml",
                 "--out", tmp_path / "out"], cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("iapgen render needs the deploy extra")
    assert "pip install 'iapgen[deploy]'" in proc.stderr
    assert not (tmp_path / "out").exists()


def _git(repo: Path, *args: str) -> None:
    proc = run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", *args])
    assert proc.returncode == 0, proc.stderr


def _docs_block(marker: str) -> str:
    """The fenced block that follows `<!-- marker: ... -->` in docs/lint.md."""
    text = (REPO / "docs" / "lint.md").read_text()
    after = text[text.index(f"<!-- {marker}:"):]
    return after.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_pre_commit_hook_from_the_docs_fails_a_bad_manifest_and_passes_a_good_one(
        wheelhouse: Path, tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.fail("pre-commit is not installed: it is in the test extra (make setup)")
    # The hook's repository: this tree's files, committed (as a user's clone of iapgen would be).
    (tmp_path / "iapgen").mkdir()
    hooks = copy_project(tmp_path / "iapgen")
    _git(hooks, "init", "-q")
    _git(hooks, "add", ".")
    _git(hooks, "commit", "-q", "-m", "iapgen")
    rev = run(["git", "-C", hooks, "rev-parse", "HEAD"]).stdout.strip()
    # A repository of manifests with docs/lint.md's .pre-commit-config.yaml, pointed at that clone.
    repo = tmp_path / "manifests"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "bad.yaml").write_text(BAD)
    (repo / "k8s" / "good.yaml").write_text(GOOD)
    (repo / "k8s" / "bad.txt").write_text(BAD)  # not a YAML file name: the hook must not read it
    (repo / "charts" / "web" / "templates").mkdir(parents=True)
    (repo / "charts" / "web" / "templates" / "service.yaml").write_text("port: {{ .Values.port }}\n")  # excluded
    config = _docs_block("pre-commit-config")
    assert "https://github.com/acme/iapgen" in config and "COMMIT_SHA" in config and "id: iapgen-lint" in config
    (repo / ".pre-commit-config.yaml").write_text(
        config.replace("https://github.com/acme/iapgen", str(hooks)).replace("COMMIT_SHA", rev))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "manifests")
    # pre-commit builds the hook's own venv and runs `pip install .` of the hook repository, as for any user;
    # the wheelhouse stands in for the index so that takes seconds. The environment is built once, then reused.
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_NO_INDEX": "1", "PIP_NO_COMPILE": "1",
           "PIP_FIND_LINKS": str(wheelhouse)}

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return run([pre_commit, "run", "iapgen-lint", "--verbose", "--files", *files], cwd=repo, env=env,
                    timeout=600)

    bad = hook("k8s/bad.yaml", "k8s/good.yaml")
    assert bad.returncode == 1 and "Failed" in bad.stdout, bad.stdout + bad.stderr
    assert "k8s/bad.yaml:7: error APP_PROTOCOLS_UNKNOWN_PORT" in bad.stdout, bad.stdout
    good = hook("k8s/good.yaml", "k8s/bad.txt", "charts/web/templates/service.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "iapgen lint (GKE load balancer and IAP)" in good.stdout and "Passed" in good.stdout
