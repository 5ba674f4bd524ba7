"""The manifest rules: what `iapgen lint` checks in anyone's Services, BackendConfigs, Ingresses,
FrontendConfigs and workloads.

Each linter takes one object and the `Context` of every object linted with it, and reports
findings under catalogue rule ids. Value logic shared with spec validation lives in
`rules.py` and is called from here; rules that relate objects to each other are registered
here. Severity follows ../shared/gke-facts.md: "error" when GKE rejects the object or the
backend cannot work, "warning" when it works on current GKE but is fragile.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from components import rules
from components.errors import Finding, show
from components.manifests import Obj
from components.rules import ERROR, WARNING

APP_PROTOCOLS = "cloud.google.com/app-protocols"
LEGACY_APP_PROTOCOLS = "service.alpha.kubernetes.io/app-protocols"
NEG = "cloud.google.com/neg"
NEG_STATUS = "cloud.google.com/neg-status"
BACKEND_CONFIG = "cloud.google.com/backend-config"
BETA_BACKEND_CONFIG = "beta.cloud.google.com/backend-config"
INGRESS_CLASS = "kubernetes.io/ingress.class"
GKE_CLASSES = ("gce", "gce-internal", "gce-regional-external")
FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"
MANAGED_CERTS = "networking.gke.io/managed-certificates"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                  "CronJob", "Pod")
NEG_DEFAULT_INTERVAL, IG_DEFAULT_INTERVAL = 15, 60
# Port names that promise TLS or gRPC ("http2" is left out: Istio uses it for cleartext h2c on 80)
TLS_PORT_NAMES = ("https", "grpc", "grpcs", "tls", "ssl")
HC_FIELDS = ("checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "type", "requestPath", "port")

_reg = rules._register
_reg("APP_PROTOCOLS_LEGACY", "Set one app-protocols key: GKE reads the legacy one first and ignores the other.",
     "gke-facts.md 1.1, rule 5", WARNING)
_reg("APP_PROTOCOL_IGNORED", "GKE Ingress ignores spec.ports[].appProtocol; only the annotation sets the "
     "backend protocol.", "gke-facts.md 1.1, rule 7", WARNING)
_reg("SERVICE_PORT_NAMES", "A Service with several ports needs unique port names.", "gke-facts.md 1.5, rule 6")
_reg("NEG_CUSTOM_NAME", "Custom NEG names must be valid GCE names and cannot be combined with "
     "\"ingress\": true.", "gke-facts.md 1.2, rule 9")
_reg("NEG_ENABLES_NOTHING", "A cloud.google.com/neg annotation that enables no NEG.", "gke-facts.md rule 10",
     WARNING)
_reg("CONTROLLER_OWNED", "neg-status and ServiceNetworkEndpointGroup belong to the GKE controller.",
     "gke-facts.md 1.3, 1.4, rule 11", WARNING)
_reg("CLUSTERIP_WITHOUT_NEG", "A ClusterIP Service behind GKE Ingress needs the {\"ingress\": true} NEG "
     "annotation.", "gke-facts.md 1.5, rule 12")
_reg("BACKENDCONFIG_NOT_FOUND", "The BackendConfig a Service names must exist in the Service's namespace.",
     "gke-facts.md 1.6, rule 13")
_reg("BACKENDCONFIG_ANNOTATION", "backend-config needs default or ports, and ports keys must match Service "
     "ports.", "gke-facts.md 1.6, rule 14")
_reg("HC_PORT_INSTANCE_GROUP", "With instance-group backends the health-check port must be reachable on the "
     "node.", "gke-facts.md 2.2, rule 20", WARNING)
_reg("IAP_AND_CDN", "IAP and Cloud CDN cannot both be enabled on one backend.", "gke-facts.md 2.1, rule 23")
_reg("IAP_OAUTH_CREDENTIALS", "oauthclientCredentials needs secretName; the Secret needs client_id and "
     "client_secret.", "gke-facts.md 2.1, rule 24")
_reg("INGRESS_CLASS_NAME", "GKE Ingress is selected by the kubernetes.io/ingress.class annotation, not "
     "ingressClassName.", "gke-facts.md 4.7")
_reg("INGRESS_BACKEND_PORT", "An Ingress backend must name a port the Service has.", "gke-facts.md 1.5, rule 1")
_reg("INGRESS_PATH_WILDCARD", "Prefix and Exact paths cannot contain '*' on GKE.", "gke-facts.md 4.7")
_reg("IAP_WITHOUT_HTTPS", "IAP needs an HTTPS frontend: a certificate on the Ingress.", "gke-facts.md 4.4, "
     "rule 41", WARNING)
_reg("FRONTENDCONFIG_NOT_FOUND", "The FrontendConfig an Ingress names must exist in its namespace.",
     "gke-facts.md 4.7")
_reg("ANNOTATION_IGNORED", "A GKE annotation on an object GKE does not read it from.", "gke-facts.md 1.1, 1.6",
     WARNING)
_reg("INGRESS_DUPLICATE_HOST", "A host in two rules of one GKE Ingress: the later rule replaces the earlier.",
     "ingress-gce GCEURLMap.PutPathRulesForHost", WARNING)
_reg("TARGET_PORT_NOT_DECLARED", "The targetPort is not among the containerPorts the selected Pods declare.",
     "gke-facts.md 1.5, 2.2", WARNING)
_reg("APP_PROTOCOLS_MISSING", "A port named or numbered for TLS/gRPC behind GKE Ingress with no app-protocols "
     "entry is spoken to in plain HTTP.", "gke-facts.md 1.1, rule 2", WARNING)
_reg("HC_UNKNOWN_FIELD", "BackendConfig healthCheck fields are checkIntervalSec, timeoutSec, healthyThreshold, "
     "unhealthyThreshold, type, requestPath, port.", "gke-facts.md 2.1", WARNING)
_reg("API_REMOVED", "The object uses an API version current GKE no longer serves.", "Kubernetes deprecation guide",
     WARNING)
_reg("TARGET_PORT_NAME_UNKNOWN", "A named targetPort must match a containerPort name of the selected Pods.",
     "gke-facts.md 1.5, 4.5")


@dataclass(frozen=True)
class ServicePort:
    name: str | None
    port: int | None
    target: int | str | None
    node_port: int | None
    app_protocol: str | None
    index: int


class Context:
    """Every object linted together, indexed for cross-object rules.

    A reference resolves to the object in the referrer's own file when there is one, else to
    the first in the inputs: linting many unrelated files at once (often all in `default`)
    must not pair one project's Ingress with another project's Service of the same name. An
    object without a namespace may share anyone's (it lands in the kubectl context's).
    Reverse references (who routes to this Service, who uses this BackendConfig) are resolved
    once, with the same rules, so linting stays linear in the number of objects.
    """

    def __init__(self, objects: list[Obj]):
        self.objects = objects
        self.by_kind: dict[str, list[Obj]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.by_namespace: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.unset: dict[str, list[Obj]] = defaultdict(list)
        for obj in objects:
            self.by_kind[obj.kind].append(obj)
            self.by_key[(obj.kind, obj.namespace, obj.name)].append(obj)
            self.by_name[(obj.kind, obj.name)].append(obj)
            self.by_namespace[(obj.kind, obj.namespace)].append(obj)
            if not obj.namespace_set:
                self.unset[obj.kind].append(obj)
        self._backends: dict[int, list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]] | None = None
        self._users: dict[int, list[tuple[Obj, ServicePort]]] | None = None
        self._workloads: dict[int, list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]] = {}

    def find(self, kind: str, namespace: str, name: str, near: Obj) -> Obj | None:
        candidates = self.by_key.get((kind, namespace, name)) or self.unplaced(kind, name, near)
        if not candidates:
            return None
        return next((o for o in candidates if o.file == near.file), candidates[0])

    def unplaced(self, kind: str, name: str, near: Obj) -> list[Obj]:
        """Same-named objects that may share `near`'s namespace because one of them leaves it unset."""
        return [o for o in self.by_name.get((kind, name), []) if not o.namespace_set or not near.namespace_set]

    def peers(self, kind: str, near: Obj) -> list[Obj]:
        """Objects of `kind` that may be in `near`'s namespace."""
        if not near.namespace_set:
            return self.by_kind.get(kind, [])
        same = self.by_namespace.get((kind, near.namespace), [])
        return same + [o for o in self.unset.get(kind, []) if o.namespace != near.namespace]

    # "It is in another namespace" and "did you mean" only draw on the referrer's own file: across
    # files, a same-named object elsewhere is as likely another app's.
    def elsewhere(self, kind: str, namespace: str, name: str, near: Obj) -> list[Obj]:
        return [o for o in self.by_name.get((kind, name), []) if o.namespace != namespace and o.file == near.file]

    def similar(self, kind: str, namespace: str, name: str, near: Obj) -> Obj | None:
        """A near-miss name in the namespace, from the referrer's own file first."""
        candidates = sorted(self.by_namespace.get((kind, namespace), []), key=lambda o: o.file != near.file)
        close = difflib.get_close_matches(name, [o.name for o in candidates], n=1, cutoff=0.8)
        return next(o for o in candidates if o.name == close[0]) if close else None

    def backends_of(self, service: Obj) -> list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]:
        """(ingress, location of the backend, backend.service) for every GKE Ingress path to `service`."""
        if self._backends is None:
            self._backends = defaultdict(list)
            for ingress in self.by_kind.get("Ingress", []):
                if not is_gke_ingress(ingress):
                    continue
                for loc, backend in ingress_backends(ingress):
                    target = self.find("Service", ingress.namespace, str(backend.get("name")), near=ingress)
                    if target is not None:
                        self._backends[id(target)].append((ingress, loc, backend))
        return self._backends.get(id(service), [])

    def services_using(self, config: Obj) -> list[tuple[Obj, ServicePort]]:
        """Services whose backend-config annotation resolves a port to `config`."""
        if self._users is None:
            self._users = defaultdict(list)
            for service in self.by_kind.get("Service", []):
                mapping = parsed(service, BACKEND_CONFIG) or parsed(service, BETA_BACKEND_CONFIG)
                if not isinstance(mapping, dict):
                    continue
                for port in service_ports(service):
                    name = backend_config_for(mapping, port)
                    found = self.find("BackendConfig", service.namespace, name, near=service) if name else None
                    if found is not None:
                        self._users[id(found)].append((service, port))
        return self._users.get(id(config), [])

    def workloads_for(self, service: Obj) -> list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]:
        """(workload, pod spec, location of the pod spec) of workloads the Service selects; computed once
        per Service (named ports, health-check ports and listen addresses all ask)."""
        if id(service) not in self._workloads:
            self._workloads[id(service)] = self._select(service)
        return self._workloads[id(service)]

    def _select(self, service: Obj) -> list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]:
        selector = service.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            return []
        found = []
        for kind in WORKLOAD_KINDS:
            for workload in self.peers(kind, service):
                labels, pod, loc = pod_template(workload)
                if pod is not None and all(labels.get(k) == v for k, v in selector.items()):
                    found.append((workload, pod, loc))
        same_file = [w for w in found if w[0].file == service.file]
        return same_file or found


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, obj: Obj, loc: tuple[Any, ...], rule: str, message: str, severity: str | None = None) -> None:
        entry = rules.CATALOGUE[rule]
        self.findings.append(Finding(obj.file, obj.line(*loc), obj.ref, message, rule, severity or entry.severity))


