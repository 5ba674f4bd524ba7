"""Ingress, FrontendConfig and ServiceNetworkEndpointGroup rules."""

from __future__ import annotations

from iapgen.errors import show
from iapgen.examplekit import USES_BC, backend_config, ingress, service_manifest
from iapgen.lint.checks import values
from iapgen.lint.checks.context import (
    Context,
    Report,
    linter,
)
from iapgen.lint.checks.objects import (
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    FRONTEND_CONFIG,
    GKE_CLASSES,
    INGRESS_CLASS,
    MANAGED_CERTS,
    as_dict,
    backend_config_for,
    ingress_backends,
    ingress_paths,
    is_gke_ingress,
    parsed,
    service_ports,
)
from iapgen.lint.checks.services import CONTROLLER_OWNED
from iapgen.lint.checks.values import FRONTENDCONFIG_REDIRECT
from iapgen.lint.manifests import Obj
from iapgen.spec.rulebook import WARNING, Example, Rule

INGRESS_CLASS_NAME = Rule(
    "INGRESS_CLASS_NAME", "GKE Ingress is selected by the kubernetes.io/ingress.class annotation, not "
    "ingressClassName.",
    source="gke-behaviour.md#ingress-class-gce",
    why="GKE does not pick up an Ingress by ingressClassName, so no load balancer is created.",
    fix="Set the kubernetes.io/ingress.class: gce annotation instead.",
    examples=[Example("manifest", ingress().replace("    kubernetes.io/ingress.class: gce\n", "").replace(
        "spec:\n", "spec:\n  ingressClassName: gce\n"), ingress())])

INGRESS_BACKEND_PORT = Rule(
    "INGRESS_BACKEND_PORT", "An Ingress backend must name a port the Service has.",
    source="gke-behaviour.md#ingress-backend-port",
    why="The controller cannot create the backend, so the path returns errors.",
    fix="Name a port number or name that the Service has.",
    examples=[Example("manifest", service_manifest() + "---\n" + ingress(
        "service: {name: web, port: {number: 8080}}"), service_manifest() + "---\n" + ingress())])

INGRESS_PATH_WILDCARD = Rule(
    "INGRESS_PATH_WILDCARD", "Prefix and Exact paths cannot contain '*' on GKE.",
    source="gke-behaviour.md#ingress-path-types",
    why="GKE rejects '*' in Prefix and Exact paths.", fix="Drop the '*': Prefix already matches below the path.",
    examples=[Example(
        "manifest", ingress(extra_spec="  rules:\n  - http:\n      paths:\n      - {path: /api/*, pathType: Prefix, "
                                       "backend: {service: {name: web, port: {number: 443}}}}\n"),
        ingress(extra_spec="  rules:\n  - http:\n      paths:\n      - {path: /api, pathType: Prefix, "
                           "backend: {service: {name: web, port: {number: 443}}}}\n"))])

IAP_WITHOUT_HTTPS = Rule(
    "IAP_WITHOUT_HTTPS", "IAP needs an HTTPS frontend: a certificate on the Ingress.",
    source="gke-behaviour.md#iap-needs-https", severity=WARNING,
    why="IAP protects HTTPS only; without a certificate it never takes effect.",
    fix="Give the Ingress a certificate (networking.gke.io/managed-certificates).",
    examples=[Example(
        "manifest", service_manifest(USES_BC) + "---\n" + backend_config("  iap: {enabled: true}\n") + "---\n"
        + ingress(),
        service_manifest(USES_BC) + "---\n" + backend_config("  iap: {enabled: true}\n") + "---\n"
        + ingress(annotations="    networking.gke.io/managed-certificates: web\n"))])

FRONTENDCONFIG_NOT_FOUND = Rule(
    "FRONTENDCONFIG_NOT_FOUND", "The FrontendConfig an Ingress names must exist in its namespace.",
    source="gke-behaviour.md#frontendconfig-https-redirect, gke-behaviour.md#ingress-same-namespace",
    why="The Ingress silently goes without the FrontendConfig (e.g. no HTTPS redirect).",
    fix="Create the FrontendConfig in the Ingress's namespace, or fix the name.",
    examples=[Example(
        "manifest", ingress(annotations="    networking.gke.io/v1beta1.FrontendConfig: web\n") + "---\n"
        + "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: default}\n"
          "spec: {redirectToHttps: {enabled: true}}\n",
        ingress(annotations="    networking.gke.io/v1beta1.FrontendConfig: web\n") + "---\n"
        + "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: web}\n"
          "spec: {redirectToHttps: {enabled: true}}\n")])

# Two rules for one host, and the same paths in one rule.
_API_PATH = "      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}\n"
_WEB_PATH = "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}\n"
_HOST_RULE = "  - host: web.acme.example\n    http:\n      paths:\n"

INGRESS_DUPLICATE_HOST = Rule(
    "INGRESS_DUPLICATE_HOST", "A host in two rules of one GKE Ingress: the later rule replaces the earlier.",
    source="gke-behaviour.md#ingress-one-rule-per-host", severity=WARNING,
    why="The later rule replaces the earlier one, whose paths then 404.", fix="Put all paths of a host in one rule.",
    examples=[Example("manifest", ingress(extra_spec="  rules:\n" + _HOST_RULE + _API_PATH + _HOST_RULE + _WEB_PATH),
                      ingress(extra_spec="  rules:\n" + _HOST_RULE + _API_PATH + _WEB_PATH))])


