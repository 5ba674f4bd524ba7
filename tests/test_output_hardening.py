"""Text output that cannot be turned into commands (issue 24 items 5 and 12)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import base_spec, run_cli, write_spec


def test_lint_text_escapes_control_characters_in_names(tmp_path: Path) -> None:
    """A name holding a newline and `::error` starts a GitHub Actions workflow command; ANSI codes recolour
    the terminal. JSON and SARIF already escape them."""
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "web\n::error file=x::pwned\x1b[31m", "namespace": "web",
                            "annotations": {"cloud.google.com/neg": '{"ingress": true}'}},
               "spec": {"selector": {"app": "web"},
                        "ports": [{"name": "web", "port": 80, "targetPort": 8080, "appProtocol": "HTTPS"}]}}
    path = tmp_path / "svc.yaml"
    path.write_text(yaml.safe_dump(service), encoding="utf-8")
    result = run_cli("lint", str(path))
    assert "APP_PROTOCOL_IGNORED" in result.out
    assert "\x1b" not in result.out
    assert not any(line.startswith("::") for line in result.out.splitlines())
    assert "web\\n::error" in result.out  # shown, escaped


def test_doctor_on_an_environment_without_services_says_so(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"] = []
    result = run_cli("doctor", "--env", "dev", "--spec", str(write_spec(tmp_path, spec)))
    assert "None" not in result.err
    assert "environment dev has no services" in result.err and result.code == 2
