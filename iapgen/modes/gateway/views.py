"""Gateway mode's runbook, summary and diff facts: what on-call and reviewers read about the objects a
`loadBalancer: gateway` environment renders (docs/gke-behaviour.md, "GKE Gateway")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iapgen.modes.base import DiffService, Rendered, SummaryInput, logging_text
from iapgen.modes.gateway.environment import namespace_of
from iapgen.spec import gateway as gw
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.templating import render_template


def runbook(exposure: Exposure) -> str:
    service = exposure.service
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "host": exposure.host,
        "port": service.port, "port_name": exposure.port_name, "target_port": service.target_port,
        "protocol": service.protocol, "path": service.health_check.path,
        "timeout": service.health_check.timeout_sec, "selector_arg": exposure.selector_text,
        "hc_block": gw.HC_BLOCK[service.protocol], "scheme": exposure.scheme,
        "members": exposure.members_text, "iap": exposure.iap_text,
        "route": gw.route_name(service.name), "policy": gw.policy_name(service.name),
        "gateway": gw.GATEWAY, "gateway_namespace": namespace_of(exposure.environment),
        "address": naming.environment_address(exposure.env), "certificate_map": naming.certificate_map(exposure.env),
        "prefix": gw.BACKEND_PREFIX,
    }
    return render_template("runbook-gateway.md.j2", s=view, env=exposure.env, project=exposure.environment.project)


def summary(given: SummaryInput) -> str:
    """What the summary says about the environment's one Gateway."""
    env, exposures = given.env, given.exposures
    first: dict[str, Any] = next(iter(given.outputs.get("addresses", {}).values()), {})
    view = {"namespace": namespace_of(given.environment), "name": gw.GATEWAY, "class": gw.GATEWAY_CLASS,
            "address_name": naming.environment_address(env), "ip": first.get("ip", "<computed>"),
            "certificate_map": naming.certificate_map(env),
            "namespaces": sorted({e.service.namespace for e in exposures}), "hosts": [e.host for e in exposures]}
    return render_template("summary-gateway.md.j2", env=env, environment=given.environment, gateway=view,
                           **given.common)


def diff_services(rendered: Rendered) -> dict[str, DiffService]:
    return {name: DiffService(name, _facts(rendered.objects, name, svc), set(rendered.members.get(name, set())))
            for (kind, name), svc in rendered.objects.items() if kind == "Service"}


def _facts(objects: Mapping[tuple[str, str], dict[str, Any]], name: str, svc: dict[str, Any]) -> dict[str, Any]:
    """A gateway service's reviewable facts from its rendered objects."""
    policy = objects.get(("HealthCheckPolicy", name), {})
    port = svc["spec"]["ports"][0]
    default = policy.get("spec", {}).get("default", {})
    config = default.get("config", {})
    block = config.get(gw.HC_BLOCK.get(config.get("type", "HTTP"), ""), {})
    route = objects.get(("HTTPRoute", name), {}).get("spec", {})
    backend_policy = objects.get(("GCPBackendPolicy", name), {}).get("spec", {}).get("default", {})
    iap = backend_policy.get("iap", {})
    return {
        "namespace": svc["metadata"].get("namespace"), "host": ", ".join(route.get("hostnames", [])),
        "port": port.get("port"), "targetPort": port.get("targetPort"),
        "protocol": port.get("appProtocol", "HTTP"), "path": block.get("requestPath"),
        "interval": default.get("checkIntervalSec"), "timeout": default.get("timeoutSec"),
        "healthy": default.get("healthyThreshold"), "unhealthy": default.get("unhealthyThreshold"),
        "iap": "on" if iap.get("enabled") else "off",
        "logging": logging_text(backend_policy.get("logging") or {}, "enabled", 1_000_000),
        "lb": "GKE Gateway " + ", ".join(f"{p.get('namespace')}/{p.get('name')}" for p in route.get("parentRefs", [])),
        "backend": f"{gw.BACKEND_PREFIX}...",
    }
