"""Gateway paths: Ingress-only settings on objects only a GKE Gateway uses, and route backendRefs to Services
that do not exist.

GKE Gateway reads neither BackendConfig nor FrontendConfig nor the Ingress annotations
(docs/gke-behaviour.md#gateway-ignores-ingress-settings): health checks, IAP, certificates and addresses the
author believes in do not exist. A backendRef to a missing Service leaves the route ResolvedRefs False
(docs/gke-behaviour.md#httproute-backend-port).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from iapgen.examplekit import GATEWAY_SERVICE, gateway, health_check_policy, http_route
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.checks.objects import (
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    FRONTEND_CONFIG,
    MANAGED_CERTS,
    as_dict,
    as_list,
)
from iapgen.lint.manifests import Obj
from iapgen.spec.rulebook import WARNING, Example, Rule

GATEWAY_INGRESS_SETTING = Rule(
    "GATEWAY_INGRESS_SETTING", "GKE Gateway ignores BackendConfig, FrontendConfig, ManagedCertificate and the Ingress "
    "annotations: configure a Gateway path with its policies and fields.",
    source="gke-behaviour.md#gateway-ignores-ingress-settings",
    why="The health check, IAP, certificate or address the author configured does not exist.",
    fix="Write a HealthCheckPolicy / GCPBackendPolicy / GCPGatewayPolicy, or the Gateway field the finding names.",
    lint_severity="A warning for a backend-config annotation on a Service that a HealthCheckPolicy or "
    "GCPBackendPolicy in the inputs already targets: the policies configure the backend, the annotation is only "
    "dead weight.",
    examples=[
        Example("manifest", gateway().replace("{networking.gke.io/certmap: iapgen-dev}",
                                              "{networking.gke.io/managed-certificates: iapgen-dev}"), gateway()),
        Example("manifest", GATEWAY_SERVICE.replace(
            "metadata: {name: web, namespace: web}", "metadata: {name: web, namespace: web, annotations: "
            "{cloud.google.com/backend-config: '{\"default\": \"web\"}'}}") + "---\n" + http_route(),
            GATEWAY_SERVICE + "---\n" + http_route() + "---\n" + health_check_policy()),
    ])
ROUTE_BACKEND_NOT_FOUND = Rule(
    "ROUTE_BACKEND_NOT_FOUND", "A route's backendRef must name a Service in the route's namespace (or the one it "
    "names).",
    source="gke-behaviour.md#httproute-backend-port",
    why="The route reports ResolvedRefs False and the rule answers 500.",
    fix="Name a Service that exists (the finding lists the namespace's Services and a near miss).",
    lint_severity="A warning when the namespace's Services are only in other files than the route's: the missing "
    "one may be applied from elsewhere.",
    examples=[Example("manifest",
                      GATEWAY_SERVICE + "---\n" + http_route().replace("name: web, port", "name: wbe, port"),
                      GATEWAY_SERVICE + "---\n" + http_route())])

ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")
# Ingress annotation on a Gateway -> what GKE Gateway reads instead
GATEWAY_INSTEAD = {
    FRONTEND_CONFIG: "a GCPGatewayPolicy (spec.default.sslPolicy) for TLS settings, and an HTTPRoute "
    "RequestRedirect filter for the HTTP-to-HTTPS redirect",
    MANAGED_CERTS: "a Certificate Manager certificate map (annotation networking.gke.io/certmap) or the "
    "listener's tls (certificateRefs, or options networking.gke.io/pre-shared-certs)",
    "kubernetes.io/ingress.global-static-ip-name": "spec.addresses: [{type: NamedAddress, value: <address name>}]",
    "kubernetes.io/ingress.regional-static-ip-name": "spec.addresses: [{type: NamedAddress, value: <address name>}]",
    "ingress.gcp.kubernetes.io/pre-shared-cert": "the listener's tls.options: {networking.gke.io/pre-shared-certs: "
    "<certificate names>}",
    "kubernetes.io/ingress.allow-http": "listeners: an HTTP listener exists only if you declare one",
    "kubernetes.io/ingress.class": "spec.gatewayClassName",
}


@linter("Gateway")
def lint_gateway_annotations(ctx: Context, gateway: Obj, report: Report) -> None:
    if not str(gateway.data.get("apiVersion", "")).startswith("gateway.networking.k8s.io/"):
        return
    for key, instead in GATEWAY_INSTEAD.items():
        if key in gateway.annotations:
            report.add(gateway, ("metadata", "annotations", key), GATEWAY_INGRESS_SETTING,
                       f"{key} is an Ingress annotation; GKE Gateway ignores it, so what it sets does not exist "
                       f"(\"You cannot use a FrontendConfig or a BackendConfig to configure a Gateway\"): use "
                       f"{instead}")


def route_backends(ctx: Context) -> dict[int, list[Obj]]:
    """Service id -> the HTTPRoutes and GRPCRoutes whose backendRefs reach it (resolved once per run)."""
    found: dict[int, list[Obj]] = defaultdict(list)
    for kind in ROUTE_KINDS:
        for route in ctx.by_kind.get(kind, []):
            for _, ref in backend_refs(route):
                svc = ctx.find("Service", _ref_namespace(route, ref), str(ref.get("name")), near=route)
                if svc is not None:
                    found[id(svc)].append(route)
    return found


def only_routes_reach(ctx: Context, svc: Obj) -> Obj | None:
    """The first route reaching `svc` when Gateway routes reach it and no Ingress in the inputs does, else None:
    then GKE Gateway reads its ports (appProtocol included) and ignores its Ingress-only annotations."""
    routes = ctx.index("route_backends", route_backends).get(id(svc), [])
    return routes[0] if routes and not ctx.backends_of(svc) else None


def policies_on(ctx: Context) -> set[int]:
    """Ids of Services a HealthCheckPolicy or GCPBackendPolicy in the inputs targets."""
    found: set[int] = set()
    for kind in ("HealthCheckPolicy", "GCPBackendPolicy"):
        for policy in ctx.by_kind.get(kind, []):
            ref = as_dict(policy.spec.get("targetRef"))
            if ref.get("kind") == "Service":
                svc = ctx.find("Service", policy.namespace, str(ref.get("name")), near=policy)
                if svc is not None:
                    found.add(id(svc))
    return found


@linter("Service")
def lint_backend_config_on_gateway_service(ctx: Context, svc: Obj, report: Report) -> None:
    key = BACKEND_CONFIG if BACKEND_CONFIG in svc.annotations else BETA_BACKEND_CONFIG
    if key not in svc.annotations:
        return
    route = only_routes_reach(ctx, svc)
    if route is None:
        return  # not a Gateway backend, or an Ingress in the inputs uses the BackendConfig too
    covered = id(svc) in ctx.index("policies_on", policies_on)
    report.add(svc, ("metadata", "annotations", key), GATEWAY_INGRESS_SETTING,
               f"{key} on a Service only {route.kind} {route.namespace}/{route.name} reaches: GKE Gateway "
               "ignores BackendConfig (\"You cannot use a FrontendConfig or a BackendConfig to configure a Gateway. "
               "You must use a Policy.\"), so its health check, IAP and other settings do not exist: "
               + ("the HealthCheckPolicy/GCPBackendPolicy on this Service configure it; drop the annotation"
                  if covered else "write a HealthCheckPolicy (health check) and a GCPBackendPolicy (IAP, "
                  "timeout, logging) targeting the Service"),
               severity=WARNING if covered else None)


def backend_refs(route: Obj) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(location, backendRef) of every backendRef to a core Service in a route's rules."""
    found = []
    for r, rule_ in enumerate(as_list(route.spec.get("rules"))):
        for b, ref in enumerate(as_list(as_dict(rule_).get("backendRefs"))):
            ref = as_dict(ref)
            if ref.get("kind", "Service") == "Service" and ref.get("group", "") in ("", None) and "name" in ref:
                found.append((("spec", "rules", r, "backendRefs", b), ref))
    return found


