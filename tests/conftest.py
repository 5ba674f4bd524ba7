"""Shared test helpers: spec builders, a CLI runner and an offline Pulumi run per test."""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.program import build
from iapgen.cli import main
from iapgen.render.offline import OfflineRun, Registration, run_offline
from iapgen.spec.validate import load_spec
from tests import offline_only  # noqa: F401  (keeps every test's traffic on this machine)
from tests.fake_compute import FakeCompute, running
from tests.k8s_schemas import validate_manifests  # noqa: F401  (re-exported for the tests)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # the team's notes beside the clone; only real-world corpus tests read it

BASE_SPEC: dict[str, Any] = {
    "environments": {
        "dev": {"project": "acme-dev", "domain": "dev.acme.example",
                "iap": {"members": ["group:eng@acme.example"]}},
        "prod": {"project": "acme-prod", "domain": "acme.example",
                 "iap": {"members": ["group:sre@acme.example"]}},
    },
    "services": [{
        "name": "argocd",
        "namespace": "argocd",
        "selector": {"app.kubernetes.io/name": "argocd-server"},
        "port": 443,
        "targetPort": 8080,
        "protocol": "HTTPS",
        "healthCheck": {"path": "/healthz"},
    }],
}


def base_spec() -> dict[str, Any]:
    return copy.deepcopy(BASE_SPEC)


def service(name: str, **fields: Any) -> dict[str, Any]:
    """A valid service entry, with fields replaced."""
    entry = copy.deepcopy(BASE_SPEC["services"][0])
    entry.update(name=name, selector={"app": name})
    entry.update(fields)
    return entry


def write_spec(directory: Path, spec: dict[str, Any] | str, name: str = "services.yaml") -> Path:
    path = directory / name
    text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str, start: int = 1) -> int:
    """1-based line of the first line at or after `start` that contains `needle`."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


def run_cli(*argv: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exit_:  # argparse usage errors and --help
            code = int(exit_.code or 0)
    result = CliResult(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.err, result.err
    return result


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


def cloud_outputs(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What the health-check logging provider reports after create, standing in for the Compute API."""
    if type_.endswith(":HealthCheckLogging"):
        name = f"k8s1-0000abcd-{inputs['namespace']}-{inputs['service']}-{int(inputs['port'])}-00000000"
        return {"backendServiceName": name, "backendServiceId": "42", "healthCheckName": name,
                "iapAudience": "/projects/123/global/backendServices/42", "logQuery": "logName=..."}
    if type_.endswith(":GatewayBackend"):
        name = f"gkegw1-abcd-{inputs['namespace']}-{inputs['service']}-{int(inputs['port'])}-000000000000"
        return {"backendServiceName": name, "backendServiceId": "43", "healthCheckName": name,
                "iapAudience": "/projects/123/global/backendServices/43", "logQuery": "logName=..."}
    if type_.endswith(":MulticlusterBackend"):
        name = f"gkemcg1-{inputs['namespace']}-{inputs['service']}-{int(inputs['port'])}-000000000000"
        return {"backendServiceName": name, "backendServiceId": "44", "healthCheckName": name,
                "iapAudience": "/projects/123/global/backendServices/44", "logQuery": "logName=..."}
    if type_.endswith(":NegReady"):
        return {"negIds": ["7001", "7002"], "projectNumber": "123", "logQuery": f"negs of {inputs['negName']}"}
    if type_ == "gcp:compute/backendService:BackendService":
        return {"generatedId": 42}
    return {}


def offline_build(spec_path: Path, env: str = "dev", config: dict[str, str] | None = None,
                  secret_keys: list[str] | None = None) -> OfflineRun:
    """The program's build() for one environment under fresh recording mocks (an update, not a preview)."""
    loaded = load_spec(spec_path)
    return run_offline(lambda: build(loaded), project="iapgen", stack=env, config=config or {},
                       secret_keys=secret_keys, preview=False, outputs=cloud_outputs)


class Plan:
    """Registrations of one offline run, with lookups for assertions."""

    def __init__(self, run: OfflineRun):
        self.run = run
        self.resources = run.resources

    def of_type(self, suffix: str) -> list[Registration]:
        return [r for r in self.resources if r.type.endswith(suffix)]

    def one(self, suffix: str, name: str) -> Registration:
        found = [r for r in self.of_type(suffix) if r.name == name]
        assert len(found) == 1, f"{len(found)} {suffix} named {name}: {[r.name for r in self.resources]}"
        return found[0]


@pytest.fixture
def plan_for(tmp_path: Path) -> Callable[..., Plan]:
    def make(spec: dict[str, Any], env: str = "dev", config: dict[str, str] | None = None) -> Plan:
        return Plan(offline_build(write_spec(tmp_path, spec), env, config, secret_keys=list(config or {})))

    return make


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    with contextlib.chdir(path):
        yield


@pytest.fixture
def fake() -> Iterator[FakeCompute]:
    """The fake Compute and Resource Manager APIs, served on 127.0.0.1 for one test; the providers' shared
    state (list cache, project numbers) fresh, and no client-side rate limit."""
    from components.computeprovider import Shared, use

    previous = use(Shared(None))
    try:
        with running() as compute:
            yield compute
    finally:
        use(previous)


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels of everything iapgen[deploy] needs, and of its build backend (tests/installs.py)."""
    from tests import installs

    return installs.wheelhouse(installs.requirements())


@pytest.fixture(scope="session")
def project_wheel(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This tree as a wheel, built once per session for the install tests."""
    from tests import installs

    return installs.build_wheel(wheelhouse, tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist"))
