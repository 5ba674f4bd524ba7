"""`iapgen lint` on the pulumi-gcp side of a render: plan.json's health checks and backend services."""

from __future__ import annotations

from pathlib import Path

from iapgen.lint.command import lint
from iapgen.lint.examples import plan
from iapgen.render.command import render, write
from tests.conftest import REPO


def findings(tmp_path: Path, text: str) -> list[tuple[str, int | None, str]]:
    path = tmp_path / "plan.json"
    path.write_text(text)
    return [(f.rule, f.line, f.message) for f in lint([str(path)]).findings]


def test_a_standalone_render_lints_clean(tmp_path: Path) -> None:
    write(tmp_path / "out", render(str(REPO / "services.yaml"), "staging").files)
    result = lint([str(tmp_path / "out")])
    # 3 Services, 3 health checks, 3 backend services, 2 forwarding rules, 2 proxies, 2 URL maps, 1 firewall rule,
    # 5 IAP grants
    assert result.findings == [] and result.objects == 21


def test_health_check_of_another_protocol_than_the_backend(tmp_path: Path) -> None:
    text = plan({"httpsHealthCheck": None, "httpHealthCheck": {"portSpecification": "USE_SERVING_PORT",
                                                               "requestPath": "/healthz"}})
    found = findings(tmp_path, text)
    assert [f[0] for f in found] == ["HC_PROTOCOL_MISMATCH"]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"httpHealthCheck"' in row)
    assert found[0][1] == line and "HTTP but the server speaks HTTPS" in found[0][2]


def test_fixed_health_check_port_must_be_the_target_port(tmp_path: Path) -> None:
    fixed = {"portSpecification": "USE_FIXED_PORT", "port": 443, "requestPath": "/healthz"}
    found = findings(tmp_path, plan({"httpsHealthCheck": fixed}))
    assert [f[0] for f in found] == ["HC_PORT_NOT_TARGET"] and "use targetPort 8080" in found[0][2]
    assert findings(tmp_path, plan({"httpsHealthCheck": {**fixed, "port": 8080}})) == []


def test_an_ingress_render_has_nothing_for_the_plan_rules(tmp_path: Path) -> None:
    write(tmp_path / "out", render(str(REPO / "services.yaml"), "dev").files)
    result = lint([str(tmp_path / "out" / "plan.json")])
    assert result.findings == [] and result.objects == 5  # its IAP grants only: GKE makes the rest
