"""Reading anyone's manifests: the GKE annotation keys, and safe accessors for Services, Ingresses
and pod templates that may hold anything anywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iapgen.lint.manifests import Obj

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
# ingress-gce's health-check defaults (gke-behaviour.md#hc-controller-defaults)
NEG_DEFAULT_INTERVAL, IG_DEFAULT_INTERVAL = 15, 60
NEG_DEFAULT_TIMEOUT, IG_DEFAULT_TIMEOUT = 15, 60
# Port names that promise TLS or gRPC ("http2" is left out: Istio uses it for cleartext h2c on 80)
TLS_PORT_NAMES = ("https", "grpc", "grpcs", "tls", "ssl")
HC_FIELDS = ("checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "type", "requestPath", "port")


@dataclass(frozen=True)
class ServicePort:
    name: str | None
    port: int | None
    target: int | str | None
    node_port: int | None
    app_protocol: str | None
    index: int




def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one: manifests may hold anything anywhere."""
    return value if isinstance(value, dict) else {}


def joined(values: Any) -> str:
    """Values from a manifest (any type) for a message: sorted, as text, without blanks."""
    return ", ".join(sorted({str(v) for v in values if v is not None and v != ""}))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def service_ports(service: Obj) -> list[ServicePort]:
    ports = service.spec.get("ports")
    result = []
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(port, dict):
            continue
        number = as_int(port.get("port"))
        target = port.get("targetPort", number)
        result.append(ServicePort(port.get("name") if isinstance(port.get("name"), str) else None, number,
                                  target if isinstance(target, int | str) else None, as_int(port.get("nodePort")),
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
    """GKE's resolution: ports[name], then ports[str(port)], then default
    (docs/gke-behaviour.md#backend-config-annotation)."""
    ports = as_dict(mapping.get("ports"))
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
        paths = as_dict(as_dict(rule).get("http")).get("paths")
        for p, path in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(path, dict):
                yield ("spec", "rules", r, "http", "paths", p), path


def _backend(loc: tuple[Any, ...], backend: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    service = backend.get("service")
    if isinstance(service, dict):  # networking.k8s.io/v1
        port = as_dict(service.get("port"))
        yield loc, {"name": service.get("name"), "number": port.get("number"), "port_name": port.get("name")}
    elif "serviceName" in backend:  # extensions/v1beta1, networking.k8s.io/v1beta1
        legacy_port = backend.get("servicePort")
        yield loc, {"name": backend.get("serviceName"), "number": as_int(legacy_port),
                    "port_name": legacy_port if isinstance(legacy_port, str) else None}


def pod_template(workload: Obj) -> tuple[dict[str, Any], dict[str, Any] | None, tuple[Any, ...]]:
    """(labels, pod spec, location of the pod spec) of a workload or Pod."""
    if workload.kind == "Pod":
        return as_dict(workload.metadata.get("labels")), workload.spec, ("spec",)
    spec, loc = workload.spec, ("spec",)  # type: tuple[dict[str, Any], tuple[str, ...]]
    if workload.kind == "CronJob":
        spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
        loc = ("spec", "jobTemplate", "spec")
    template = as_dict(spec.get("template"))
    labels = as_dict(as_dict(template.get("metadata")).get("labels"))
    pod = template.get("spec") if isinstance(template.get("spec"), dict) else None
    return labels if isinstance(labels, dict) else {}, pod, (*loc, "template", "spec")


def app_protocols(service: Obj) -> dict[str, Any]:
    """The app-protocols mapping GKE uses: the legacy key is read first when both are present."""
    key = LEGACY_APP_PROTOCOLS if LEGACY_APP_PROTOCOLS in service.annotations else APP_PROTOCOLS
    return as_dict(parsed(service, key))


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



_BIND_KEY = re.compile(r"(bind|listen|host|addr|address)", re.IGNORECASE)
_NOT_SERVER = re.compile(r"(upstream|metric|health|probe|admin|debug|pprof|profil|db|database|redis|mysql|postgres|"
                         r"mongo|proxy|target|url|remote|peer|client|apiserver|api-server|api_server|endpoint|otel|"
                         r"jaeger|zipkin|statsd|collector|cluster|gossip|grpc-gateway|dns|smtp|mail|ldap|vault|"
                         r"kafka|amqp|nats|etcd|sentinel|master|leader|telemetry|trac|monitor|exporter|prom)",
                         re.IGNORECASE)


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in as_list(pod.get("containers")) if isinstance(c, dict)]


def container_ports(container: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in as_list(container.get("ports")) if isinstance(p, dict)]


def pod_ports(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Every containerPort entry of every container of a pod spec."""
    return [p for c in containers(pod) for p in container_ports(c)]


def bind_settings(container: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(location, setting name, value) for flags and env vars that look like the server's listen address."""
    for field_name in ("command", "args"):
        values = container.get(field_name)
        if not isinstance(values, list):
            continue
        for i, raw in enumerate(values):
            if not isinstance(raw, str):
                continue
            for flag, value in flags_in(raw, values[i + 1] if i + 1 < len(values) else None):
                if _BIND_KEY.search(flag) and not _NOT_SERVER.search(flag):
                    yield (field_name, i), flag, value
    for i, env in enumerate(as_list(container.get("env"))):
        if isinstance(env, dict) and isinstance(env.get("value"), str):
            name = str(env.get("name", ""))
            if _BIND_KEY.search(name) and not _NOT_SERVER.search(name):
                yield ("env", i, "value"), f"env {name}", env["value"]


_FLAG = re.compile(r"(?:^|\s)(--?[A-Za-z][\w.-]*)(?:[=\s]+(\S+))?")


def flags_in(arg: str, following: str | None) -> Iterator[tuple[str, str]]:
    """Flags in one argument ("--bind=127.0.0.1:80", or a shell line "app --host 127.0.0.1")."""
    matches = list(_FLAG.finditer(arg))
    for match in matches:
        value = match.group(2)
        if value is None and len(matches) == 1 and arg.strip() == match.group(1) and following:
            value = following  # ["--host", "127.0.0.1"]
        if value is not None:
            yield match.group(1), value
