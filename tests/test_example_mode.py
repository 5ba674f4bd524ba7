"""Adding a mode is its package plus one registry line: the test-only `example` mode (tests/example_mode/)
validates, renders, summarises, writes runbooks, diffs and diagnoses with nothing else changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from iapgen import modes
from iapgen.errors import SpecError
from iapgen.modes import MODES, mode_of
from iapgen.operations import diff
from iapgen.render.command import render, write
from iapgen.spec import models
from iapgen.spec.validate import load_spec
from tests.conftest import base_spec, write_spec
from tests.example_mode import MODE


@pytest.fixture
def example_mode() -> Iterator[None]:
    before_modes, before_models = dict(MODES), dict(models.ENVIRONMENTS)
    modes.register(MODE)  # the one line a new mode adds to iapgen/modes/__init__.py
    try:
        yield
    finally:
        MODES.clear()
        MODES.update(before_modes)
        models.ENVIRONMENTS.clear()
        models.ENVIRONMENTS.update(before_models)


def _spec(tmp_path: Path, **environment: object) -> Path:
    spec = base_spec()
    spec["environments"]["dev"].update(loadBalancer="example", **environment)
    return write_spec(tmp_path, spec)


def test_unregistered_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        load_spec(_spec(tmp_path))
    assert "LB_MODE_INVALID" in str(err.value)
    assert "allowed: ingress, standalone, gateway" in str(err.value)


def test_a_registered_mode_validates_its_own_fields(tmp_path: Path, example_mode: None) -> None:
    loaded = load_spec(_spec(tmp_path, externalTrafficPolicy="Local"))
    environment, _ = loaded.environment("dev")
    assert mode_of(environment) is MODE
    assert environment.external_traffic_policy == "Local"  # type: ignore[attr-defined]
    # A field of another mode is that mode's, by the generic rule.
    with pytest.raises(SpecError) as err:
        load_spec(_spec(tmp_path, zones=["europe-west1-b"]))
    assert "LB_FIELD_OTHER_MODE" in str(err.value) and "only with loadBalancer: standalone" in str(err.value)
    # ... and the example's own field in an ingress environment names the example mode.
    spec = base_spec()
    spec["environments"]["prod"]["externalTrafficPolicy"] = "Local"
    spec["environments"]["dev"]["loadBalancer"] = "example"
    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec))
    assert "externalTrafficPolicy is read only with loadBalancer: example, but prod uses ingress" in str(err.value)


def test_a_registered_mode_runs_its_checks(tmp_path: Path, example_mode: None) -> None:
    spec = base_spec()
    spec["environments"]["dev"]["loadBalancer"] = "example"
    spec["services"][0]["overrides"] = {"dev": {"port": 22}}
    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec))
    assert "port 22 is not for web traffic [PORT_RANGE]" in str(err.value)


def test_a_registered_mode_renders_and_diffs(tmp_path: Path, example_mode: None) -> None:
    spec_path = _spec(tmp_path)
    rendered = render(str(spec_path), "dev")
    service = yaml.safe_load(rendered.files["k8s/argocd/service-argocd.yaml"])
    assert service["spec"]["type"] == "LoadBalancer"
    assert rendered.files["summary.md"] == "# dev: 1 services as LoadBalancer Services\n"
    assert rendered.files["runbooks/argocd.md"].startswith("# argocd")
    assert rendered.run.outputs["loadBalancer"] == "example"
    write(tmp_path / "base", rendered.files)
    spec = base_spec()
    spec["environments"]["dev"]["loadBalancer"] = "example"
    spec["services"][0]["port"] = 8443
    write(tmp_path / "head", render(str(write_spec(tmp_path, spec)), "dev").files)
    report = diff.report(tmp_path / "base", tmp_path / "head")
    assert "port 443 -> 8443" in report or "443 -> 8443" in report
