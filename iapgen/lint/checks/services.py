"""Service rules: app-protocols, port names, NEG annotations, BackendConfig references, target ports."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from iapgen.errors import show
from iapgen.lint.checks import examples_services as service_examples
from iapgen.lint.checks import values
from iapgen.lint.checks.context import (
    Context,
    Report,
    linter,
)
from iapgen.lint.checks.gateway_paths import only_routes_reach
from iapgen.lint.checks.objects import (
    APP_PROTOCOLS,
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    LEGACY_APP_PROTOCOLS,
    NEG,
    NEG_STATUS,
    TLS_PORT_NAMES,
    ServicePort,
    app_protocols,
    as_dict,
    intended_protocols,
    joined,
    parsed,
    service_ports,
)
from iapgen.lint.checks.values import ANNOTATION_JSON, NEG_PORT_NOT_SERVICE_PORT
from iapgen.lint.manifests import Obj
from iapgen.spec import rules
from iapgen.spec.rulebook import Rule
from iapgen.spec.rules import ERROR, PROTOCOL_INVALID, WARNING

APP_PROTOCOLS_LEGACY = Rule(
    "APP_PROTOCOLS_LEGACY", "Set one app-protocols key: GKE reads the legacy one first and ignores the other.",
    source="gke-behaviour.md#app-protocols-legacy-key", severity=WARNING,
    why="With both keys set GKE reads the legacy key and ignores cloud.google.com/app-protocols.",
    fix="Keep only cloud.google.com/app-protocols.",
    lint_severity="An error when the two keys differ: the new key's protocols are then ignored.",
    examples=service_examples.APP_PROTOCOLS_LEGACY)

APP_PROTOCOL_IGNORED = Rule(
    "APP_PROTOCOL_IGNORED", "GKE Ingress ignores spec.ports[].appProtocol; only the annotation sets the backend "
    "protocol.",
    source="gke-behaviour.md#app-protocol-field-ignored-by-ingress", severity=WARNING,
    why="GKE Ingress does not read spec.ports[].appProtocol, so the backend stays HTTP.",
    fix="Set the protocol in the cloud.google.com/app-protocols annotation.",
    examples=service_examples.APP_PROTOCOL_IGNORED)

SERVICE_PORT_NAMES = Rule(
    "SERVICE_PORT_NAMES", "A Service with several ports needs unique port names.",
    source="gke-behaviour.md#service-validation",
    why="Kubernetes refuses a Service with several ports without unique names.", fix="Name every port.",
    examples=service_examples.SERVICE_PORT_NAMES)

NEG_CUSTOM_NAME = Rule(
    "NEG_CUSTOM_NAME", "Custom NEG names must be valid GCE names and cannot be combined with \"ingress\": true.",
    source="gke-behaviour.md#neg-custom-names",
    why="The controller rejects the annotation, so no NEG is created.",
    fix="Use a valid GCE name, and drop \"ingress\": true when naming NEGs.",
    examples=service_examples.NEG_CUSTOM_NAME)

NEG_ENABLES_NOTHING = Rule(
    "NEG_ENABLES_NOTHING", "A cloud.google.com/neg annotation that enables no NEG.",
    source="gke-behaviour.md#neg-ingress-annotation, gke-behaviour.md#neg-exposed-ports-keys", severity=WARNING,
    why="The annotation creates no NEG, which is rarely what was meant.",
    fix="Set \"ingress\": true or list exposed_ports, or remove the annotation.",
    examples=service_examples.NEG_ENABLES_NOTHING)

CONTROLLER_OWNED = Rule(
    "CONTROLLER_OWNED", "neg-status and ServiceNetworkEndpointGroup belong to the GKE controller.",
    source="gke-behaviour.md#neg-status-annotation, gke-behaviour.md#svcneg-objects", severity=WARNING,
    why="The GKE controller writes these; hand-written copies are overwritten or confuse it.",
    fix="Remove them from the manifests.",
    examples=service_examples.CONTROLLER_OWNED)

CLUSTERIP_WITHOUT_NEG = Rule(
    "CLUSTERIP_WITHOUT_NEG", "A ClusterIP Service behind GKE Ingress needs the {\"ingress\": true} NEG annotation.",
    source="gke-behaviour.md#neg-ingress-annotation",
    why="GKE Ingress cannot reach a ClusterIP Service without NEGs.",
    fix="Annotate the Service with cloud.google.com/neg: '{\"ingress\": true}'.",
    lint_severity="A warning when the NEG annotation is absent altogether: GKE adds it itself on VPC-native "
    "clusters from 1.17.6-gke.7.",
    examples=service_examples.CLUSTERIP_WITHOUT_NEG)

BACKENDCONFIG_NOT_FOUND = Rule(
    "BACKENDCONFIG_NOT_FOUND", "The BackendConfig a Service names must exist in the Service's namespace.",
    source="gke-behaviour.md#backend-config-annotation",
    why="A missing BackendConfig leaves the backend on defaults: no IAP, default health check.",
    fix="Create the BackendConfig in the Service's namespace, or fix the name in the annotation.",
    lint_severity="A warning when the evidence is in other files (a similar name there, or only other files "
    "define BackendConfigs in that namespace): the named one may be applied from elsewhere; also when a Service "
    "and its BackendConfig disagree on setting a namespace.",
    examples=service_examples.BACKENDCONFIG_NOT_FOUND)

BACKENDCONFIG_ANNOTATION = Rule(
    "BACKENDCONFIG_ANNOTATION", "backend-config needs default or ports, and ports keys must match Service ports.",
    source="gke-behaviour.md#backend-config-annotation",
    why="The controller cannot attach a BackendConfig the annotation does not map to a real port.",
    fix="Give default, or ports keyed by Service port names or numbers.",
    examples=service_examples.BACKENDCONFIG_ANNOTATION)

TARGET_PORT_NOT_DECLARED = Rule(
    "TARGET_PORT_NOT_DECLARED", "The targetPort is not among the containerPorts the selected Pods declare.",
    source="gke-behaviour.md#neg-endpoints, gke-behaviour.md#hc-port-container-port", severity=WARNING,
    why="If nothing listens on the targetPort the backend turns UNHEALTHY.",
    fix="Point targetPort at the port the container serves on.",
    examples=service_examples.TARGET_PORT_NOT_DECLARED)

APP_PROTOCOLS_MISSING = Rule(
    "APP_PROTOCOLS_MISSING", "A port named or numbered for TLS/gRPC behind GKE Ingress with no app-protocols entry "
    "is spoken to in plain HTTP.",
    source="gke-behaviour.md#app-protocols-by-port-name", severity=WARNING,
    why="Without an app-protocols entry the load balancer speaks plain HTTP to a TLS or gRPC server, which fails.",
    fix="Add the port to cloud.google.com/app-protocols (HTTPS or HTTP2), keyed by its name.",
    examples=service_examples.APP_PROTOCOLS_MISSING)

TARGET_PORT_NAME_UNKNOWN = Rule(
    "TARGET_PORT_NAME_UNKNOWN", "A named targetPort must match a containerPort name of the selected Pods.",
    source="gke-behaviour.md#service-validation, gke-behaviour.md#hc-source-ranges",
    why="A named targetPort that no container declares gets no endpoints.",
    fix="Use a containerPort name of the selected Pods, or the port number.",
    examples=service_examples.TARGET_PORT_NAME_UNKNOWN)


@linter("Service")
def lint_service_annotations(ctx: Context, svc: Obj, report: Report) -> None:
    for annotation in (APP_PROTOCOLS, LEGACY_APP_PROTOCOLS, NEG, BACKEND_CONFIG, BETA_BACKEND_CONFIG):
        if annotation in svc.annotations:
            message = values.check_json_object(annotation, svc.annotations[annotation])
            if message:
                report.add(svc, ("metadata", "annotations", annotation), ANNOTATION_JSON, message)


@linter("Service")
def lint_app_protocols(ctx: Context, svc: Obj, report: Report) -> None:
    ports = service_ports(svc)
    names = {p.name for p in ports if p.name}
    by_number = {p.port: p.name for p in ports if p.port is not None}
    loc: tuple[Any, ...] = ("metadata", "annotations", APP_PROTOCOLS)
    if LEGACY_APP_PROTOCOLS in svc.annotations:
        loc = ("metadata", "annotations", LEGACY_APP_PROTOCOLS)
        if APP_PROTOCOLS in svc.annotations:
            differ = parsed(svc, LEGACY_APP_PROTOCOLS) != parsed(svc, APP_PROTOCOLS)
            report.add(svc, loc, APP_PROTOCOLS_LEGACY,
                       f"both {LEGACY_APP_PROTOCOLS} and {APP_PROTOCOLS} are set and GKE reads only the legacy one"
                       + ("; they differ, so the new key's protocols are ignored" if differ else "")
                       + f": keep only {APP_PROTOCOLS}", severity=ERROR if differ else WARNING)
    mapping = app_protocols(svc)
    for key, protocol in mapping.items():
        for check, args in ((values.check_app_protocols_numeric, (by_number,)),
                            (values.check_app_protocols_port, (names,))):
            message = check(str(key), *args)
            if message:
                report.add(svc, loc, rules.rule_of(check), message)
        message = rules.check_protocol(str(protocol))
        if message:
            report.add(svc, loc, PROTOCOL_INVALID, f"cloud.google.com/app-protocols {key!r}: {message}")
    backends = ctx.backends_of(svc)
    intended = intended_protocols(svc)
    for port in ports:
        looks_secure = port.port == 443 or (port.name or "").lower() in TLS_PORT_NAMES
        routed = any(b.get("number") == port.port or (port.name and b.get("port_name") == port.name)
                     for _, _, b in backends)
        if routed and looks_secure and port.index not in intended and not port.app_protocol:
            report.add(svc, ("spec", "ports", port.index), APP_PROTOCOLS_MISSING,
                       f"port {port.name or port.port} is routed by GKE Ingress and looks like TLS or gRPC, but "
                       f"{APP_PROTOCOLS} does not list it, so the load balancer speaks plain HTTP to it; if the server "
                       f"speaks TLS add {APP_PROTOCOLS}: " + json.dumps({port.name or "PORT_NAME": "HTTPS"}))
    if only_routes_reach(ctx, svc) is not None:
        return  # GKE Gateway reads appProtocol (docs/gke-behaviour.md#gateway-backend-app-protocol)
    used_by_gke = bool(backends) or NEG in svc.annotations or BACKEND_CONFIG in svc.annotations
    for port in ports:
        secure = port.app_protocol and port.app_protocol.upper() in ("HTTPS", "HTTP2", "KUBERNETES.IO/H2C")
        if used_by_gke and secure and port.name not in mapping:
            report.add(svc, ("spec", "ports", port.index, "appProtocol"), APP_PROTOCOL_IGNORED,
                       f"port {port.name or port.port} sets appProtocol {port.app_protocol}, which GKE Ingress "
                       f"ignores: the load balancer speaks HTTP/1.1 to it; {_protocol_fix(port)}")


def _protocol_fix(port: ServicePort) -> str:
    """How to say the port's protocol to GKE Ingress. Cleartext HTTP/2 (h2c) has no app-protocols value:
    HTTP2 means HTTP/2 over TLS (docs/gke-behaviour.md#http2-means-tls), so suggesting it would break a
    cleartext server."""
    key = port.name or "PORT_NAME"
    value = (port.app_protocol or "HTTP").upper()
    if value == "KUBERNETES.IO/H2C":
        return (f"cleartext HTTP/2 cannot be expressed in {APP_PROTOCOLS} (HTTP2 there means HTTP/2 over TLS): "
                "make sure the server also accepts HTTP/1.1, or serve TLS and add "
                f"{APP_PROTOCOLS}: " + json.dumps({key: "HTTP2"}))
    return f"add {APP_PROTOCOLS}: " + json.dumps({key: value})


@linter("Service")
def lint_port_names(ctx: Context, svc: Obj, report: Report) -> None:
    ports = service_ports(svc)
    if len(ports) < 2:
        return
    seen: set[str] = set()
    for port in ports:
        if not port.name:
            report.add(svc, ("spec", "ports", port.index), SERVICE_PORT_NAMES,
                       f"port {port.port} has no name; a Service with several ports must name each one "
                       "(and app-protocols and backend-config refer to ports by name)")
        elif port.name in seen:
            report.add(svc, ("spec", "ports", port.index, "name"), SERVICE_PORT_NAMES,
                       f"port name {port.name!r} is used twice; port names must be unique")
        seen.add(port.name or "")


@linter("Service")
def lint_neg(ctx: Context, svc: Obj, report: Report) -> None:
    loc = ("metadata", "annotations", NEG)
    neg = parsed(svc, NEG)
    if NEG_STATUS in svc.annotations and not svc.is_live:
        report.add(svc, ("metadata", "annotations", NEG_STATUS), CONTROLLER_OWNED,
                   f"{NEG_STATUS} is written by the GKE controller; remove it from the manifest")
    if not isinstance(neg, dict):
        return
    ports = service_ports(svc)
    exposed = neg.get("exposed_ports")
    exposed = exposed if isinstance(exposed, dict) else {}
    for key, attributes in exposed.items():
        message = values.check_neg_port(str(key), {p.port for p in ports if p.port is not None},
                                       {p.target for p in ports if isinstance(p.target, int)})
        if message:
            report.add(svc, loc, NEG_PORT_NOT_SERVICE_PORT, message)
        custom = attributes.get("name") if isinstance(attributes, dict) else None
        if custom is not None:
            if neg.get("ingress") is True:
                report.add(svc, loc, NEG_CUSTOM_NAME, f"custom NEG name {show(custom)} cannot be used with "
                           "\"ingress\": true; the controller rejects the Service's NEG configuration")
            elif not isinstance(custom, str) or len(custom) > 63 or not rules.DNS1035_LABEL.fullmatch(custom):
                report.add(svc, loc, NEG_CUSTOM_NAME, f"NEG name {show(custom)} is not a GCE name: 1-63 "
                           "characters matching [a-z]([-a-z0-9]*[a-z0-9])?")
    if neg.get("ingress") is not True and not exposed:
        report.add(svc, loc, NEG_ENABLES_NOTHING, f"{NEG} {show(svc.annotations[NEG])} enables no NEG; "
                   "use {\"ingress\": true} for GKE Ingress, or exposed_ports for standalone NEGs")


@linter("Service")
def lint_clusterip_behind_ingress(ctx: Context, svc: Obj, report: Report) -> None:
    if svc.spec.get("type", "ClusterIP") != "ClusterIP" or not ctx.backends_of(svc):
        return
    neg = parsed(svc, NEG)
    if isinstance(neg, dict) and neg.get("ingress") is True:
        return
    ingress = ctx.backends_of(svc)[0][0]
    if isinstance(neg, dict):  # annotated, but not for Ingress: GKE adds nothing, the controller rejects it
        report.add(svc, ("metadata", "annotations", NEG), CLUSTERIP_WITHOUT_NEG,
                   f"is ClusterIP behind Ingress {ingress.name} but its {NEG} annotation lacks \"ingress\": true "
                   "(exposed_ports alone does not count); GKE Ingress rejects it (expected NodePort or "
                   "LoadBalancer when not using NEGs): add \"ingress\": true")
    elif NEG not in svc.annotations:
        report.add(svc, ("spec",), CLUSTERIP_WITHOUT_NEG,
                   f"is ClusterIP behind Ingress {ingress.name} without {NEG}: '{{\"ingress\": true}}'; it works "
                   "only where GKE adds that annotation itself (VPC-native clusters, 1.17.6-gke.7+): add it",
                   severity=WARNING)


@linter("Service")
def lint_backend_config_reference(ctx: Context, svc: Obj, report: Report) -> None:
    key = BACKEND_CONFIG if BACKEND_CONFIG in svc.annotations else BETA_BACKEND_CONFIG
    mapping = parsed(svc, key)
    if not isinstance(mapping, dict):
        return
    loc = ("metadata", "annotations", key)
    ports = service_ports(svc)
    port_map = as_dict(mapping.get("ports"))
    if not mapping.get("default") and not port_map:
        report.add(svc, loc, BACKENDCONFIG_ANNOTATION, f"{key} has no default and no ports; the controller "
                   "reports 'no BackendConfig's found in annotation': add {\"default\": \"NAME\"}")
    for port_key in port_map:
        if not any(str(port_key) in (p.name, str(p.port)) for p in ports):
            known = joined({p.name for p in ports} | {p.port for p in ports})
            report.add(svc, loc, BACKENDCONFIG_ANNOTATION, f"{key} ports key {show(port_key)} matches no Service "
                       f"port name or number ({known}); use a port name or the Service port (not targetPort)")
    names = {v for v in [mapping.get("default"), *port_map.values()] if isinstance(v, str)}
    for name in sorted(names):
        found = ctx.find("BackendConfig", svc.namespace, name, near=svc)
        if found is not None and found.namespace_set != svc.namespace_set:
            unset, pinned = (found, svc) if svc.namespace_set else (svc, found)
            report.add(svc, loc, BACKENDCONFIG_NOT_FOUND,
                       f"{unset.ref.split(' ')[0]} {unset.name} has no namespace while {pinned.ref} pins "
                       f"{pinned.namespace}; they meet only when applied in that namespace: set namespace: "
                       f"{pinned.namespace} on both", severity=WARNING)
        if found is not None:
            continue
        other = ctx.elsewhere("BackendConfig", svc.namespace, name, near=svc)
        near = ctx.similar("BackendConfig", svc.namespace, name, near=svc)
        if other:
            report.add(svc, loc, BACKENDCONFIG_NOT_FOUND, f"names BackendConfig {name!r}, which is in namespace "
                       f"{other[0].namespace}, not {svc.namespace}; GKE looks it up in the Service's namespace "
                       "('no BackendConfig for service port exists')")
        elif near is not None:
            # In the same file the typo is certain; across files the named one may live elsewhere.
            same = near.file == svc.file
            report.add(svc, loc, BACKENDCONFIG_NOT_FOUND, f"names BackendConfig {name!r}, which is not "
                       + (f"in {svc.namespace}" if same else f"among the linted files in {svc.namespace}")
                       + f"; did you mean {near.name!r}" + ("" if same else f" ({near.file})") + "?",
                       severity=ERROR if same else WARNING)
        else:
            _missing_backend_config(ctx, svc, loc, name, report)


def _missing_backend_config(ctx: Context, svc: Obj, loc: tuple[Any, ...], name: str, report: Report) -> None:
    """A named BackendConfig that matches nothing: certain when the Service's own file holds its namespace's
    BackendConfigs (an error), likely when the linted set or the file holds others (a warning). Lookups go
    through the context's indexes and messages name a few, so a thousand such Services stay linear."""
    if svc.namespace_set:
        there = ctx.by_namespace.get(("BackendConfig", svc.namespace), [])
        same_file = ctx.by_namespace_file.get(("BackendConfig", svc.namespace, svc.file), [])
    else:
        there = ctx.peers("BackendConfig", svc)
        same_file = [o for o in there if o.file == svc.file]
    in_file = ctx.by_file.get(("BackendConfig", svc.file), [])
    if not there and not in_file:
        return  # no BackendConfigs to judge by: it may be applied from elsewhere
    if same_file:
        report.add(svc, loc, BACKENDCONFIG_NOT_FOUND, f"names BackendConfig {name!r}, which this file does not "
                   f"define in {svc.namespace} (it defines {_few(o.name for o in same_file)}); GKE reports 'no "
                   "BackendConfig for service port exists' and the port gets no health check or IAP: fix the name")
        return
    existing = (f"the linted files define {_few(o.name for o in there)} there" if there else
                f"this file defines only {_few(f'{o.namespace}/{o.name}' for o in in_file)}")
    report.add(svc, loc, BACKENDCONFIG_NOT_FOUND, f"names BackendConfig {name!r}, which is not among the linted "
               f"objects in {svc.namespace} ({existing}); GKE looks it up in the Service's namespace: check the name "
               "or lint the file that defines it too", severity=WARNING)


NAMES_SHOWN = 10


def _few(names: Iterable[str]) -> str:
    """Up to NAMES_SHOWN names for a message, and how many more there are."""
    shown = list(itertools.islice(names, NAMES_SHOWN + 1))
    if len(shown) <= NAMES_SHOWN:
        return joined(shown)
    return joined(shown[:NAMES_SHOWN]) + " and more"


@linter("Service")
def lint_target_port_names(ctx: Context, svc: Obj, report: Report) -> None:
    workloads = ctx.workloads_for(svc)
    if not workloads:
        return
    for port in service_ports(svc):
        if isinstance(port.target, int):
            for workload, declared in ctx.selection(svc).without_port(port.target):
                if declared and port.target not in declared:
                    report.add(svc, ("spec", "ports", port.index, "targetPort"), TARGET_PORT_NOT_DECLARED,
                               f"targetPort {port.target} is not a containerPort of {workload.kind} {workload.name} "
                               f"(declared: {joined(declared)}); with NEGs the "
                               "load balancer and health checks reach PodIP:targetPort: check the server listens there")
            continue
        if not isinstance(port.target, str) or rules.decimal(port.target) is not None:
            continue
        for workload, names in ctx.selection(svc).without_name(port.target):
            if port.target not in names:
                report.add(svc, ("spec", "ports", port.index, "targetPort"), TARGET_PORT_NAME_UNKNOWN,
                           f"targetPort {port.target!r} names no containerPort of {workload.kind} {workload.name} "
                           f"(named ports: {joined(names) or 'none'}); the Service "
                           "gets no endpoints: name the container port or use its number")