@linter("Ingress")
def lint_ingress(ctx: Context, ingress: Obj, report: Report) -> None:
    cls = ingress.spec.get("ingressClassName")
    if cls in GKE_CLASSES and INGRESS_CLASS not in ingress.annotations:
        report.add(ingress, ("spec", "ingressClassName"), INGRESS_CLASS_NAME,
                   f"ingressClassName: {cls} does not select GKE Ingress (the controller ignores the Ingress); "
                   f"remove it and set the annotation {INGRESS_CLASS}: {cls}")
    if not is_gke_ingress(ingress):
        return
    for loc, backend in ingress_backends(ingress):
        svc = ctx.find("Service", ingress.namespace, str(backend.get("name")), near=ingress)
        if svc is None:
            continue
        ports = service_ports(svc)
        number, name = backend.get("number"), backend.get("port_name")
        if not any((number is not None and p.port == number) or (name is not None and p.name == name) for p in ports):
            wanted = number if number is not None else name
            hint = ""
            if any(p.target == number for p in ports):
                hint = " (that is the targetPort; use the Service port)"
            report.add(ingress, loc, INGRESS_BACKEND_PORT,
                       f"backend port {show(wanted)} is not a port of Service {svc.name}{hint} (ports: "
                       f"{', '.join(str(p.port) + (f'/{p.name}' if p.name else '') for p in ports)}); the controller "
                       f"reports 'could not find port'")
    seen: dict[str, int] = {}
    rules_ = ingress.spec.get("rules")
    for r, rule in enumerate(rules_ if isinstance(rules_, list) else []):
        host = as_dict(rule).get("host")
        if isinstance(host, str) and host in seen:
            report.add(ingress, ("spec", "rules", r, "host"), INGRESS_DUPLICATE_HOST,
                       f"host {host} already has rule {seen[host]}; GKE keeps one path set per host, so this rule "
                       "replaces the earlier one: merge their paths into one rule")
        elif isinstance(host, str):
            seen[host] = r
    for loc, path in ingress_paths(ingress):
        if path.get("pathType") in ("Prefix", "Exact") and "*" in str(path.get("path")):
            report.add(ingress, (*loc, "path"), INGRESS_PATH_WILDCARD,
                       f"path {show(path.get('path'))} has pathType {path['pathType']}, which cannot contain '*' "
                       "on GKE; drop the '*' (Prefix already matches below it) or use ImplementationSpecific")
    _lint_frontend_reference(ctx, ingress, report)
    _lint_iap_https(ctx, ingress, report)


def _lint_frontend_reference(ctx: Context, ingress: Obj, report: Report) -> None:
    name = ingress.annotations.get(FRONTEND_CONFIG)
    if not isinstance(name, str) or ctx.find("FrontendConfig", ingress.namespace, name, near=ingress):
        return
    other = ctx.elsewhere("FrontendConfig", ingress.namespace, name, near=ingress)
    if other:
        report.add(ingress, ("metadata", "annotations", FRONTEND_CONFIG), FRONTENDCONFIG_NOT_FOUND,
                   f"names FrontendConfig {name!r}, which is in namespace {other[0].namespace}; it must be in "
                   f"{ingress.namespace}, the Ingress's namespace")


def _lint_iap_https(ctx: Context, ingress: Obj, report: Report) -> None:
    has_tls = bool(ingress.spec.get("tls")) or MANAGED_CERTS in ingress.annotations or \
        "ingress.gcp.kubernetes.io/pre-shared-cert" in ingress.annotations
    if has_tls:
        return
    for _, backend in ingress_backends(ingress):
        svc = ctx.find("Service", ingress.namespace, str(backend.get("name")), near=ingress)
        mapping = (parsed(svc, BACKEND_CONFIG) or parsed(svc, BETA_BACKEND_CONFIG)) if svc else None
        if not isinstance(mapping, dict) or svc is None:
            continue
        for port in service_ports(svc):
            config = ctx.find("BackendConfig", svc.namespace, backend_config_for(mapping, port) or "", near=svc)
            if config and isinstance(config.spec.get("iap"), dict) and config.spec["iap"].get("enabled") is True:
                report.add(ingress, ("spec",), IAP_WITHOUT_HTTPS,
                           f"routes to {svc.name}, whose BackendConfig {config.name} enables IAP, but has no TLS "
                           "(spec.tls, networking.gke.io/managed-certificates or pre-shared-cert); IAP needs HTTPS")
                return


@linter("FrontendConfig")
def lint_frontend_config(ctx: Context, fc: Obj, report: Report) -> None:
    redirect = fc.spec.get("redirectToHttps")
    if isinstance(redirect, dict) and "responseCodeName" in redirect:
        message = values.check_redirect_code(redirect["responseCodeName"])
        if message:
            report.add(fc, ("spec", "redirectToHttps", "responseCodeName"), FRONTENDCONFIG_REDIRECT, message)


@linter("ServiceNetworkEndpointGroup")
def lint_svcneg(ctx: Context, obj: Obj, report: Report) -> None:
    if not obj.is_live:
        report.add(obj, (), CONTROLLER_OWNED, "ServiceNetworkEndpointGroup objects are created by the GKE "
                   "controller for each NEG; remove this one from the manifests")
