"""Every rule's bad/good examples, gathered from the rules' declarations (each rule declares its own, see
iapgen.spec.rulebook), and the example builders, for the tests that read them from here."""

from __future__ import annotations

from iapgen.examplekit import ENV, GATEWAY_SERVICE, backend_policy, gateway, health_check_policy, http_route, plan
from iapgen.spec.rulebook import Example, load_all

EXAMPLES: dict[str, list[Example]] = {rule.id: list(rule.examples) for rule in load_all().values()}

__all__ = ["ENV", "EXAMPLES", "GATEWAY_SERVICE", "Example", "backend_policy", "gateway", "health_check_policy",
           "http_route", "plan"]
