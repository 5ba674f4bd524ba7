"""Every pulumi-gcp input VALUE of a standalone environment against what the provider documents.

The typed argument classes already refuse unknown argument names. Values are plain strings, so this
test reads the allowed values from the installed provider's own documentation (the docstrings that
pulumi-gcp generates from the Terraform provider's schema, "Possible values are: ...") and checks each
recorded input against them, plus the rules the docs state in words: exactly one protocol block per
health check, USE_SERVING_PORT without port or port_name, and GCE names `[a-z]([-a-z0-9]*[a-z0-9])?`
of at most 63 characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from pulumi_gcp.certificatemanager.certificate import CertificateArgs
from pulumi_gcp.compute import _inputs as compute_inputs
from pulumi_gcp.compute.backend_service import BackendServiceArgs
from pulumi_gcp.compute.firewall import FirewallArgs
from pulumi_gcp.compute.global_address import GlobalAddressArgs
from pulumi_gcp.compute.global_forwarding_rule import GlobalForwardingRuleArgs

from tests.conftest import Plan, service
from tests.test_standalone import standalone_spec

GCE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
HEALTH_CHECK_BLOCKS = ("httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck",
                       "sslHealthCheck", "grpcHealthCheck", "grpcTlsHealthCheck")


def documented(prop: Any) -> set[str]:
    """The values a provider property's docstring allows."""
    doc = prop.__doc__ or ""
    if "Possible values are:" in doc:
        return set(re.findall(r"`([^`]+)`", doc.split("Possible values are:", 1)[1]))
    if "Possible values: [" in doc:  # the other spelling some fields use
        return set(re.findall(r'"([^"]+)"', doc.split("Possible values: [", 1)[1].split("]", 1)[0]))
    listed = re.search(r"one of the following well known protocol strings \(([^)]*)\)", doc)
    if listed:
        return {v.strip() for v in listed.group(1).split(",")}
    # Enumerations written as a list: "* FOUND, which ..." or "DEFAULT: Certificates ..."
    return set(re.findall(r"^\s*(?:\* )?([A-Z][A-Z_]{2,})\b[,:]", doc, flags=re.MULTILINE))


def test_documented_reads_the_provider_docs() -> None:
    """The parser itself, on values the docs are known to list (a broken parser must not pass silently)."""
    assert {"EXTERNAL", "EXTERNAL_MANAGED"} <= documented(BackendServiceArgs.load_balancing_scheme)
    assert "FOUND" in documented(compute_inputs.URLMapDefaultUrlRedirectArgs.redirect_response_code)
    assert {"DEFAULT", "EDGE_CACHE"} <= documented(CertificateArgs.scope)
    assert "tcp" in documented(compute_inputs.FirewallAllowArgs.protocol)
    assert "USE_SERVING_PORT" in documented(compute_inputs.HealthCheckHttp2HealthCheckArgs.port_specification)
    assert "BOGUS" not in documented(BackendServiceArgs.protocol)


Getter = Callable[[dict[str, Any]], list[Any]]


def at(*path: str) -> Getter:
    """Values at a path of camelCase keys; "[]" walks a list."""
    def get(inputs: dict[str, Any]) -> list[Any]:
        nodes: list[Any] = [inputs]
        for key in path:
            if key == "[]":
                nodes = [item for node in nodes for item in (node or [])]
            else:
                nodes = [node[key] for node in nodes if isinstance(node, dict) and key in node]
        return nodes
    return get