Linter = Callable[[Context, Obj, Report], None]
LINTERS: dict[str, list[Linter]] = defaultdict(list)


def linter(*kinds: str) -> Callable[[Linter], Linter]:
    def register(function: Linter) -> Linter:
        for kind in kinds:
            LINTERS[kind].append(function)
        return function
    return register


def run(objects: list[Obj]) -> list[Finding]:
    context = Context(objects)
    report = Report()
    for obj in objects:
        lint_any(context, obj, report)
        for function in LINTERS.get(obj.kind, []):
            function(context, obj, report)
    return report.findings


# --- helpers ------------------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one: manifests may hold anything anywhere."""
    return value if isinstance(value, dict) else {}


def _joined(values: Any) -> str:
    """Values from a manifest (any type) for a message: sorted, as text, without blanks."""
    return ", ".join(sorted({str(v) for v in values if v is not None and v != ""}))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def service_ports(service: Obj) -> list[ServicePort]:
    ports = service.spec.get("ports")
    result = []
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(port, dict):
            continue
        number = _int(port.get("port"))
        target = port.get("targetPort", number)
        result.append(ServicePort(port.get("name") if isinstance(port.get("name"), str) else None, number,
                                  target if isinstance(target, int | str) else None, _int(port.get("nodePort")),
                                  port.get("appProtocol") if isinstance(port.get("appProtocol"), str) else None,
                                  index))
    return result


