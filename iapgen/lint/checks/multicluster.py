"""Multi-cluster Gateway rules: policies and routes around a ServiceImport (GKE's multi-cluster Services).

What GKE does with these objects is in docs/gke-behaviour.md ("Multi-cluster Gateway"): behind a multi-cluster
Gateway (a `-mc` GatewayClass) the backend is the ServiceImport MCS makes in the config cluster from the
ServiceExports of the members, in the same namespace (namespace sameness); routes and policies name that
ServiceImport, and a policy on the Service of the same name applies to nothing.
"""

from __future__ import annotations

from iapgen.errors import show
from iapgen.lint import examples_multicluster as mc_examples
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.checks.objects import as_dict, as_list
from iapgen.lint.manifests import Obj
from iapgen.spec.rulebook import WARNING, Rule

MCS_GROUP = "net.gke.io"
MC_CLASS_SUFFIX = "-mc"  # GKE's multi-cluster GatewayClasses: gke-l7-global-external-managed-mc, ...

MC_POLICY_TARGETS_SERVICE = Rule(
    "MC_POLICY_TARGETS_SERVICE",
    "Behind a multi-cluster Gateway, a HealthCheckPolicy or GCPBackendPolicy targets the "
    "ServiceImport (group net.gke.io), not the Service: one on the Service applies to nothing.",
    source="gke-behaviour.md#mc-policies-target-serviceimport",
    why="The policy applies to nothing: the health check and IAP the author wrote do not exist.",
    fix="Target the ServiceImport: targetRef {group: net.gke.io, kind: ServiceImport, name: ...}.",
    examples=mc_examples.EXAMPLES["MC_POLICY_TARGETS_SERVICE"])

MC_ROUTE_NO_EXPORT = Rule(
    "MC_ROUTE_NO_EXPORT",
    "An HTTPRoute backendRef to a ServiceImport needs a ServiceExport of that name and namespace in "
    "some member: MCS makes the ServiceImport from it.",
    source="gke-behaviour.md#mcs-namespace-sameness", severity=WARNING,
    why="Without a ServiceExport MCS makes no ServiceImport, and the route resolves to nothing.",
    fix="Export the Service (a ServiceExport of the same name and namespace) in the members that run it.",
    examples=mc_examples.EXAMPLES["MC_ROUTE_NO_EXPORT"])

MC_POLICY_NAMESPACE = Rule(
    "MC_POLICY_NAMESPACE",
    "A policy on a ServiceImport lives in the ServiceImport's namespace (the namespace of its "
    "ServiceExports).",
    source="gke-behaviour.md#mcs-namespace-sameness",
    why="A policy only targets objects of its own namespace.",
    fix="Create the policy in the ServiceImport's namespace.",
    examples=mc_examples.EXAMPLES["MC_POLICY_NAMESPACE"])


def _multi_cluster(ctx: Context) -> bool:
    gateways = ctx.by_kind.get("Gateway", [])
    return any(str(g.spec.get("gatewayClassName", "")).endswith(MC_CLASS_SUFFIX) for g in gateways)


def _exports(ctx: Context) -> dict[str, set[str]]:
    """ServiceExport name -> the namespaces that export it (in any member)."""
    found: dict[str, set[str]] = {}
    for export in ctx.by_kind.get("ServiceExport", []):
        if str(export.data.get("apiVersion", "")).startswith(MCS_GROUP + "/"):
            found.setdefault(export.name, set()).add(export.namespace)
    return found


def _imported(ctx: Context) -> set[tuple[str, str]]:
    """(namespace, name) of every ServiceImport an HTTPRoute sends to."""
    found = set()
    for route in ctx.by_kind.get("HTTPRoute", []):
        for rule_ in as_list(route.spec.get("rules")):
            for ref in as_list(as_dict(rule_).get("backendRefs")):
                ref = as_dict(ref)
                if ref.get("kind") == "ServiceImport" and ref.get("group") == MCS_GROUP:
                    found.add((str(ref.get("namespace") or route.namespace), str(ref.get("name"))))
    return found


@linter("HealthCheckPolicy", "GCPBackendPolicy")
def lint_policy_target(ctx: Context, policy: Obj, report: Report) -> None:
    ref = as_dict(policy.spec.get("targetRef"))
    kind, group, name = ref.get("kind"), ref.get("group"), str(ref.get("name"))
    if kind == "Service" and group in ("", None) and ctx.index("mc_gateway", _multi_cluster):
        exported = policy.namespace in ctx.index("mc_exports", _exports).get(name, set())
        if exported or (policy.namespace, name) in ctx.index("mc_imported", _imported):
            report.add(policy, ("spec", "targetRef"), MC_POLICY_TARGETS_SERVICE,
                       f"targets Service {name}, but a multi-cluster Gateway routes to ServiceImport "
                       f"{policy.namespace}/{name}: its backend is the ServiceImport's, so this {policy.kind} applies "
                       f"to nothing; target {{group: {MCS_GROUP}, kind: ServiceImport, name: {name}}}")
        return
    if kind != "ServiceImport" or group != MCS_GROUP:
        return
    namespace = ref.get("namespace")
    if isinstance(namespace, str) and namespace != policy.namespace:
        report.add(policy, ("spec", "targetRef", "namespace"), MC_POLICY_NAMESPACE,
                   f"targets ServiceImport {namespace}/{name} from namespace {policy.namespace}; GKE applies a "
                   f"{policy.kind} only to a ServiceImport in its own namespace: create the policy in {namespace}")
        return
    namespaces = ctx.index("mc_exports", _exports).get(name, set())
    if namespaces and policy.namespace not in namespaces:
        report.add(policy, ("metadata", "namespace"), MC_POLICY_NAMESPACE,
                   f"targets ServiceImport {name} in {policy.namespace}, but {name} is exported from "
                   f"{', '.join(sorted(namespaces))}: the ServiceImport is in the export's namespace, so the policy "
                   f"applies to nothing; create it in {sorted(namespaces)[0]}")


@linter("HTTPRoute")
def lint_route_import(ctx: Context, route: Obj, report: Report) -> None:
    exports = ctx.index("mc_exports", _exports)
    for r, rule_ in enumerate(as_list(route.spec.get("rules"))):
        for b, ref in enumerate(as_list(as_dict(rule_).get("backendRefs"))):
            ref = as_dict(ref)
            if ref.get("kind") != "ServiceImport" or ref.get("group") != MCS_GROUP:
                continue
            name, namespace = str(ref.get("name")), str(ref.get("namespace") or route.namespace)
            where = exports.get(name, set())
            if namespace in where:
                continue
            elsewhere = (f"; {show(name)} is exported from {', '.join(sorted(where))}, which makes the ServiceImport "
                         f"there, not in {namespace} (namespace sameness): export it from {namespace}") if where else \
                ": add a ServiceExport of that name in that namespace to the members that run the Service"
            report.add(route, ("spec", "rules", r, "backendRefs", b), MC_ROUTE_NO_EXPORT,
                       f"routes to ServiceImport {namespace}/{name}, but no ServiceExport {namespace}/{name} is in "
                       f"the inputs; MCS makes a ServiceImport only from exports, so the route reports ResolvedRefs "
                       f"False{elsewhere}")
