"""Spec entries for found apps: every value from the live objects, a comment where it was guessed, and a
note for everything the live objects carry that the spec cannot express.

Namespace-wide choices come first (which Ingress, static IP and certificates the namespace keeps),
then one entry per app. Names that differ from iapgen's are pinned under `names:`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from iapgen.adopt.discover import App, Skipped, certificates, domains, ephemeral_ip, static_ip_name
from iapgen.lint.checks.context import Context
from iapgen.lint.checks.objects import TLS_PORT_NAMES, app_protocols, as_dict, as_int, as_list, containers
from iapgen.spec import layout, naming, rules

BACKEND_CONFIG_HANDLED = ("healthCheck", "iap")
# What a BackendConfig can carry beyond health check and IAP, and what losing it means.
UNSUPPORTED_BC = {
    "cdn": "Cloud CDN",
    "securityPolicy": "Cloud Armor security policy (losing it removes that protection)",
    "timeoutSec": "backend timeout",
    "connectionDraining": "connection draining",
    "sessionAffinity": "session affinity",
    "logging": "request logging settings",
    "customRequestHeaders": "custom request headers",
    "customResponseHeaders": "custom response headers",
}


@dataclass
class Entry:
    """One spec service built from one app, with the comments the YAML carries and the report's notes."""

    app: App
    values: dict[str, Any]
    comments: dict[str, str] = field(default_factory=dict)  # dotted field path -> comment
    unsupported: list[str] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)
    loud: list[str] = field(default_factory=list)  # what would change for users, and what to do instead
    kept_ingress: Any = None  # the live Ingress its namespace keeps (None: the namespace gets a new one)

    @property
    def name(self) -> str:
        return str(self.values["name"])

    def note(self, path: str, text: str, guessed: bool = False) -> None:
        self.comments[path] = ("GUESSED: " if guessed else "") + text
        if guessed:
            self.guesses.append(f"{path}: {text}")


@dataclass
class Namespace:
    """What one namespace keeps: its Ingress, static IP, and the certificates each host keeps."""

    ingress: str | None = None
    primary: Any = None  # the live Ingress the namespace keeps
    static_ip: str | None = None
    promote: str | None = None  # an ephemeral IP to reserve under iapgen's name before deploying
    claimed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    described: set[int] = field(default_factory=set)  # Ingresses whose own settings are already noted


def build(ctx: Context, apps: list[App], env: str) -> tuple[list[Entry], list[Skipped]]:
    """Entries for every app that can be one (sorted by namespace and name), and the apps that cannot."""
    skipped: list[Skipped] = []
    adopted: list[App] = []
    hosts: dict[str, str] = {}
    names: dict[str, Any] = {}  # spec name -> the live Service adopted under it
    for app in sorted(apps, key=lambda a: (a.standalone_neg, a.service.namespace, a.service.name, a.port.index)):
        svc = app.service
        if rules.check_name(svc.name) or svc.name in names:
            skipped.append(Skipped(svc.ref, _unnamed(svc, app, names)))
            continue
        if app.host is not None and (rules.check_host(app.host) or app.host in hosts):
            skipped.append(Skipped(svc.ref, f"host {app.host} " + (
                f"is already adopted for {hosts[app.host]} (path-based fan-out): the spec routes a whole host to one "
                "service; keep that split by hand or give this service its own host"
                if app.host in hosts else "is not a name a managed certificate can cover (wildcard?)")))
            continue
        adopted.append(app)
        names[svc.name] = svc
        if app.host:
            hosts[app.host] = svc.name
    served = Counter(id(a.ingress) for a in adopted if a.ingress is not None)
    keeps: dict[str, App] = {}  # per namespace, an adopted app of the live Ingress that serves most of them
    for app in adopted:
        best = keeps.setdefault(app.service.namespace, app)
        if app.ingress is not None and served[id(app.ingress)] > served.get(id(best.ingress), 0):
            keeps[app.service.namespace] = app
    namespaces: dict[str, Namespace] = {}
    entries: list[Entry] = []
    for namespace, app in keeps.items():
        namespaces[namespace] = _namespace(app, env)
    for app in adopted:
        entries.append(_entry(ctx, app, namespaces[app.service.namespace], env))
    entries.sort(key=lambda e: (e.app.service.namespace, e.name))
    _spread(entries, env)
    return entries, skipped