def parsed(obj: Obj, annotation: str) -> Any:
    """An annotation's JSON value, or None when absent or unparsable (ANNOTATION_JSON reports that)."""
    value = obj.annotations.get(annotation)
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def backend_config_for(mapping: dict[str, Any], port: ServicePort) -> str | None:
    """GKE's resolution: ports[name], then ports[str(port)], then default (gke-facts.md 1.6)."""
    ports = _dict(mapping.get("ports"))
    for key in (port.name, str(port.port)):
        if key is not None and isinstance(ports.get(key), str):
            return str(ports[key])
    default = mapping.get("default")
    return default if isinstance(default, str) else None


def is_gke_ingress(ingress: Obj) -> bool:
    cls = ingress.annotations.get(INGRESS_CLASS)
    if cls is not None:
        return cls in GKE_CLASSES
    return not ingress.spec.get("ingressClassName")  # neither set: GKE treats it as gce


def ingress_backends(ingress: Obj) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    spec = ingress.spec
    default = spec.get("defaultBackend") or spec.get("backend")
    if isinstance(default, dict):
        yield from _backend(("spec", "defaultBackend"), default)
    for loc, path in ingress_paths(ingress):
        if isinstance(path.get("backend"), dict):
            yield from _backend((*loc, "backend"), path["backend"])


def ingress_paths(ingress: Obj) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    rules_ = ingress.spec.get("rules")
    for r, rule in enumerate(rules_ if isinstance(rules_, list) else []):
        paths = _dict(_dict(rule).get("http")).get("paths")
        for p, path in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(path, dict):
                yield ("spec", "rules", r, "http", "paths", p), path