# (type token, where in the inputs, the provider property that documents the values)
ENUMS: list[tuple[str, Getter, Any]] = [
    ("gcp:compute/backendService:BackendService", at("loadBalancingScheme"), BackendServiceArgs.load_balancing_scheme),
    ("gcp:compute/backendService:BackendService", at("protocol"), BackendServiceArgs.protocol),
    ("gcp:compute/backendService:BackendService", at("backends", "[]", "balancingMode"),
     compute_inputs.BackendServiceBackendArgs.balancing_mode),
    ("gcp:compute/healthCheck:HealthCheck", at("httpHealthCheck", "portSpecification"),
     compute_inputs.HealthCheckHttpHealthCheckArgs.port_specification),
    ("gcp:compute/healthCheck:HealthCheck", at("httpsHealthCheck", "portSpecification"),
     compute_inputs.HealthCheckHttpsHealthCheckArgs.port_specification),
    ("gcp:compute/healthCheck:HealthCheck", at("http2HealthCheck", "portSpecification"),
     compute_inputs.HealthCheckHttp2HealthCheckArgs.port_specification),
    ("gcp:compute/globalForwardingRule:GlobalForwardingRule", at("loadBalancingScheme"),
     GlobalForwardingRuleArgs.load_balancing_scheme),
    ("gcp:compute/globalForwardingRule:GlobalForwardingRule", at("ipProtocol"), GlobalForwardingRuleArgs.ip_protocol),
    ("gcp:compute/firewall:Firewall", at("direction"), FirewallArgs.direction),
    ("gcp:compute/firewall:Firewall", at("allows", "[]", "protocol"), compute_inputs.FirewallAllowArgs.protocol),
    ("gcp:compute/uRLMap:URLMap", at("defaultUrlRedirect", "redirectResponseCode"),
     compute_inputs.URLMapDefaultUrlRedirectArgs.redirect_response_code),
    ("gcp:certificatemanager/certificate:Certificate", at("scope"), CertificateArgs.scope),
    ("gcp:compute/globalAddress:GlobalAddress", at("addressType"), GlobalAddressArgs.address_type),
    ("gcp:compute/globalAddress:GlobalAddress", at("ipVersion"), GlobalAddressArgs.ip_version),
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    from tests.conftest import offline_build, write_spec

    spec = standalone_spec()
    spec["services"].append(service("plain", namespace="ml", port=8080, targetPort=8080, protocol="HTTP"))
    return Plan(offline_build(write_spec(tmp_path_factory.mktemp("values"), spec)))


@pytest.mark.parametrize(("type_", "where", "prop"), ENUMS, ids=[f"{t.split(':')[-1]}-{p.fget.__name__}"
                                                                 for t, _, p in ENUMS])
def test_enum_values_are_documented_by_the_provider(plan: Plan, type_: str, where: Getter, prop: Any) -> None:
    allowed = documented(prop)
    assert allowed, f"no documented values for {prop.fget.__name__}"
    values = [v for r in plan.resources if r.type == type_ for v in where(r.inputs)]
    assert values, f"no {type_} input at that path: the test would check nothing"
    assert set(values) <= allowed, (set(values) - allowed, sorted(allowed))


def test_health_checks_have_exactly_one_block_and_serving_port_without_a_port(plan: Plan) -> None:
    checks = plan.of_type("compute/healthCheck:HealthCheck")
    assert len(checks) == 4
    for check in checks:
        blocks = [b for b in HEALTH_CHECK_BLOCKS if b in check.inputs]
        assert len(blocks) == 1, blocks
        block = check.inputs[blocks[0]]
        assert block["portSpecification"] == "USE_SERVING_PORT"
        # The docs: USE_SERVING_PORT takes the endpoint's port; port and portName must then be unset.
        assert "port" not in block and "portName" not in block
        assert 1 <= check.inputs["timeoutSec"] <= check.inputs["checkIntervalSec"] <= 300


def test_rate_backends_set_exactly_one_rate_target(plan: Plan) -> None:
    """RATE needs exactly one of maxRate, maxRatePerInstance, maxRatePerEndpoint (Compute API docs)."""
    for backend in plan.of_type("compute/backendService:BackendService"):
        for entry in backend.inputs["backends"]:
            targets = [k for k in ("maxRate", "maxRatePerInstance", "maxRatePerEndpoint") if k in entry]
            assert targets == ["maxRatePerEndpoint"] and entry["maxRatePerEndpoint"] > 0


def test_load_balancing_schemes_match_between_backends_and_forwarding_rules(plan: Plan) -> None:
    schemes = {r.inputs["loadBalancingScheme"] for r in plan.resources
               if r.type in ("gcp:compute/backendService:BackendService",
                             "gcp:compute/globalForwardingRule:GlobalForwardingRule")}
    assert schemes == {"EXTERNAL_MANAGED"}


def test_every_gce_name_matches_the_name_pattern(plan: Plan) -> None:
    names = [(r.type, r.inputs["name"]) for r in plan.resources if r.type.startswith("gcp:") and "name" in r.inputs]
    names += [("pathMatcher", m["name"]) for r in plan.of_type("URLMap") for m in r.inputs.get("pathMatchers", [])]
    assert len(names) > 20
    for type_, name in names:
        assert len(name) <= 63 and GCE_NAME.fullmatch(name), (type_, name)


def test_https_redirect_only_on_the_port_80_map(plan: Plan) -> None:
    """The docs: https_redirect "must only be set for UrlMaps used in TargetHttpProxys"."""
    http_maps = {r.inputs["urlMap"].rsplit("/", 1)[-1] for r in plan.of_type("TargetHttpProxy")}
    for url_map in plan.of_type("compute/uRLMap:URLMap"):
        if url_map.inputs["defaultUrlRedirect"].get("httpsRedirect"):
            assert url_map.inputs["name"] in http_maps