def _spread(entries: list[Entry], env: str) -> None:
    """The kept Ingress serves 15 apps of its namespace, those it serves today first; the others are pinned to
    Ingress 2, 3, ... (layout.py: iapgen places nothing past Ingress 1 by itself), and their move is loud."""
    per_namespace: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        per_namespace[entry.app.service.namespace].append(entry)
    for namespace, members in per_namespace.items():
        # Pinned services may sit anywhere in the spec, so who stays is free to choose: not those that move anyway.
        ranked = sorted(members, key=lambda e: e.app.ingress is None or e.app.ingress is not e.kept_ingress)
        for index, entry in enumerate(ranked):
            if index >= layout.HOSTS_PER_INGRESS:
                _pin(entry, env, namespace, index // layout.HOSTS_PER_INGRESS + 1)


def _pin(entry: Entry, env: str, namespace: str, number: int) -> None:
    entry.values["ingress"] = number
    entry.note("ingress", f"Ingress 1 serves {layout.HOSTS_PER_INGRESS} hosts of {namespace} at most")
    names = entry.values.get("names", {})
    for key in ("ingress", "staticIp"):
        names.pop(key, None)
    if not names:
        entry.values.pop("names", None)
    if entry.app.ingress is not None:
        entry.loud = [text for text in entry.loud if not text.startswith(f"host {entry.app.host} moves from")]
        kept = entry.kept_ingress.name if entry.kept_ingress is not None else naming.ingress(1)
        entry.loud.append(
            f"host {entry.app.host} moves from Ingress {entry.app.ingress.name} to {naming.ingress(number)} with "
            f"the new IP {naming.static_ip(env, namespace, number)}: one Ingress serves at most "
            f"{layout.HOSTS_PER_INGRESS} hosts (a certificate each), and Ingress {kept} serves "
            f"{layout.HOSTS_PER_INGRESS} others of {namespace}. Deploy, then move DNS at a quiet time: the host's "
            "certificate becomes Active only once DNS points at the new IP, so HTTPS fails until then. Or adopt "
            "some of these apps in another namespace")


def _unnamed(svc: Any, app: App, names: dict[str, Any]) -> str:
    """Why a Service cannot get a spec entry under its own name."""
    if svc.name not in names:
        return "its name is not a DNS-1035 label, which a spec service name must be"
    if names[svc.name] is svc:
        return (f"port {app.port.name or app.port.port} is exposed too; the spec exposes one port per Service, and "
                "this Service is adopted through another")
    return (f"spec service names are unique across namespaces and {svc.name} is already adopted from namespace "
            f"{names[svc.name].namespace}; adopt this one into another spec, or rename one Service")


def _namespace(first: App, env: str) -> Namespace:
    space = Namespace()
    ingress = first.ingress
    if ingress is None:
        return space
    space.primary = ingress
    if ingress.name != naming.INGRESS:
        space.ingress = ingress.name
    space.static_ip = static_ip_name(ingress)
    if space.static_ip is None and ephemeral_ip(ingress):
        space.promote = ephemeral_ip(ingress)
        space.static_ip = naming.static_ip(env, ingress.namespace)
    return space


def _entry(ctx: Context, app: App, space: Namespace, env: str) -> Entry:
    svc, port = app.service, app.port
    values: dict[str, Any] = {"name": svc.name, "namespace": svc.namespace}
    entry = Entry(app, values, kept_ingress=space.primary)
    if not svc.namespace_set:
        entry.note("namespace", "the manifest sets no namespace (kubectl applies it to the context's)", True)
    selector = svc.spec.get("selector")
    values["selector"] = dict(selector) if isinstance(selector, dict) and selector else {"app": svc.name}
    if values["selector"] != selector:
        entry.note("selector", "the Service selects no Pods by label; set the labels of the app's Pods", True)
    values["port"] = port.port
    values["targetPort"] = _target_port(ctx, entry)
    values["protocol"] = _protocol(entry)
    values["healthCheck"] = _health_check(entry)
    _iap(entry)
    if app.host:
        values["host"] = app.host
        entry.note("host", f"from Ingress {app.ingress.name if app.ingress else ''}")
    else:
        entry.note("host", "the load balancer in front of the standalone NEG is outside Kubernetes: the host is "
                   "<name>.<domain>; set the one users reach", True)
    _names(ctx, entry, space)
    _unsupported(entry)
    if app.ingress is not None and id(app.ingress) not in space.described:
        space.described.add(id(app.ingress))
        entry.unsupported += _ingress_settings(app.ingress)
    if app.ingress is not None and space.primary is not None and app.ingress is not space.primary:
        entry.loud.append(
            f"host {app.host} moves from Ingress {app.ingress.name} to {space.primary.name}, the one Ingress iapgen "
            f"keeps in {svc.namespace}: its address changes, so DNS must move. Instead: adopt that host in another "
            "namespace, or move it to that Ingress by hand before adopting")
    if app.standalone_neg:
        entry.loud.append(
            "is reached today through a load balancer built outside Kubernetes on its standalone NEG; adoption "
            "serves it from a new Ingress with a new IP and certificate, and drops exposed_ports, so GKE stops "
            "syncing the NEG that load balancer uses. Instead: deploy, move DNS to the new IP at a quiet time (the "
            "new certificate becomes Active only once DNS points there, so HTTPS fails until then), then delete the "
            "old load balancer (or keep exposed_ports by hand until then)")
    return entry


def _target_port(ctx: Context, entry: Entry) -> int:
    app = entry.app
    target = app.port.target
    if isinstance(target, int):
        return target
    named = ctx.named_port(app.service, target) if isinstance(target, str) else None
    if named:
        entry.note("targetPort", f"the container port named {target!r}")
        return named
    entry.note("targetPort", f"targetPort {target!r} resolves to no containerPort among the inputs; set the port "
               "the server listens on", True)
    return app.port.port or 80


def _probe(entry: Entry) -> tuple[str, dict[str, Any]] | None:
    """(workload ref, readinessProbe.httpGet) of the container that serves targetPort."""
    target = entry.values["targetPort"]
    for workload, pod, _ in entry.app.workloads:
        in_pod = containers(pod)
        for container in in_pod:
            ports = {as_int(p.get("containerPort")) for p in as_list(container.get("ports")) if isinstance(p, dict)}
            if target in ports or len(in_pod) == 1:
                get = as_dict(as_dict(container.get("readinessProbe")).get("httpGet"))
                if get:
                    return f"{workload.kind} {workload.name}", get
    return None


def _protocol(entry: Entry) -> str:
    app = entry.app
    mapping = app_protocols(app.service)
    for key in (app.port.name, str(app.port.port)):
        if key is not None and mapping.get(key) in rules.PROTOCOLS:
            text = f"from cloud.google.com/app-protocols key {key!r}"
            if key == str(app.port.port) and key != app.port.name:
                text += " (GKE ignores numeric keys, so the load balancer speaks HTTP to it today)"
            entry.note("protocol", text)
            return str(mapping[key])
    spoken = (app.port.app_protocol or "").upper()
    if spoken in rules.PROTOCOLS:
        entry.note("protocol", f"from the port's appProtocol {spoken} (GKE Ingress ignores it today)")
        return spoken
    probe = _probe(entry)
    if probe and str(probe[1].get("scheme", "HTTP")).upper() == "HTTPS":
        entry.note("protocol", f"the readiness probe of {probe[0]} speaks HTTPS", True)
        return "HTTPS"
    if (app.port.name or "").lower() in TLS_PORT_NAMES:
        entry.note("protocol", f"the port is named {app.port.name!r}; nothing declares the protocol", True)
        return "HTTPS"
    entry.note("protocol", "nothing declares another protocol, so the load balancer speaks HTTP to it today")
    return "HTTP"


def _health_check(entry: Entry) -> dict[str, Any]:
    bc = entry.app.backend_config
    live = as_dict(bc.spec.get("healthCheck")) if bc is not None else {}
    hc: dict[str, Any] = {}
    path = live.get("requestPath")
    probe = _probe(entry)
    if isinstance(path, str) and not rules.check_hc_path(path):
        hc["path"] = path
        entry.note("healthCheck.path", f"from BackendConfig {bc.name if bc else ''}")
    elif probe and isinstance(probe[1].get("path"), str) and not rules.check_hc_path(probe[1]["path"]):
        hc["path"] = probe[1]["path"]
        entry.note("healthCheck.path", f"from the readiness probe of {probe[0]}")
    else:
        hc["path"] = "/"
        entry.note("healthCheck.path", "no BackendConfig or readiness probe names a path; GKE probes / by "
                   "default: set a path that answers 200 without IAP headers", True)
    for key, kind in (("checkIntervalSec", "seconds"), ("timeoutSec", "seconds"), ("healthyThreshold", "threshold"),
                      ("unhealthyThreshold", "threshold")):
        value = as_int(live.get(key))
        if value is not None and not rules.check_hc_range(kind, value):
            hc[key] = value
    interval = hc.get("checkIntervalSec", 15)
    if hc.get("timeoutSec", 5) > interval:
        hc["timeoutSec"] = interval
        entry.note("healthCheck.timeoutSec", f"live timeoutSec {live.get('timeoutSec')} exceeds the interval, "
                   "which the Compute API rejects; lowered to the interval")
    fixed = []
    if as_int(live.get("port")) not in (None, entry.values["targetPort"]):
        fixed.append(f"port {live['port']} -> {entry.values['targetPort']}")
    if live.get("type") not in (None, entry.values["protocol"]):
        fixed.append(f"type {live['type']} -> {entry.values['protocol']}")
    if fixed:
        entry.note("healthCheck", "fixed: " + ", ".join(fixed))
    return hc


def _iap(entry: Entry) -> None:
    bc = entry.app.backend_config
    iap = as_dict(bc.spec.get("iap")) if bc is not None else {}
    if entry.app.standalone_neg:
        entry.note("iap", "the backend service of a standalone NEG is outside Kubernetes; IAP is on as iapgen's "
                   "default", True)
        return
    if iap.get("enabled") is True:
        entry.note("iap", f"on in BackendConfig {bc.name if bc else ''}; who may pass is in IAM, not in the "
                   "manifests: the environment's members apply")
        if isinstance(iap.get("oauthclientCredentials"), dict):
            entry.unsupported.append("a custom IAP OAuth client (iap.oauthclientCredentials): set "
                                     "environments.<env>.iap.oauthClientId and iapgen:oauthClientSecret")
        return
    entry.values["iap"] = {"enabled": False, "reason": "adopted as it runs: IAP is off on the live backend"}
    entry.note("iap", "IAP is off today; turn it on once the members are known (remove enabled and reason)")


def _names(ctx: Context, entry: Entry, space: Namespace) -> None:
    app, svc = entry.app, entry.app.service
    names: dict[str, str] = {}
    if app.backend_config is not None and app.backend_config.name != naming.backend_config(svc.name) and \
            app.backend_config.name not in space.claimed["backendConfig"]:
        names["backendConfig"] = app.backend_config.name
    space.claimed["backendConfig"].add(names.get("backendConfig", naming.backend_config(svc.name)))
    if app.ingress is not None:
        for cert in certificates(ctx, app.ingress):
            if app.host in domains(cert) and cert.name not in space.claimed["certificate"]:
                if cert.name != naming.certificate(svc.name):
                    names["certificate"] = cert.name
                break
    space.claimed["certificate"].add(names.get("certificate", naming.certificate(svc.name)))
    if space.ingress:
        names["ingress"] = space.ingress
    if space.static_ip:
        names["staticIp"] = space.static_ip
    if names:
        entry.values["names"] = names
        entry.note("names", "live names kept, so adoption renames nothing")


def _unsupported(entry: Entry) -> None:
    app, svc = entry.app, entry.app.service
    bc = app.backend_config
    for key, value in (bc.spec.items() if bc is not None else []):
        if key not in BACKEND_CONFIG_HANDLED:
            what = UNSUPPORTED_BC.get(key, "a setting")
            entry.unsupported.append(f"BackendConfig {bc.name if bc else ''} {key}: {_short(value)} ({what})")
            if key in ("securityPolicy", "cdn"):
                entry.loud.append(f"BackendConfig {bc.name if bc else ''} {key} is not in the spec: if `pulumi "
                                  f"preview --diff` removes it, the app loses its {what}; keep that app by hand "
                                  "until the spec can carry it")
    for route in app.routes[1:]:
        entry.unsupported.append(f"host {route.host} (Ingress {route.ingress.name}) also routes here; the spec gives "
                                 "a service one host, so that host is no longer routed: add DNS and a service for "
                                 "it, or keep it by hand")
        entry.loud.append(f"host {route.host} stops being routed to {svc.name}")
    for route in app.routes[:1]:
        extra = [p for p in route.paths if p not in ("/", "/*")]
        if extra:
            entry.unsupported.append(f"paths {', '.join(extra)} of host {route.host}: iapgen routes every path of "
                                     "the host (/) to this service")
    if svc.spec.get("sessionAffinity") not in (None, "None"):
        entry.unsupported.append(f"Service sessionAffinity {svc.spec['sessionAffinity']} (kube-proxy affinity; "
                                 "the load balancer does not use it with NEGs)")
    others = [p for p in _ports(svc) if p != app.port.port]
    if others:
        entry.unsupported.append(f"Service ports {', '.join(map(str, others))}: the spec keeps one port, the others "
                                 "are removed from the Service")
        entry.loud.append(f"Service {svc.namespace}/{svc.name} loses ports {', '.join(map(str, others))}")


# What iapgen sets on its Ingress itself; anything else a live Ingress carries is not kept.
INGRESS_HANDLED = ("kubernetes.io/ingress.class", "kubernetes.io/ingress.global-static-ip-name",
                   "networking.gke.io/managed-certificates")
FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"


def _ingress_settings(ingress: Any) -> list[str]:
    notes = []
    for key, value in sorted(ingress.annotations.items()):
        if key == FRONTEND_CONFIG:
            notes.append(f"Ingress {ingress.name} uses FrontendConfig {_short(value)} (SSL policy, redirects); "
                         f"iapgen attaches its own {naming.FRONTEND_CONFIG} (HTTP -> HTTPS redirect only)")
        elif key not in INGRESS_HANDLED and not key.startswith("ingress.kubernetes.io/") and \
                key != "kubectl.kubernetes.io/last-applied-configuration":
            notes.append(f"Ingress {ingress.name} annotation {key}: {_short(value)}")
    if ingress.spec.get("tls"):
        notes.append(f"Ingress {ingress.name} spec.tls (certificates from Secrets): iapgen serves "
                     "ManagedCertificates only")
    return notes


def _ports(svc: Any) -> list[int]:
    return [int(p["port"]) for p in as_list(svc.spec.get("ports")) if isinstance(p, dict) and as_int(p.get("port"))]


def _short(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
