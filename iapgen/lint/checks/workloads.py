"""Workload rules: servers that listen on loopback on a port a Service targets."""

from __future__ import annotations

from typing import Any

from iapgen.lint.checks import values
from iapgen.lint.checks.context import (
    Context,
    Report,
    linter,
)
from iapgen.lint.checks.objects import (
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    WORKLOAD_KINDS,
    as_dict,
    as_int,
    backend_config_for,
    bind_settings,
    container_ports,
    containers,
    parsed,
    pod_template,
    service_ports,
)
from iapgen.lint.checks.values import LISTENS_ON_LOCALHOST
from iapgen.lint.manifests import Obj
from iapgen.spec import rules
from iapgen.spec.rules import ERROR, WARNING


@linter(*WORKLOAD_KINDS)
def lint_listen_address(ctx: Context, workload: Obj, report: Report) -> None:
    """Servers bound to loopback, for containers that serve a port some Service targets."""
    _, pod, pod_loc = pod_template(workload)
    if pod is None:
        return
    targets = _targeted_ports(ctx, workload, pod)
    if not targets:
        return
    in_pod = containers(pod)
    for c, container in enumerate(in_pod):
        ports = {as_int(p.get("containerPort")) for p in container_ports(container)}
        served = targets & ports if ports else set()
        # Judge the container that serves a targeted port; one that declares no port only when it is
        # alone in the Pod (sidecars such as cloud-sql-proxy rightly listen on 127.0.0.1).
        if (ports and not served) or (not ports and len(in_pod) > 1):
            continue
        for loc, setting, value in bind_settings(container):
            _, port_text = values.split_host_port(value)
            port = rules.decimal(port_text)
            if port is not None and port not in (served or targets):
                continue  # a loopback listener on another port (an admin or metrics endpoint)
            target = port if port is not None else (next(iter(served)) if len(served) == 1 else None)
            message = values.check_bind_address(setting, value, target)
            if message:
                severity = ERROR if port is not None or len(targets) == 1 else WARNING
                report.add(workload, (*pod_loc, "containers", c, *loc), LISTENS_ON_LOCALHOST,
                           f"container {container.get('name')}: {message}", severity)


def _targeted_ports(ctx: Context, workload: Obj, pod: dict[str, Any]) -> set[int]:
    """Ports some Service selecting this workload targets, or whose BackendConfig probes. Services that
    share a selector share one set, computed once: linting stays linear when thousands share one."""
    ports: set[int] = set()
    for selection in ctx.selecting(workload):
        key = ("targeted", id(selection))
        if key not in ctx.memo:
            ctx.memo[key] = set().union(*(_service_targets(ctx, svc) for svc in selection.services))
        ports |= ctx.memo[key]
    return ports


def _service_targets(ctx: Context, svc: Obj) -> set[int]:
    ports: set[int] = set()
    for port in service_ports(svc):
        if isinstance(port.target, int):
            ports.add(port.target)
        elif isinstance(port.target, str):
            named = ctx.named_port(svc, port.target)
            if named:
                ports.add(named)
    mapping = parsed(svc, BACKEND_CONFIG) or parsed(svc, BETA_BACKEND_CONFIG)
    for port in service_ports(svc) if isinstance(mapping, dict) else []:
        config = ctx.find("BackendConfig", svc.namespace, backend_config_for(mapping, port) or "", near=svc)
        hc_port = as_int(as_dict(config.spec.get("healthCheck")).get("port")) if config else None
        if hc_port:
            ports.add(hc_port)  # the load balancer probes this one from outside the Pod too
    return ports
