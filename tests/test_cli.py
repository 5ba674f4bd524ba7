"""The command line contract: exit codes, help, the JSON schema, and the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from iapgen.spec.schema import spec_schema
from tests.conftest import REPO, base_spec, run_cli, write_spec


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in ("render", "check", "schema"):
        assert command in result.out


@pytest.mark.parametrize("argv", [(), ("render",), ("render", "--env", "dev"), ("frobnicate",),
                                  ("render", "--env", "dev", "--out", "x", "--bogus")])
def test_bad_usage_exits_2(argv: tuple[str, ...]) -> None:
    assert run_cli(*argv).code == 2


def test_schema_is_committed_and_current() -> None:
    """services.schema.json (referenced by services.yaml for editors) matches `iapgen schema`."""
    result = run_cli("schema")
    assert result.code == 0
    assert json.loads(result.out) == json.loads((REPO / "services.schema.json").read_text()), \
        "run `make schema` and commit services.schema.json"


def test_example_spec_satisfies_the_json_schema() -> None:
    jsonschema.validate(yaml.safe_load((REPO / "services.yaml").read_text()), spec_schema())


@pytest.mark.parametrize("mutate", [
    lambda s: s["services"][0].update(helthCheck={}),
    lambda s: s["services"][0].pop("healthCheck"),
    lambda s: s["services"][0].update(overrides={"prod": {"healthCheck": {"pth": "/"}}}),
    lambda s: s["services"][0].update(port="443"),
])
def test_json_schema_rejects_what_the_models_reject(tmp_path: Path, mutate: object) -> None:
    spec = base_spec()
    mutate(spec)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, spec_schema())
    assert run_cli("check", "--spec", write_spec(tmp_path, spec)).code == 1


def test_overrides_in_the_schema_are_partial_services() -> None:
    schema = spec_schema()
    partial = schema["$defs"]["ServiceOverride"]
    assert "required" not in partial
    assert "name" not in partial["properties"] and "overrides" not in partial["properties"]
    assert partial["properties"]["healthCheck"]["$ref"] == "#/$defs/HealthCheckOverride"
    jsonschema.validate({**base_spec(), "services": [{**base_spec()["services"][0], "overrides": {
        "prod": {"healthCheck": {"checkIntervalSec": 30}}}}]}, schema)


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    """The installed `iapgen` entry point, as a user runs it."""
    script = shutil.which("iapgen", path=str(Path(sys.executable).parent)) or shutil.which("iapgen")
    if script is None:
        pytest.skip("iapgen console script is not installed in this environment")
    bad = tmp_path / "services.yaml"
    bad.write_bytes(b"services: [\x00\xff]")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([script, "render", "--env", "dev", "--spec", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{bad}:")
    assert not (tmp_path / "o").exists()