def _backend(loc: tuple[Any, ...], backend: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    service = backend.get("service")
    if isinstance(service, dict):  # networking.k8s.io/v1
        port = _dict(service.get("port"))
        yield loc, {"name": service.get("name"), "number": port.get("number"), "port_name": port.get("name")}
    elif "serviceName" in backend:  # extensions/v1beta1, networking.k8s.io/v1beta1
        legacy_port = backend.get("servicePort")
        yield loc, {"name": backend.get("serviceName"), "number": _int(legacy_port),
                    "port_name": legacy_port if isinstance(legacy_port, str) else None}


def pod_template(workload: Obj) -> tuple[dict[str, Any], dict[str, Any] | None, tuple[Any, ...]]:
    """(labels, pod spec, location of the pod spec) of a workload or Pod."""
    if workload.kind == "Pod":
        return _dict(workload.metadata.get("labels")), workload.spec, ("spec",)
    spec, loc = workload.spec, ("spec",)  # type: tuple[dict[str, Any], tuple[str, ...]]
    if workload.kind == "CronJob":
        spec = _dict(_dict(spec.get("jobTemplate")).get("spec"))
        loc = ("spec", "jobTemplate", "spec")
    template = _dict(spec.get("template"))
    labels = _dict(_dict(template.get("metadata")).get("labels"))
    pod = template.get("spec") if isinstance(template.get("spec"), dict) else None
    return labels if isinstance(labels, dict) else {}, pod, (*loc, "template", "spec")


def app_protocols(service: Obj) -> dict[str, Any]:
    """The app-protocols mapping GKE uses: the legacy key is read first when both are present."""
    key = LEGACY_APP_PROTOCOLS if LEGACY_APP_PROTOCOLS in service.annotations else APP_PROTOCOLS
    return _dict(parsed(service, key))


def intended_protocols(service: Obj) -> dict[int, Any]:
    """Port index -> the protocol the author meant, numeric keys included.

    GKE ignores a numeric key (APP_PROTOCOLS_NUMERIC_KEY reports that); the checks that follow
    from the protocol judge by the intent, so that one mistake is reported once.
    """
    mapping = app_protocols(service)
    intended: dict[int, Any] = {}
    for port in service_ports(service):
        for key in (str(port.port), port.name):
            if key is not None and key in mapping:
                intended[port.index] = mapping[key]
    return intended


def neg_for_ingress(service: Obj) -> bool | None:
    """True: NEG backends; False: instance groups; None: NEGs by GKE's own default, or not an Ingress backend.

    A ClusterIP Service is never instance-group backed (CLUSTERIP_WITHOUT_NEG covers one that
    cannot be a backend at all); NodePort and LoadBalancer without {"ingress": true} are,
    unless GKE adds the annotation itself.
    """
    neg = parsed(service, NEG)
    if isinstance(neg, dict) and neg.get("ingress") is True:
        return True
    if service.spec.get("type", "ClusterIP") == "ClusterIP" or (NEG in service.annotations and neg is None):
        return None
    return False


# --- any object ---------------------------------------------------------------------------

SERVICE_ONLY = (APP_PROTOCOLS, LEGACY_APP_PROTOCOLS, NEG, BACKEND_CONFIG, BETA_BACKEND_CONFIG)
# (apiVersion, kind) -> (Kubernetes release that stopped serving it, what to use instead)
REMOVED_APIS = {
    **{("extensions/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "DaemonSet", "ReplicaSet")},
    **{("apps/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet")},
    **{("apps/v1beta2", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")},
    ("extensions/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1 (backend.service.name/port)"),
    ("networking.k8s.io/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1 (backend.service.name/port)"),
    ("extensions/v1beta1", "NetworkPolicy"): ("1.16", "networking.k8s.io/v1"),
    ("batch/v1beta1", "CronJob"): ("1.25", "batch/v1"),
}


def lint_any(ctx: Context, obj: Obj, report: Report) -> None:
    if obj.kind != "Service":
        for key in SERVICE_ONLY:
            if key in obj.annotations:
                report.add(obj, ("metadata", "annotations", key), "ANNOTATION_IGNORED",
                           f"{key} is read from Services only; on a {obj.kind} it has no effect: move it to the "
                           "Service the load balancer targets")
    elif "networking.gke.io/app-protocols" in obj.annotations and APP_PROTOCOLS not in obj.annotations:
        report.add(obj, ("metadata", "annotations", "networking.gke.io/app-protocols"), "ANNOTATION_IGNORED",
                   "networking.gke.io/app-protocols is the MultiClusterService key; GKE Ingress reads "
                   f"{APP_PROTOCOLS} and GKE Gateway reads spec.ports[].appProtocol, so the backend speaks HTTP")
    version = str(obj.data.get("apiVersion", ""))
    removed = REMOVED_APIS.get((version, obj.kind))
    if removed:
        report.add(obj, ("apiVersion",), "API_REMOVED", f"{version} {obj.kind} is not served since Kubernetes "
                   f"{removed[0]}, so applying it fails on every current GKE version; use {removed[1]}")


# --- Service ------------------------------------------------------------------------------


@linter("Service")
def lint_service_annotations(ctx: Context, svc: Obj, report: Report) -> None:
    for annotation in (APP_PROTOCOLS, LEGACY_APP_PROTOCOLS, NEG, BACKEND_CONFIG, BETA_BACKEND_CONFIG):
        if annotation in svc.annotations:
            message = rules.check_json_object(annotation, svc.annotations[annotation])
            if message:
                report.add(svc, ("metadata", "annotations", annotation), "ANNOTATION_JSON", message)


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
            report.add(svc, loc, "APP_PROTOCOLS_LEGACY",
                       f"both {LEGACY_APP_PROTOCOLS} and {APP_PROTOCOLS} are set and GKE reads only the legacy one"
                       + ("; they differ, so the new key's protocols are ignored" if differ else "")
                       + f": keep only {APP_PROTOCOLS}", severity=ERROR if differ else WARNING)
    mapping = app_protocols(svc)
    for key, protocol in mapping.items():
        for check, args in ((rules.check_app_protocols_numeric, (by_number,)),
                            (rules.check_app_protocols_port, (names,))):
            message = check(str(key), *args)
            if message:
                report.add(svc, loc, rules.rule_of(check).id, message)
        message = rules.check_protocol(str(protocol))
        if message:
            report.add(svc, loc, "PROTOCOL_INVALID", f"cloud.google.com/app-protocols {key!r}: {message}")
    backends = ctx.backends_of(svc)
    intended = intended_protocols(svc)
    for port in ports:
        looks_secure = port.port == 443 or (port.name or "").lower() in TLS_PORT_NAMES
        routed = any(b.get("number") == port.port or (port.name and b.get("port_name") == port.name)
                     for _, _, b in backends)
        if routed and looks_secure and port.index not in intended and not port.app_protocol:
            report.add(svc, ("spec", "ports", port.index), "APP_PROTOCOLS_MISSING",
                       f"port {port.name or port.port} is routed by GKE Ingress and looks like TLS or gRPC, but "
                       f"{APP_PROTOCOLS} does not list it, so the load balancer speaks plain HTTP to it; if the server "
                       f"speaks TLS add {APP_PROTOCOLS}: " + json.dumps({port.name or "PORT_NAME": "HTTPS"}))
    used_by_gke = bool(backends) or NEG in svc.annotations or BACKEND_CONFIG in svc.annotations
    for port in ports:
        secure = port.app_protocol and port.app_protocol.upper() in ("HTTPS", "HTTP2", "KUBERNETES.IO/H2C")
        if used_by_gke and secure and port.name not in mapping:
            report.add(svc, ("spec", "ports", port.index, "appProtocol"), "APP_PROTOCOL_IGNORED",
                       f"port {port.name or port.port} sets appProtocol {port.app_protocol}, which GKE Ingress "
                       f"ignores: the load balancer speaks HTTP to it; add {APP_PROTOCOLS}: "
                       + json.dumps({port.name or "PORT_NAME": _annotation_protocol(port.app_protocol)}))


def _annotation_protocol(app_protocol: str | None) -> str:
    """The app-protocols value for a spec.ports[].appProtocol (h2c has no Ingress equivalent but HTTP2)."""
    value = (app_protocol or "HTTP").upper()
    return "HTTP2" if value == "KUBERNETES.IO/H2C" else value


@linter("Service")
def lint_port_names(ctx: Context, svc: Obj, report: Report) -> None:
    ports = service_ports(svc)
    if len(ports) < 2:
        return
    seen: set[str] = set()
    for port in ports:
        if not port.name:
            report.add(svc, ("spec", "ports", port.index), "SERVICE_PORT_NAMES",
                       f"port {port.port} has no name; a Service with several ports must name each one "
                       "(and app-protocols and backend-config refer to ports by name)")
        elif port.name in seen:
            report.add(svc, ("spec", "ports", port.index, "name"), "SERVICE_PORT_NAMES",
                       f"port name {port.name!r} is used twice; port names must be unique")
        seen.add(port.name or "")


@linter("Service")
def lint_neg(ctx: Context, svc: Obj, report: Report) -> None:
    loc = ("metadata", "annotations", NEG)
    neg = parsed(svc, NEG)
    if NEG_STATUS in svc.annotations and not svc.is_live:
        report.add(svc, ("metadata", "annotations", NEG_STATUS), "CONTROLLER_OWNED",
                   f"{NEG_STATUS} is written by the GKE controller; remove it from the manifest")
    if not isinstance(neg, dict):
        return
    ports = service_ports(svc)
    exposed = neg.get("exposed_ports")
    exposed = exposed if isinstance(exposed, dict) else {}
    for key, attributes in exposed.items():
        message = rules.check_neg_port(str(key), {p.port for p in ports if p.port is not None},
                                       {p.target for p in ports if isinstance(p.target, int)})
        if message:
            report.add(svc, loc, "NEG_PORT_NOT_SERVICE_PORT", message)
        custom = attributes.get("name") if isinstance(attributes, dict) else None
        if custom is not None:
            if neg.get("ingress") is True:
                report.add(svc, loc, "NEG_CUSTOM_NAME", f"custom NEG name {show(custom)} cannot be used with "
                           "\"ingress\": true; the controller rejects the Service's NEG configuration")
            elif not isinstance(custom, str) or len(custom) > 63 or not rules.DNS1035_LABEL.fullmatch(custom):
                report.add(svc, loc, "NEG_CUSTOM_NAME", f"NEG name {show(custom)} is not a GCE name: 1-63 "
                           "characters matching [a-z]([-a-z0-9]*[a-z0-9])?")
    if neg.get("ingress") is not True and not exposed:
        report.add(svc, loc, "NEG_ENABLES_NOTHING", f"{NEG} {show(svc.annotations[NEG])} enables no NEG; "
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
        report.add(svc, ("metadata", "annotations", NEG), "CLUSTERIP_WITHOUT_NEG",
                   f"is ClusterIP behind Ingress {ingress.name} but its {NEG} annotation lacks \"ingress\": true "
                   "(exposed_ports alone does not count); GKE Ingress rejects it (expected NodePort or "
                   "LoadBalancer when not using NEGs): add \"ingress\": true")
    elif NEG not in svc.annotations:
        report.add(svc, ("spec",), "CLUSTERIP_WITHOUT_NEG",
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
    port_map = _dict(mapping.get("ports"))
    if not mapping.get("default") and not port_map:
        report.add(svc, loc, "BACKENDCONFIG_ANNOTATION", f"{key} has no default and no ports; the controller "
                   "reports 'no BackendConfig's found in annotation': add {\"default\": \"NAME\"}")
    for port_key in port_map:
        if not any(str(port_key) in (p.name, str(p.port)) for p in ports):
            known = _joined({p.name for p in ports} | {p.port for p in ports})
            report.add(svc, loc, "BACKENDCONFIG_ANNOTATION", f"{key} ports key {show(port_key)} matches no Service "
                       f"port name or number ({known}); use a port name or the Service port (not targetPort)")
    names = {v for v in [mapping.get("default"), *port_map.values()] if isinstance(v, str)}
    for name in sorted(names):
        found = ctx.find("BackendConfig", svc.namespace, name, near=svc)
        if found is not None and found.namespace_set != svc.namespace_set:
            unset, pinned = (found, svc) if svc.namespace_set else (svc, found)
            report.add(svc, loc, "BACKENDCONFIG_NOT_FOUND",
                       f"{unset.ref.split(' ')[0]} {unset.name} has no namespace while {pinned.ref} pins "
                       f"{pinned.namespace}; they meet only when applied in that namespace: set namespace: "
                       f"{pinned.namespace} on both", severity=WARNING)
        if found is not None:
            continue
        other = ctx.elsewhere("BackendConfig", svc.namespace, name, near=svc)
        near = ctx.similar("BackendConfig", svc.namespace, name, near=svc)
        if other:
            report.add(svc, loc, "BACKENDCONFIG_NOT_FOUND", f"names BackendConfig {name!r}, which is in namespace "
                       f"{other[0].namespace}, not {svc.namespace}; GKE looks it up in the Service's namespace "
                       "('no BackendConfig for service port exists')")
        elif near is not None:
            # In the same file the typo is certain; across files the named one may live elsewhere.
            same = near.file == svc.file
            report.add(svc, loc, "BACKENDCONFIG_NOT_FOUND", f"names BackendConfig {name!r}, which is not "
                       + (f"in {svc.namespace}" if same else f"among the linted files in {svc.namespace}")
                       + f"; did you mean {near.name!r}" + ("" if same else f" ({near.file})") + "?",
                       severity=ERROR if same else WARNING)


@linter("Service")
def lint_target_port_names(ctx: Context, svc: Obj, report: Report) -> None:
    workloads = ctx.workloads_for(svc)
    if not workloads:
        return
    for port in service_ports(svc):
        if isinstance(port.target, int):
            for workload, pod, _ in workloads:
                declared = {_int(p.get("containerPort")) for p in _pod_ports(pod)} - {None}
                if declared and port.target not in declared:
                    report.add(svc, ("spec", "ports", port.index, "targetPort"), "TARGET_PORT_NOT_DECLARED",
                               f"targetPort {port.target} is not a containerPort of {workload.kind} {workload.name} "
                               f"(declared: {_joined(declared)}); with NEGs the "
                               "load balancer and health checks reach PodIP:targetPort: check the server listens there")
            continue
        if not isinstance(port.target, str) or rules.decimal(port.target) is not None:
            continue
        for workload, pod, _ in workloads:
            names = {p.get("name") for p in _pod_ports(pod)}
            if port.target not in names:
                report.add(svc, ("spec", "ports", port.index, "targetPort"), "TARGET_PORT_NAME_UNKNOWN",
                           f"targetPort {port.target!r} names no containerPort of {workload.kind} {workload.name} "
                           f"(named ports: {_joined(names) or 'none'}); the Service "
                           "gets no endpoints: name the container port or use its number")


# --- BackendConfig ------------------------------------------------------------------------


@linter("BackendConfig")
def lint_backend_config(ctx: Context, bc: Obj, report: Report) -> None:
    spec = bc.spec
    hc = _dict(spec.get("healthCheck"))
    users = ctx.services_using(bc)
    for key in hc:
        message = rules.check_hc_logging_field(str(key))
        if message:
            report.add(bc, ("spec", "healthCheck", key), "HC_LOGGING_FIELD", message)
        elif key not in HC_FIELDS:
            close = difflib.get_close_matches(str(key), HC_FIELDS, n=1)
            hint = f"; did you mean {close[0]}?" if close else (
                "; the probe protocol is healthCheck.type" if key == "protocol" else "")
            report.add(bc, ("spec", "healthCheck", key), "HC_UNKNOWN_FIELD",
                       f"healthCheck.{key} is not a BackendConfig field: kubectl --validate=strict rejects it, "
                       f"otherwise it is dropped{hint}")
    if "type" in hc:
        message = rules.check_protocol(str(hc["type"]))
        if message:
            report.add(bc, ("spec", "healthCheck", "type"), "PROTOCOL_INVALID", f"healthCheck.type: {message}")
        else:
            for svc, port in users:
                if _int(hc.get("port")) not in (None, port.target, _named_port(ctx, svc, port.target)):
                    continue  # probing another port (a health-check sidecar) may use another protocol
                spoken = _protocol_of(svc, port)
                if spoken not in rules.PROTOCOLS:
                    continue  # PROTOCOL_INVALID reports the Service's annotation
                mismatch = rules.check_hc_protocol(str(hc["type"]), spoken)
                if mismatch:
                    report.add(bc, ("spec", "healthCheck", "type"), "HC_PROTOCOL_MISMATCH",
                               f"healthCheck.type {mismatch} (per {svc.ref} port {port.name or port.port})",
                               severity=WARNING)
    for key, kind in (("checkIntervalSec", "seconds"), ("timeoutSec", "seconds"), ("healthyThreshold", "threshold"),
                      ("unhealthyThreshold", "threshold")):
        value = hc.get(key)
        if value is not None:
            number = _int(value)
            message = rules.check_hc_range(kind, number) if number is not None else f"{show(value)} is not an integer"
            if message:
                report.add(bc, ("spec", "healthCheck", key), "HC_RANGE", f"healthCheck.{key} {message}")
    _lint_hc_timeout(bc, hc, users, report)
    if "requestPath" in hc:
        message = rules.check_hc_path(str(hc["requestPath"]))
        if message:
            report.add(bc, ("spec", "healthCheck", "requestPath"), "HC_PATH", f"healthCheck.requestPath {message}")
    if _int(hc.get("port")) is not None:
        _lint_hc_port(ctx, bc, int(hc["port"]), users, report)
    _lint_backend_features(ctx, bc, spec, report)


def _protocol_of(svc: Obj, port: ServicePort) -> str:
    value = intended_protocols(svc).get(port.index)
    return value if isinstance(value, str) else "HTTP"


def _lint_hc_timeout(bc: Obj, hc: dict[str, Any], users: list[tuple[Obj, ServicePort]], report: Report) -> None:
    timeout = _int(hc.get("timeoutSec"))
    if timeout is None:
        return
    interval = _int(hc.get("checkIntervalSec"))
    if interval is None:
        # The controller's defaults: 15 s for NEG backends, 60 s for instance groups.
        negs = {neg_for_ingress(svc) for svc, _ in users}
        interval = NEG_DEFAULT_INTERVAL if negs and negs <= {True, None} else IG_DEFAULT_INTERVAL
    message = rules.check_hc_timeout(timeout, interval)
    if message:
        if "checkIntervalSec" not in hc:
            message += " (checkIntervalSec is not set: that is GKE's default)"
        report.add(bc, ("spec", "healthCheck", "timeoutSec"), "HC_TIMEOUT_GT_INTERVAL", message)


def _lint_hc_port(ctx: Context, bc: Obj, hc_port: int, users: list[tuple[Obj, ServicePort]], report: Report) -> None:
    loc = ("spec", "healthCheck", "port")
    for svc, port in users:
        neg = neg_for_ingress(svc)
        if neg is False:
            if hc_port != port.node_port:
                fix = f"use its nodePort {port.node_port} or omit port" if port.node_port else \
                    "omit port, or make the backend a NEG with cloud.google.com/neg: '{\"ingress\": true}'"
                kind = svc.spec.get("type", "ClusterIP")
                report.add(bc, loc, "HC_PORT_INSTANCE_GROUP",
                           f"healthCheck.port {hc_port} is probed on the nodes: {svc.ref} is {kind} "
                           f"without {{\"ingress\": true}}, so unless GKE adds NEGs itself its backends are instance "
                           f"groups; {fix}")
            continue
        target = port.target if isinstance(port.target, int) else _named_port(ctx, svc, port.target)
        if target is None or port.port is None:
            continue
        if hc_port == port.port and hc_port != target:
            message = rules.check_hc_port(hc_port, port.port, target)
            report.add(bc, loc, "HC_PORT_NOT_TARGET", f"healthCheck.port {message} ({svc.ref})")
        elif hc_port != target:
            container_ports = {_int(p.get("containerPort")) for _, pod, _ in ctx.workloads_for(svc)
                               for p in _pod_ports(pod)}
            if container_ports and hc_port not in container_ports:
                report.add(bc, loc, "HC_PORT_NOT_TARGET", f"healthCheck.port {hc_port} is no containerPort of the "
                           f"Pods behind {svc.ref}; with NEGs the probe reaches the Pod IP: use {target} or omit port",
                           severity=WARNING)


def _named_port(ctx: Context, svc: Obj, name: int | str | None) -> int | None:
    if not isinstance(name, str):
        return None
    for _, pod, _ in ctx.workloads_for(svc):
        for port in _pod_ports(pod):
            if port.get("name") == name and _int(port.get("containerPort")):
                return int(port["containerPort"])
    return None


def _lint_backend_features(ctx: Context, bc: Obj, spec: dict[str, Any], report: Report) -> None:
    iap = _dict(spec.get("iap"))
    cdn = _dict(spec.get("cdn"))
    if iap.get("enabled") is True and cdn.get("enabled") is True:
        report.add(bc, ("spec", "cdn", "enabled"), "IAP_AND_CDN", "iap and cdn are both enabled; the controller "
                   "rejects it ('iap and cdn cannot be enabled at the same time'): turn one off")
    for wrong in ("oauthClientCredentials", "oauthclientcredentials", "OAuthClientCredentials"):
        if wrong in iap:
            report.add(bc, ("spec", "iap", wrong), "IAP_OAUTH_CREDENTIALS", f"iap.{wrong} is misspelled; the field "
                       "is oauthclientCredentials (lower-case c), so this client is ignored")
    credentials = iap.get("oauthclientCredentials")
    if isinstance(credentials, dict):
        secret_name = credentials.get("secretName")
        if not secret_name:
            report.add(bc, ("spec", "iap", "oauthclientCredentials"), "IAP_OAUTH_CREDENTIALS",
                       "iap.oauthclientCredentials needs secretName (a Secret with client_id and client_secret); "
                       "omit the block to use the Google-managed OAuth client")
        else:
            secret = ctx.find("Secret", bc.namespace, str(secret_name), near=bc)
            if secret is not None:
                data = {**_dict(secret.data.get("data")), **_dict(secret.data.get("stringData"))}
                missing = [k for k in ("client_id", "client_secret") if k not in data]
                if missing:
                    report.add(bc, ("spec", "iap", "oauthclientCredentials", "secretName"), "IAP_OAUTH_CREDENTIALS",
                               f"Secret {secret_name} lacks {' and '.join(missing)}; GKE needs keys client_id and "
                               "client_secret ('secret ... missing client_id data')")
    logging = _dict(spec.get("logging"))
    if "sampleRate" in logging:
        message = rules.check_sample_rate(logging["sampleRate"])
        if message:
            report.add(bc, ("spec", "logging", "sampleRate"), "LOGGING_SAMPLE_RATE", message)
    affinity = _dict(spec.get("sessionAffinity"))
    draining = _dict(spec.get("connectionDraining"))
    for section, loc, key in ((affinity, "sessionAffinity", "affinityType"),
                              (affinity, "sessionAffinity", "affinityCookieTtlSec"),
                              (draining, "connectionDraining", "drainingTimeoutSec"),
                              (spec, None, "timeoutSec")):
        if key in section:
            message = rules.check_backendconfig_value(key, section[key])
            if message:
                report.add(bc, ("spec", loc, key) if loc else ("spec", key), "BACKENDCONFIG_RANGE", message)


# --- Ingress, FrontendConfig --------------------------------------------------------------


@linter("Ingress")
def lint_ingress(ctx: Context, ingress: Obj, report: Report) -> None:
    cls = ingress.spec.get("ingressClassName")
    if cls in GKE_CLASSES and INGRESS_CLASS not in ingress.annotations:
        report.add(ingress, ("spec", "ingressClassName"), "INGRESS_CLASS_NAME",
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
            report.add(ingress, loc, "INGRESS_BACKEND_PORT",
                       f"backend port {show(wanted)} is not a port of Service {svc.name}{hint} (ports: "
                       f"{', '.join(str(p.port) + (f'/{p.name}' if p.name else '') for p in ports)}); the controller "
                       f"reports 'could not find port'")
    seen: dict[str, int] = {}
    rules_ = ingress.spec.get("rules")
    for r, rule in enumerate(rules_ if isinstance(rules_, list) else []):
        host = _dict(rule).get("host")
        if isinstance(host, str) and host in seen:
            report.add(ingress, ("spec", "rules", r, "host"), "INGRESS_DUPLICATE_HOST",
                       f"host {host} already has rule {seen[host]}; GKE keeps one path set per host, so this rule "
                       "replaces the earlier one: merge their paths into one rule")
        elif isinstance(host, str):
            seen[host] = r
    for loc, path in ingress_paths(ingress):
        if path.get("pathType") in ("Prefix", "Exact") and "*" in str(path.get("path")):
            report.add(ingress, (*loc, "path"), "INGRESS_PATH_WILDCARD",
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
        report.add(ingress, ("metadata", "annotations", FRONTEND_CONFIG), "FRONTENDCONFIG_NOT_FOUND",
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
                report.add(ingress, ("spec",), "IAP_WITHOUT_HTTPS",
                           f"routes to {svc.name}, whose BackendConfig {config.name} enables IAP, but has no TLS "
                           "(spec.tls, networking.gke.io/managed-certificates or pre-shared-cert); IAP needs HTTPS")
                return


@linter("FrontendConfig")
def lint_frontend_config(ctx: Context, fc: Obj, report: Report) -> None:
    redirect = fc.spec.get("redirectToHttps")
    if isinstance(redirect, dict) and "responseCodeName" in redirect:
        message = rules.check_redirect_code(redirect["responseCodeName"])
        if message:
            report.add(fc, ("spec", "redirectToHttps", "responseCodeName"), "FRONTENDCONFIG_REDIRECT", message)


@linter("ServiceNetworkEndpointGroup")
def lint_svcneg(ctx: Context, obj: Obj, report: Report) -> None:
    if not obj.is_live:
        report.add(obj, (), "CONTROLLER_OWNED", "ServiceNetworkEndpointGroup objects are created by the GKE "
                   "controller for each NEG; remove this one from the manifests")


# --- workloads ----------------------------------------------------------------------------

_BIND_KEY = re.compile(r"(bind|listen|host|addr|address)", re.IGNORECASE)
_NOT_SERVER = re.compile(r"(upstream|metric|health|probe|admin|debug|pprof|profil|db|database|redis|mysql|postgres|"
                         r"mongo|proxy|target|url|remote|peer|client|apiserver|api-server|api_server|endpoint|otel|"
                         r"jaeger|zipkin|statsd|collector|cluster|gossip|grpc-gateway|dns|smtp|mail|ldap|vault|"
                         r"kafka|amqp|nats|etcd|sentinel|master|leader|telemetry|trac|monitor|exporter|prom)",
                         re.IGNORECASE)


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in _list(pod.get("containers")) if isinstance(c, dict)]


def _ports(container: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in _list(container.get("ports")) if isinstance(p, dict)]


def _pod_ports(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Every containerPort entry of every container of a pod spec."""
    return [p for c in containers(pod) for p in _ports(c)]


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
        ports = {_int(p.get("containerPort")) for p in _ports(container)}
        served = targets & ports if ports else set()
        # Judge the container that serves a targeted port; one that declares no port only when it is
        # alone in the Pod (sidecars such as cloud-sql-proxy rightly listen on 127.0.0.1).
        if (ports and not served) or (not ports and len(in_pod) > 1):
            continue
        for loc, setting, value in bind_settings(container):
            _, port_text = rules.split_host_port(value)
            port = rules.decimal(port_text)
            if port is not None and port not in (served or targets):
                continue  # a loopback listener on another port (an admin or metrics endpoint)
            target = port if port is not None else (next(iter(served)) if len(served) == 1 else None)
            message = rules.check_bind_address(setting, value, target)
            if message:
                severity = ERROR if port is not None or len(targets) == 1 else WARNING
                report.add(workload, (*pod_loc, "containers", c, *loc), "LISTENS_ON_LOCALHOST",
                           f"container {container.get('name')}: {message}", severity)


def _targeted_ports(ctx: Context, workload: Obj, pod: dict[str, Any]) -> set[int]:
    labels, _, _ = pod_template(workload)
    ports: set[int] = set()
    for svc in ctx.peers("Service", workload):
        selector = svc.spec.get("selector")
        if not isinstance(selector, dict) or not selector or not all(labels.get(k) == v for k, v in selector.items()):
            continue
        if not any(w is workload for w, _, _ in ctx.workloads_for(svc)):
            continue  # the Service picks other workloads (in its own file)
        for port in service_ports(svc):
            if isinstance(port.target, int):
                ports.add(port.target)
            elif isinstance(port.target, str):
                named = _named_port(ctx, svc, port.target)
                if named:
                    ports.add(named)
        mapping = parsed(svc, BACKEND_CONFIG) or parsed(svc, BETA_BACKEND_CONFIG)
        for port in service_ports(svc) if isinstance(mapping, dict) else []:
            config = ctx.find("BackendConfig", svc.namespace, backend_config_for(mapping, port) or "", near=svc)
            hc_port = _int(_dict(config.spec.get("healthCheck")).get("port")) if config else None
            if hc_port:
                ports.add(hc_port)  # the load balancer probes this one from outside the Pod too
    return ports


def bind_settings(container: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(location, setting name, value) for flags and env vars that look like the server's listen address."""
    for field_name in ("command", "args"):
        values = container.get(field_name)
        if not isinstance(values, list):
            continue
        for i, raw in enumerate(values):
            if not isinstance(raw, str):
                continue
            for flag, value in _flags(raw, values[i + 1] if i + 1 < len(values) else None):
                if _BIND_KEY.search(flag) and not _NOT_SERVER.search(flag):
                    yield (field_name, i), flag, value
    for i, env in enumerate(_list(container.get("env"))):
        if isinstance(env, dict) and isinstance(env.get("value"), str):
            name = str(env.get("name", ""))
            if _BIND_KEY.search(name) and not _NOT_SERVER.search(name):
                yield ("env", i, "value"), f"env {name}", env["value"]


_FLAG = re.compile(r"(?:^|\s)(--?[A-Za-z][\w.-]*)(?:[=\s]+(\S+))?")


def _flags(arg: str, following: str | None) -> Iterator[tuple[str, str]]:
    """Flags in one argument ("--bind=127.0.0.1:80", or a shell line "app --host 127.0.0.1")."""
    matches = list(_FLAG.finditer(arg))
    for match in matches:
        value = match.group(2)
        if value is None and len(matches) == 1 and arg.strip() == match.group(1) and following:
            value = following  # ["--host", "127.0.0.1"]
        if value is not None:
            yield match.group(1), value