def _ref_namespace(route: Obj, ref: dict[str, Any]) -> str:
    return ref["namespace"] if isinstance(ref.get("namespace"), str) else route.namespace


@linter(*ROUTE_KINDS)
def lint_route_backends(ctx: Context, route: Obj, report: Report) -> None:
    if not str(route.data.get("apiVersion", "")).startswith("gateway.networking.k8s.io/"):
        return
    for loc, ref in backend_refs(route):
        name, namespace = str(ref["name"]), _ref_namespace(route, ref)
        if ctx.find("Service", namespace, name, near=route) is not None:
            continue
        # Judged only when the inputs show that namespace's Services, as for an unknown BackendConfig name.
        present = [o for o in ctx.by_namespace.get(("Service", namespace), []) if o.namespace_set]
        if not present:
            continue
        same_file = [o for o in present if o.file == route.file]
        near = ctx.similar("Service", namespace, name, near=route)
        names = sorted({o.name for o in (same_file or present)})
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        hint = f"did you mean {near.name!r}? " if near is not None else ""
        report.add(route, (*loc, "name"), ROUTE_BACKEND_NOT_FOUND,
                   f"backendRef to Service {name!r}, which is not in namespace {namespace} ({hint}Services there: "
                   f"{shown}); the route reports ResolvedRefs False (BackendNotFound) and that rule serves 500s",
                   severity=None if same_file else WARNING)
