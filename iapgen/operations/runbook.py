"""The on-call runbook for one service: request path, commands and known causes, for this service's objects.

Written by `iapgen render` to runbooks/<service>.md and exported by the program as the stack output
`runbooks`. It needs nothing known only after deploy: the commands look up the `k8s1-...` names
themselves (from the Service's neg-status annotation).
"""

from __future__ import annotations

from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.templating import render_template

HC_BLOCKS = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}


def runbook(exposure: Exposure) -> str:
    if exposure.standalone:
        return standalone_runbook(exposure)
    if exposure.gateway:
        from iapgen.operations import gateway  # the gateway runbook imports this module's neighbours

        return gateway.runbook(exposure)
    service = exposure.service
    selector = exposure.selector_text
    ip_name = exposure.static_ip_name
    path_view = {  # the request-path diagram (templates/request_path.md.j2, shared with iapgen diff)
        "host": exposure.host, "iap": "on" if service.iap.enabled else f"off ({service.iap.reason})",
        "lb": f"IP {ip_name}<br/>Ingress {service.namespace}/{exposure.ingress_name}", "protocol": service.protocol,
        "target_port": service.target_port, "path": service.health_check.path,
        "service": f"{service.namespace}/{service.name}", "port": f"{service.port} ({exposure.port_name})",
        "pods": f" on 0.0.0.0<br/>{selector}"}
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "port": service.port,
        "target_port": service.target_port, "protocol": service.protocol, "path": service.health_check.path,
        "timeout": service.health_check.timeout_sec, "selector_arg": selector, "ingress": exposure.ingress_name,
        "hc_block": HC_BLOCKS[service.protocol], "scheme": "http" if service.protocol == "HTTP" else "https",
        "members": ", ".join(exposure.members) if service.iap.enabled else "", "path_view": path_view,
    }
    return render_template("runbook.md.j2", s=view, env=exposure.env, project=exposure.environment.project)


def standalone_runbook(exposure: Exposure) -> str:
    """The runbook of a service behind the load balancer the stack owns: every name is iapgen's."""
    service, env = exposure.service, exposure.env
    selector = exposure.selector_text
    path_view = {
        "host": exposure.host, "iap": "on" if service.iap.enabled else f"off ({service.iap.reason})",
        "lb": f"IP {naming.environment_address(env)}<br/>URL map {naming.url_map(env)}", "backend": exposure.neg_name,
        "protocol": service.protocol, "target_port": service.target_port, "path": service.health_check.path,
        "service": f"{service.namespace}/{service.name}", "port": f"{service.port} ({exposure.port_name})",
        "pods": f" on 0.0.0.0<br/>{selector}"}
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "host": exposure.host,
        "port": service.port, "target_port": service.target_port, "protocol": service.protocol,
        "path": service.health_check.path, "timeout": service.health_check.timeout_sec, "selector_arg": selector,
        "hc_block": HC_BLOCKS[service.protocol], "scheme": "http" if service.protocol == "HTTP" else "https",
        "members": ", ".join(exposure.members) if service.iap.enabled else "", "path_view": path_view,
        "neg": exposure.neg_name, "zones": list(exposure.environment.zones or ()), "url_map": naming.url_map(env),
        "certificate": naming.certificate_manager(env, service.name), "firewall": naming.health_check_firewall(env),
    }
    return render_template("runbook-standalone.md.j2", s=view, env=env, project=exposure.environment.project)
