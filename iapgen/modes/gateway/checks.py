"""Gateway mode's spec checks: IAP needs the environment's own OAuth client, health-check paths must fit
HealthCheckPolicy, and the Certificate Manager names must fit GCE's 63 characters."""

from __future__ import annotations

from iapgen.examplekit import GATEWAY_ENV, svc
from iapgen.modes.base import Report
from iapgen.modes.gateway.environment import namespace_of
from iapgen.spec import gateway, naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.layout import NAME_TOO_LONG
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Example, Rule

# Kubernetes' own namespaces and GKE's: the cluster needs them, and a stack must never own one.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
SYSTEM_PREFIXES = ("kube-", "gke-", "gmp-")

GATEWAY_NAMESPACE_SYSTEM = Rule(
    "GATEWAY_NAMESPACE_SYSTEM", "Gateway mode: gateway.namespace is not a Kubernetes or GKE system namespace.",
    source="gke-behaviour.md#gateway-class, design.md#environments",
    why="The gateway namespace holds the environment's Gateway; a system namespace is the cluster's, and a stack "
    "that listed it as its own could delete it, with everything in it, on destroy.",
    fix="Use a namespace of its own, e.g. gateway: {namespace: iapgen-gateway} (the default).",
    examples=[Example("spec", GATEWAY_ENV + "    gateway: {namespace: kube-system}\nservices:\n"
                      + svc("  healthCheck: {path: /healthz}\n"),
                      GATEWAY_ENV + "    gateway: {namespace: iapgen-gateway}\nservices:\n"
                      + svc("  healthCheck: {path: /healthz}\n"))])

GATEWAY_NAME_RESERVED = Rule(
    "GATEWAY_NAME_RESERVED", "Gateway mode: a service in the gateway namespace may not take the name of an object "
    "iapgen puts there.",
    source="gke-behaviour.md#gateway-class",
    why="Each service gets an HTTPRoute of its own name; in the gateway namespace one name is the HTTP-to-HTTPS "
    "redirect route's, and two routes of one name are one object.",
    fix="Rename the service, or move it to another namespace.",
    examples=[Example("spec", GATEWAY_ENV + "services:\n" + svc("  healthCheck: {path: /healthz}\n").replace(
        "name: argocd\n  namespace: argocd", f"name: {gateway.REDIRECT_ROUTE}\n  namespace: iapgen-gateway"),
        GATEWAY_ENV + "services:\n" + svc("  healthCheck: {path: /healthz}\n"))])


def check_exposure(exposure: Exposure, report: Report) -> None:
    message = gateway.check_policy_path(exposure.service.health_check.path)
    if message:
        report.service(exposure, ("healthCheck", "path"), message, gateway.HC_PATH_GATEWAY)
    if (exposure.service.namespace == namespace_of(exposure.environment)
            and gateway.route_name(exposure.service.name) == gateway.REDIRECT_ROUTE):
        report.service(exposure, ("name",), f"{exposure.service.name} in the gateway namespace "
                       f"{exposure.service.namespace} would get an HTTPRoute named like the HTTP-to-HTTPS redirect "
                       f"route ({gateway.REDIRECT_ROUTE}): rename the service or move it to another namespace",
                       GATEWAY_NAME_RESERVED)
    name = naming.certificate_manager(exposure.env, exposure.service.name)
    if len(name) > naming.GCE_NAME_MAX:
        report.service(exposure, ("name",), f"the Certificate Manager certificate name {name!r} would be {len(name)} "
                       f"characters (GCE allows {naming.GCE_NAME_MAX}); shorten the service name or the environment "
                       "name", NAME_TOO_LONG)


def check_environment(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                      report: Report) -> tuple[Exposure, ...]:
    """Gateway IAP needs the environment's custom OAuth client (gke-behaviour.md#gcpbackendpolicy-iap); the
    gateway namespace is not the cluster's own."""
    namespace = namespace_of(environment)
    if namespace in SYSTEM_NAMESPACES or namespace.startswith(SYSTEM_PREFIXES):
        report.environment(env, ("gateway", "namespace"), f"gateway.namespace {namespace} is a Kubernetes or GKE "
                           "system namespace; the Gateway needs a namespace of its own that the stack may create "
                           "and delete: use e.g. iapgen-gateway (the default)", GATEWAY_NAMESPACE_SYSTEM)
    iap_on = [e.service.name for e in exposures if e.service.iap.enabled]
    message = gateway.check_iap_client(bool(iap_on), environment.iap.oauth_client_id)
    if message:
        report.environment(env, ("loadBalancer",),
                           f"{message} ({len(iap_on)} service(s) with IAP on, e.g. {iap_on[0]})",
                           gateway.GATEWAY_IAP_CLIENT)
    return exposures


def gce_names(env: str, environment: Environment, exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
    """The environment's address and Certificate Manager names (GKE names the backends itself)."""
    return gateway.gce_names(env, [e.service.name for e in exposures])
