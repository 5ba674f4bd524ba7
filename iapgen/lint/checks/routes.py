"""HTTPRoute rules: a route's backendRefs against the Service's ports, and the route against the allowedRoutes
of the Gateway listeners it attaches to (docs/gke-behaviour.md#httproute-backend-port,
#gateway-allowed-routes)."""

from __future__ import annotations

from typing import Any

from iapgen.errors import show
from iapgen.lint.checks import examples_gateway as gateway_examples
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.checks.objects import as_dict, as_list, joined, service_ports
from iapgen.lint.manifests import Obj
from iapgen.spec.gateway import METADATA_NAME
from iapgen.spec.rulebook import Rule

ROUTE_BACKEND_PORT = Rule(
    "ROUTE_BACKEND_PORT", "An HTTPRoute backendRef to a Service needs a port the Service has.",
    source="gke-behaviour.md#httproute-backend-port",
    why="The route's backend has no endpoints.", fix="Name a port the Service has.",
    examples=gateway_examples.ROUTE_BACKEND_PORT)
ROUTE_NOT_ALLOWED = Rule(
    "ROUTE_NOT_ALLOWED", "A route attaches to a Gateway listener only if the listener's allowedRoutes admits the "
    "route's namespace.",
    source="gke-behaviour.md#gateway-allowed-routes",
    why="The route is not attached.", fix="Admit the route's namespace in allowedRoutes.",
    examples=gateway_examples.ROUTE_NOT_ALLOWED)




@linter("HTTPRoute")
def lint_http_route(ctx: Context, route: Obj, report: Report) -> None:
    for r, rule_ in enumerate(as_list(route.spec.get("rules"))):
        for b, ref in enumerate(as_list(as_dict(rule_).get("backendRefs"))):
            ref = as_dict(ref)
            if ref.get("kind", "Service") != "Service" or ref.get("group", "") != "":
                continue
            loc = ("spec", "rules", r, "backendRefs", b)
            namespace = ref.get("namespace") if isinstance(ref.get("namespace"), str) else route.namespace
            svc = ctx.find("Service", str(namespace), str(ref.get("name")), near=route)
            _lint_backend_port(route, ref, svc, loc, report)
    _lint_attachment(ctx, route, report)


def _lint_backend_port(route: Obj, ref: dict[str, Any], svc: Obj | None, loc: tuple[Any, ...],
                       report: Report) -> None:
    if "port" not in ref:
        report.add(route, loc, ROUTE_BACKEND_PORT, f"backendRef to Service {show(ref.get('name'))} has no port; "
                   "the API server rejects it ('Must have port for Service reference'): use the Service port")
        return
    if svc is None:
        return
    ports = service_ports(svc)
    wanted = ref.get("port")
    if any(p.port == wanted for p in ports):
        return
    hint = " (that is the targetPort; use the Service port)" if any(p.target == wanted for p in ports) else ""
    report.add(route, (*loc, "port"), ROUTE_BACKEND_PORT,
               f"backendRef port {show(wanted)} is not a port of {svc.ref}{hint} (ports: "
               f"{joined(p.port for p in ports)}); the route reports ResolvedRefs False and serves 500s")


def _lint_attachment(ctx: Context, route: Obj, report: Report) -> None:
    for i, parent in enumerate(as_list(route.spec.get("parentRefs"))):
        parent = as_dict(parent)
        if parent.get("kind", "Gateway") != "Gateway" or \
                parent.get("group", "gateway.networking.k8s.io") != "gateway.networking.k8s.io":
            continue
        namespace = str(parent.get("namespace") or route.namespace)
        gateway = ctx.find("Gateway", namespace, str(parent.get("name")), near=route)
        if gateway is None:
            continue
        listeners = [as_dict(item) for item in as_list(gateway.spec.get("listeners"))]
        section = parent.get("sectionName")
        if section is not None:
            listeners = [item for item in listeners if item.get("name") == section]
        verdicts = [_admits(ctx, gateway, item, route) for item in listeners]
        if not listeners or True in verdicts or None in verdicts:
            continue  # no such listener (the schema's job), admitted, or undecidable from the inputs
        which = f"listener {section}" if section else "no listener"
        report.add(route, ("spec", "parentRefs", i), ROUTE_NOT_ALLOWED,
                   f"attaches to {gateway.ref}, but {which} admits routes from namespace {route.namespace} "
                   f"({_describe_allowed(listeners)}); the route reports Accepted False (NotAllowedByListeners): "
                   "admit the namespace in allowedRoutes.namespaces")


def _admits(ctx: Context, gateway: Obj, listener: dict[str, Any], route: Obj) -> bool | None:
    """Whether a listener admits routes from the route's namespace; None when the inputs cannot tell."""
    namespaces = as_dict(as_dict(listener.get("allowedRoutes")).get("namespaces"))
    origin = namespaces.get("from", "Same")
    if origin == "All":
        return True
    if origin == "Same":
        return route.namespace == gateway.namespace
    if origin != "Selector":
        return None
    labels = {METADATA_NAME: route.namespace}
    namespace_obj = next((o for o in ctx.by_kind.get("Namespace", []) if o.name == route.namespace), None)
    selector = as_dict(namespaces.get("selector"))
    needs_labels = any(k != METADATA_NAME for k in as_dict(selector.get("matchLabels"))) or any(
        as_dict(e).get("key") != METADATA_NAME for e in as_list(selector.get("matchExpressions")))
    if needs_labels:
        if namespace_obj is None:
            return None
        labels.update({str(k): str(v) for k, v in as_dict(namespace_obj.metadata.get("labels")).items()})
    return selects(selector, labels)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool | None:
    """A Kubernetes label selector against labels (matchLabels and In/NotIn/Exists/DoesNotExist)."""
    for key, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in as_list(selector.get("matchExpressions")):
        expression = as_dict(expression)
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in as_list(expression.get("values"))}
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not present or labels[key] not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            return None
        if not ok:
            return False
    return True


def _describe_allowed(listeners: list[dict[str, Any]]) -> str:
    parts = []
    for listener in listeners:
        namespaces = as_dict(as_dict(listener.get("allowedRoutes")).get("namespaces"))
        parts.append(f"{listener.get('name')}: from {namespaces.get('from', 'Same')}")
    return "; ".join(parts)
