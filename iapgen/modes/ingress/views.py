"""What on-call and reviewers read about an Ingress-mode service: its runbook, the environment's summary,
and the facts iapgen diff compares, read back from the rendered BackendConfig, certificate and Ingress."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from iapgen.modes.base import DiffService, Rendered, SummaryInput, logging_text
from iapgen.spec.exposure import HC_BLOCKS, Exposure
from iapgen.templating import render_template


def runbook(exposure: Exposure) -> str:
    service = exposure.service
    selector = exposure.selector_text
    ip_name = exposure.static_ip_name
    path_view = {  # the request-path diagram (templates/request_path.md.j2, shared with iapgen diff)
        "host": exposure.host, "iap": exposure.iap_text,
        "lb": f"IP {ip_name}<br/>Ingress {service.namespace}/{exposure.ingress_name}", "protocol": service.protocol,
        "target_port": service.target_port, "path": service.health_check.path,
        "service": f"{service.namespace}/{service.name}", "port": f"{service.port} ({exposure.port_name})",
        "pods": f" on 0.0.0.0<br/>{selector}"}
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "port": service.port,
        "target_port": service.target_port, "protocol": service.protocol, "path": service.health_check.path,
        "timeout": service.health_check.timeout_sec, "selector_arg": selector, "ingress": exposure.ingress_name,
        "hc_block": HC_BLOCKS[service.protocol], "scheme": exposure.scheme,
        "members": exposure.members_text, "path_view": path_view,
    }
    return render_template("runbook.md.j2", s=view, env=exposure.env, project=exposure.environment.project)


def summary(given: SummaryInput) -> str:
    return render_template("summary.md.j2", env=given.env, environment=given.environment,
                           namespaces=_namespace_views(given.exposures, given.outputs), **given.common)


def _namespace_views(exposures: tuple[Exposure, ...], outputs: Mapping[str, Any]) -> list[Any]:
    """One row per Ingress: a namespace's Ingress 1, then its Ingress 2, 3, ... when it has more than 15 hosts."""
    views: dict[tuple[str, int], dict[str, Any]] = {}
    for exposure in exposures:
        namespace = exposure.service.namespace
        view = views.setdefault((namespace, exposure.ingress_number), {
            "name": namespace, "ingress": exposure.ingress_name, "address_name": exposure.static_ip_name,
            "ip": outputs.get("addresses", {}).get(exposure.address_key, {}).get("ip", "<computed>"), "hosts": []})
        view["hosts"].append(exposure.host)
    return [views[k] for k in sorted(views)]


def diff_services(rendered: Rendered) -> dict[str, DiffService]:
    objects = rendered.objects
    # Which Ingress serves each host: a namespace with more than 15 hosts has several.
    serving = {(o["metadata"].get("namespace"), rule.get("host")): o["metadata"]["name"]
               for o in rendered.documents if o["kind"] == "Ingress" for rule in o.get("spec", {}).get("rules", [])}
    found = {}
    for (kind, name), svc in objects.items():
        if kind != "Service":
            continue
        port = svc["spec"]["ports"][0]
        protocols = json.loads(svc["metadata"].get("annotations", {}).get("cloud.google.com/app-protocols", "{}"))
        bc = objects.get(("BackendConfig", name), {}).get("spec", {})
        hc = bc.get("healthCheck", {})
        cert = objects.get(("ManagedCertificate", name), {}).get("spec", {})
        namespace = svc["metadata"].get("namespace")
        ingress = f"{namespace}/{serving.get((namespace, next(iter(cert.get('domains', [])), None)), '?')}"
        found[name] = DiffService(name, {
            "namespace": svc["metadata"].get("namespace"), "host": ", ".join(cert.get("domains", [])),
            "port": port.get("port"), "targetPort": port.get("targetPort"),
            "protocol": protocols.get(port.get("name"), "HTTP"), "path": hc.get("requestPath"),
            "interval": hc.get("checkIntervalSec"), "timeout": hc.get("timeoutSec"),
            "healthy": hc.get("healthyThreshold"), "unhealthy": hc.get("unhealthyThreshold"),
            "iap": "on" if (bc.get("iap") or {}).get("enabled") else "off",
            "logging": logging_text(bc.get("logging") or {}, "enable", 1.0),
            "ingress": ingress, "lb": f"Ingress {ingress}", "backend": "k8s1-...",
        }, set(rendered.members.get(name, set())))
    return found
