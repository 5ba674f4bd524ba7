"""The bad/good examples of the rules declared in iapgen/lint/checks/gateway.py (kept apart to keep that module short)."""

from __future__ import annotations

from iapgen.examplekit import GATEWAY_SERVICE, backend_policy, gateway, health_check_policy, http_route
from iapgen.spec.rulebook import Example

POLICY_TARGET_NOT_FOUND = [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(namespace="default"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())]

BACKEND_POLICY_DUPLICATE = [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + backend_policy() + "---\n"
        + backend_policy("{timeoutSec: 120}", name="web-timeout"),
        GATEWAY_SERVICE + "---\n" + backend_policy("{timeoutSec: 120, iap: {enabled: true, clientID: "
                                                    "1234-abcd.apps.googleusercontent.com, oauth2ClientSecret: "
                                                    "{name: iapgen-oauth}}}"))]

ROUTE_BACKEND_PORT = [Example("manifest", GATEWAY_SERVICE + "---\n" + http_route("8080"),
                                   GATEWAY_SERVICE + "---\n" + http_route())]

ROUTE_NOT_ALLOWED = [Example(
        "manifest", gateway("{namespaces: {from: Same}}") + "---\n" + http_route(),
        gateway("{namespaces: {from: Selector, selector: {matchExpressions: [{key: kubernetes.io/metadata.name, "
                "operator: In, values: [web]}]}}}") + "---\n" + http_route())]

# The error case (port with USE_SERVING_PORT); port with portSpecification omitted is the warning lint lowers it
# to (tests/test_lint_gateway_paths.py).
HC_PORT_SPECIFICATION = [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(
            "{portSpecification: USE_SERVING_PORT, port: 8080, requestPath: /healthz}"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())]

HC_POLICY_CONFIG = [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy().replace("httpsHealthCheck:", "httpHealthCheck:"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())]

BACKEND_POLICY_SAMPLE_RATE = [Example(
        "manifest", backend_policy("{logging: {enabled: true, sampleRate: 0.5}}"),
        backend_policy("{logging: {enabled: true, sampleRate: 500000}}"))]
