"""What on-call and reviewers read about a standalone-mode service: its runbook, the environment's summary, and
the facts iapgen diff compares, read from the pulumi-gcp resources in plan.json (every name is iapgen's)."""

from __future__ import annotations

from typing import Any

from iapgen.modes.base import DiffService, Rendered, SummaryInput, logging_text
from iapgen.spec import naming
from iapgen.spec.exposure import HC_BLOCKS, Exposure
from iapgen.templating import render_template


def runbook(exposure: Exposure) -> str:
    """The runbook of a service behind the load balancer the stack owns."""
    service, env = exposure.service, exposure.env
    selector = exposure.selector_text
    path_view = {
        "host": exposure.host, "iap": exposure.iap_text,
        "lb": f"IP {naming.environment_address(env)}<br/>URL map {naming.url_map(env)}", "backend": exposure.neg_name,
        "protocol": service.protocol, "target_port": service.target_port, "path": service.health_check.path,
        "service": f"{service.namespace}/{service.name}", "port": f"{service.port} ({exposure.port_name})",
        "pods": f" on 0.0.0.0<br/>{selector}"}
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "host": exposure.host,
        "port": service.port, "target_port": service.target_port, "protocol": service.protocol,
        "path": service.health_check.path, "timeout": service.health_check.timeout_sec, "selector_arg": selector,
        "hc_block": HC_BLOCKS[service.protocol], "scheme": exposure.scheme,
        "members": exposure.members_text, "path_view": path_view,
        "neg": exposure.neg_name, "zones": list(zones(exposure)), "url_map": naming.url_map(env),
        "certificate": naming.certificate_manager(env, service.name), "firewall": naming.health_check_firewall(env),
    }
    return render_template("runbook-standalone.md.j2", s=view, env=env, project=exposure.environment.project)


def zones(exposure: Exposure) -> tuple[str, ...]:
    return tuple(getattr(exposure.environment, "zones", None) or ())


def summary(given: SummaryInput) -> str:
    addresses = list(given.outputs.get("addresses", {}).values())
    env = given.env
    lb = {"address_name": naming.environment_address(env), "certificate_map": naming.certificate_map(env),
          "url_map": naming.url_map(env), "ip": addresses[0].get("ip", "<computed>") if addresses else "<computed>"}
    return render_template("summary-standalone.md.j2", env=env, environment=given.environment, lb=lb, **given.common)


HEALTH_CHECK_BLOCKS = tuple(HC_BLOCKS.values())


def diff_services(rendered: Rendered) -> dict[str, DiffService]:
    """The health check, backend service and URL map are pulumi-gcp resources in the plan, parented to the
    service's component (or the environment's)."""
    owned = {(e["type"].rsplit(":", 1)[-1], e["parent"]): e["inputs"] for e in rendered.plan if e["parent"]}
    hosts: dict[str, str] = {}
    for entry in rendered.plan:
        if entry["type"] == "gcp:compute/uRLMap:URLMap":
            for rule in entry["inputs"].get("hostRules") or []:
                hosts[rule["pathMatcher"]] = ", ".join(rule["hosts"])
    found = {}
    for (kind, name), svc in rendered.objects.items():
        if kind != "Service":
            continue
        port = svc["spec"]["ports"][0]
        check = owned.get(("HealthCheck", name), {})
        block: dict[str, Any] = next((check[b] for b in HEALTH_CHECK_BLOCKS if b in check), {})
        backend = owned.get(("BackendService", name), {})
        iap = backend.get("iap")
        # A custom OAuth client's secret makes the whole block secret; it is set only with IAP on.
        on = iap == "[secret]" or (isinstance(iap, dict) and iap.get("enabled"))
        found[name] = DiffService(name, {
            "namespace": svc["metadata"].get("namespace"), "host": hosts.get(name, ""),
            "port": port.get("port"), "targetPort": port.get("targetPort"),
            "protocol": backend.get("protocol"), "path": block.get("requestPath"),
            "interval": check.get("checkIntervalSec"), "timeout": check.get("timeoutSec"),
            "healthy": check.get("healthyThreshold"), "unhealthy": check.get("unhealthyThreshold"),
            "iap": "on" if on else "off",
            "logging": logging_text(backend.get("logConfig") or {}, "enable", 1.0),
            "lb": "owned by the stack (standalone)", "backend": backend.get("name"),
        }, set(rendered.members.get(name, set())))
    return found
