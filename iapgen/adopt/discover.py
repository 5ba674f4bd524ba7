"""Find the apps that live manifests expose: GKE Ingress host -> Service port -> BackendConfig, or a
Service with standalone NEGs (`exposed_ports`) that no Ingress routes to.

Reads objects the way `iapgen lint` does (same loader, same reference resolution), so an app found
here is the app lint judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iapgen.lint.checks.context import Context
from iapgen.lint.checks.objects import (
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    MANAGED_CERTS,
    NEG,
    ServicePort,
    as_dict,
    as_list,
    backend_config_for,
    ingress_backends,
    ingress_paths,
    is_gke_ingress,
    parsed,
    service_ports,
)
from iapgen.lint.manifests import Obj

STATIC_IP = "kubernetes.io/ingress.global-static-ip-name"


@dataclass
class Route:
    """One host of one Ingress that reaches a Service port, with the paths that do."""

    ingress: Obj
    host: str
    paths: list[str] = field(default_factory=list)


@dataclass
class App:
    """One Service port that users reach: what `iapgen import` turns into one spec entry."""

    service: Obj
    port: ServicePort
    routes: list[Route] = field(default_factory=list)
    backend_config: Obj | None = None
    workloads: list[tuple[Obj, dict[str, Any], tuple[Any, ...]]] = field(default_factory=list)
    neg_key: str | None = None  # the exposed_ports key of a standalone NEG

    @property
    def standalone_neg(self) -> bool:
        """Reached through a standalone NEG (a load balancer outside Kubernetes), not through a GKE Ingress."""
        return self.neg_key is not None

    @property
    def ingress(self) -> Obj | None:
        return self.routes[0].ingress if self.routes else None

    @property
    def host(self) -> str | None:
        return self.routes[0].host if self.routes else None


@dataclass
class Skipped:
    """Something exposed that cannot become a spec entry, and why (the report lists it)."""

    ref: str
    reason: str


def static_ip_name(ingress: Obj) -> str | None:
    value = ingress.annotations.get(STATIC_IP)
    return value if isinstance(value, str) and value else None


def ephemeral_ip(ingress: Obj) -> str | None:
    """The address of a live Ingress (kubectl get -o yaml shows status)."""
    status = as_dict(as_dict(ingress.data.get("status")).get("loadBalancer"))
    for entry in as_list(status.get("ingress")):
        if isinstance(as_dict(entry).get("ip"), str):
            return str(entry["ip"])
    return None


def certificates(ctx: Context, ingress: Obj) -> list[Obj]:
    """The ManagedCertificates an Ingress attaches, in annotation order (missing ones left out)."""
    names = [n.strip() for n in str(ingress.annotations.get(MANAGED_CERTS, "")).split(",") if n.strip()]
    found = [ctx.find("ManagedCertificate", ingress.namespace, name, near=ingress) for name in names]
    return [c for c in found if c is not None]


def domains(certificate: Obj) -> list[str]:
    return [str(d) for d in as_list(certificate.spec.get("domains"))]


def find_apps(ctx: Context) -> tuple[list[App], list[Skipped]]:
    apps: dict[tuple[int, int], App] = {}
    routes: dict[tuple[int, int, int, str], Route] = {}  # (app, ingress, host): found once, not scanned for
    skipped: list[Skipped] = []
    for ingress in ctx.by_kind.get("Ingress", []):
        if not is_gke_ingress(ingress):
            skipped.append(Skipped(ingress.ref, "not a GKE Ingress (another ingress class)"))
            continue
        if ingress.spec.get("defaultBackend") or ingress.spec.get("backend"):
            skipped.append(Skipped(ingress.ref, "its defaultBackend (requests for unknown hosts) is not adopted: "
                                   "iapgen answers unknown hosts with GKE's default 404"))
        paths = dict(ingress_paths(ingress))
        for loc, backend in ingress_backends(ingress):
            if loc[:2] == ("spec", "defaultBackend"):
                continue
            path = paths[loc[:-1]]
            host = as_dict(ingress.spec["rules"][loc[2]]).get("host")
            name = backend.get("name")
            port_ref = {"number": backend.get("number"), "name": backend.get("port_name")}
            if not isinstance(host, str) or not host:
                skipped.append(Skipped(ingress.ref, f"a rule without host routes to {name}: the spec routes by host"))
                continue
            service = ctx.find("Service", ingress.namespace, str(name), near=ingress)
            port = _port(service, port_ref) if service is not None else None
            if service is None or port is None:
                skipped.append(Skipped(ingress.ref, f"host {host} routes to Service {name}, which is not among the "
                                       "inputs (or lacks that port)"))
                continue
            app = apps.setdefault((id(service), port.index), App(service, port))
            route = routes.get((id(service), port.index, id(ingress), host))
            if route is None:
                route = routes[(id(service), port.index, id(ingress), host)] = Route(ingress, host)
                app.routes.append(route)
            route.paths.append(str(path.get("path") or "/"))
    routed = {key[0] for key in apps}
    for service in ctx.by_kind.get("Service", []):
        neg = parsed(service, NEG)
        exposed = as_dict(neg.get("exposed_ports")) if isinstance(neg, dict) else {}
        if id(service) in routed or not exposed:
            continue
        key = next(iter(exposed))
        port = _standalone_port(service, str(key))
        if port is None:
            skipped.append(Skipped(service.ref, f"exposed_ports key {key} matches no port of the Service"))
            continue
        apps[(id(service), port.index)] = App(service, port, neg_key=str(key))
    result = list(apps.values())
    for app in result:
        app.workloads = ctx.workloads_for(app.service)
        mapping = parsed(app.service, BACKEND_CONFIG) or parsed(app.service, BETA_BACKEND_CONFIG)
        name = backend_config_for(mapping, app.port) if isinstance(mapping, dict) else None
        if name:
            app.backend_config = ctx.find("BackendConfig", app.service.namespace, name, near=app.service)
    return result, skipped


def _port(service: Obj, ref: dict[str, Any]) -> ServicePort | None:
    for port in service_ports(service):
        if (ref.get("number") is not None and port.port == ref.get("number")) or \
                (ref.get("name") is not None and port.name == ref.get("name")):
            return port
    return None


def _standalone_port(service: Obj, key: str) -> ServicePort | None:
    """The port an exposed_ports key means: a Service port; else the port whose targetPort it names (the
    common mistake NEG_PORT_NOT_SERVICE_PORT reports); else the only port."""
    ports = service_ports(service)
    for match in (lambda p: str(p.port) == key, lambda p: str(p.target) == key):
        found = [p for p in ports if match(p)]
        if found:
            return found[0]
    return ports[0] if len(ports) == 1 else None
