"""Rules for the pulumi-gcp side of a load balancer the stack owns, as `iapgen render` writes it to plan.json.

`iapgen lint build/<env>/` reads the plan's health checks and backend services next to the rendered
Services: the health check has one protocol block and logging on, speaks the backend's protocol and
probes the container port; each NEG backend is RATE-balanced and names a NEG some Service of the plan
exposes (a hand-edited annotation or a renamed service would leave the backend pointing at nothing).
"""

from __future__ import annotations

import json
from typing import Any

from iapgen.examplekit import plan
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.manifests import PLAN_TYPES, Obj
from iapgen.spec import rules
from iapgen.spec.rulebook import WARNING, Example, Rule
from iapgen.spec.rules import HC_PORT_NOT_TARGET, HC_PROTOCOL_MISMATCH

HEALTH_CHECK, BACKEND_SERVICE = PLAN_TYPES
BLOCKS = {"httpHealthCheck": "HTTP", "httpsHealthCheck": "HTTPS", "http2HealthCheck": "HTTP2",
          "tcpHealthCheck": "TCP", "sslHealthCheck": "SSL", "grpcHealthCheck": "GRPC",
          "grpcTlsHealthCheck": "GRPC_WITH_TLS"}
NEG_PATH = "/networkEndpointGroups/"

GCP_HC_ONE_BLOCK = Rule(
    "GCP_HC_ONE_BLOCK", "A Compute health check takes exactly one protocol block.",
    source="gke-behaviour.md#compute-health-check",
    why="The Compute API rejects a health check without exactly one protocol block.",
    fix="Keep the one block for the backend's protocol.",
    examples=[Example("manifest", plan({"httpHealthCheck": {"requestPath": "/"}}), plan())])
GCP_HC_LOGGING_OFF = Rule(
    "GCP_HC_LOGGING_OFF", "The health check does not declare log_config.enable = true, so probe state changes are "
    "not logged.",
    source="gke-behaviour.md#compute-health-check, gke-behaviour.md#hc-log-query", severity=WARNING,
    why="Without health-check logs an UNHEALTHY backend cannot be explained.",
    fix="Set log_config.enable = true on the health check.",
    examples=[Example("manifest", plan({"logConfig": None}), plan())])
GCP_LB_SCHEME_IMPLICIT = Rule(
    "GCP_LB_SCHEME_IMPLICIT", "The backend service leaves load_balancing_scheme to the provider's default, which "
    "changed between provider versions.",
    source="gke-behaviour.md#lb-scheme-explicit", severity=WARNING,
    why="A provider upgrade could change the scheme and replace the backend service.",
    fix="Set load_balancing_scheme explicitly (EXTERNAL_MANAGED).",
    examples=[Example("manifest", plan(backend={"loadBalancingScheme": None}), plan())])
GCP_NEG_BACKEND_RATE = Rule(
    "GCP_NEG_BACKEND_RATE", "A NEG backend of an HTTP(S) backend service needs RATE balancing with "
    "max_rate_per_endpoint.",
    source="gke-behaviour.md#neg-backends-rate",
    why="The Compute API rejects other balancing modes for NEG backends of HTTP(S) load balancers.",
    fix="Set balancing_mode RATE and max_rate_per_endpoint.",
    examples=[Example("manifest", plan(backend={"backends": [{
        "group": "projects/acme-dev/zones/europe-west1-b/networkEndpointGroups/iapgen-dev-web"}]}), plan())])
GCP_NEG_NOT_EXPOSED = Rule(
    "GCP_NEG_NOT_EXPOSED", "A backend names a NEG that no Service of the plan exposes under that name.",
    source="gke-behaviour.md#neg-custom-names, gke-behaviour.md#neg-exposed-ports-keys",
    why="The backend would point at a NEG that never gets endpoints, so every request fails.",
    fix="Expose the NEG under that name on the Service, or fix the backend's group.",
    examples=[Example("manifest", plan(neg="iapgen-dev-website"), plan())])


def _block(check: Obj) -> tuple[str, dict[str, Any]] | None:
    found = [(key, check.data[key]) for key in BLOCKS if isinstance(check.data.get(key), dict)]
    return found[0] if len(found) == 1 else None


@linter(HEALTH_CHECK)
def lint_health_check(ctx: Context, check: Obj, report: Report) -> None:
    blocks = [key for key in BLOCKS if key in check.data]
    if len(blocks) != 1:
        report.add(check, (), GCP_HC_ONE_BLOCK, f"health check has {len(blocks)} protocol blocks "
                   f"({', '.join(blocks) or 'none'}); give exactly one, in the backend's protocol")
    log = check.data.get("logConfig")
    if not (isinstance(log, dict) and log.get("enable") is True):
        report.add(check, ("logConfig",) if isinstance(log, dict) else (), GCP_HC_LOGGING_OFF,
                   "health-check logging is off; set log_config.enable = true so endpoint state changes are logged")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def exposed_negs(plan: Any) -> dict[str, tuple[int, Any]] | None:
    """{NEG name: (Service port, targetPort)} from the plan's Kubernetes Services; None when it has none."""
    if not isinstance(plan, list):
        return None
    services = [e.get("inputs") for e in plan if isinstance(e, dict) and e.get("type") == "kubernetes:core/v1:Service"]
    if not services:
        return None
    found: dict[str, tuple[int, Any]] = {}
    for svc in services:
        if not isinstance(svc, dict):
            continue
        meta, spec = _mapping(svc.get("metadata")), _mapping(svc.get("spec"))
        try:
            annotation = json.loads(str(_mapping(meta.get("annotations")).get("cloud.google.com/neg", "{}")))
        except ValueError:
            continue
        exposed = annotation.get("exposed_ports") if isinstance(annotation, dict) else None
        ports = spec["ports"] if isinstance(spec.get("ports"), list) else []
        for key, value in (exposed or {}).items() if isinstance(exposed, dict) else ():
            name = value.get("name") if isinstance(value, dict) else None
            port = rules.decimal(str(key))
            target = next((p.get("targetPort") for p in ports if isinstance(p, dict) and p.get("port") == port), port)
            if isinstance(name, str) and port is not None:
                found[name] = (port, target)
    return found


@linter(BACKEND_SERVICE)
def lint_backend_service(ctx: Context, backend: Obj, report: Report) -> None:
    if not backend.data.get("loadBalancingScheme"):
        report.add(backend, (), GCP_LB_SCHEME_IMPLICIT, "load_balancing_scheme is not set; the provider's default "
                   "changed from EXTERNAL to EXTERNAL_MANAGED, and the forwarding rule must match: set it explicitly")
    protocol = str(backend.data.get("protocol") or "HTTP")
    negs = exposed_negs(backend.doc.data)
    entries = backend.data.get("backends")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        group = str(entry.get("group", "")) if isinstance(entry, dict) else ""
        if NEG_PATH not in group:
            continue
        if protocol in ("HTTP", "HTTPS", "HTTP2") and (
                entry.get("balancingMode") != "RATE" or not any(k in entry for k in ("maxRatePerEndpoint", "maxRate"))):
            report.add(backend, ("backends", index), GCP_NEG_BACKEND_RATE,
                       f"NEG backend {group} has balancing mode {entry.get('balancingMode', 'UTILIZATION (default)')}; "
                       "NEGs behind an HTTP(S) load balancer take RATE with max_rate_per_endpoint")
        name = group.rsplit("/", 1)[-1]
        if negs is not None and name not in negs:
            report.add(backend, ("backends", index, "group"), GCP_NEG_NOT_EXPOSED,
                       f"NEG {name} is not named by any Service's cloud.google.com/neg exposed_ports in this plan, so "
                       "GKE never creates it; name it in the Service's annotation (keyed by the Service port)")
    _lint_backend_health_check(ctx, backend, protocol, negs or {}, report)


def _lint_backend_health_check(ctx: Context, backend: Obj, protocol: str, negs: dict[str, tuple[int, Any]],
                               report: Report) -> None:
    reference = str(backend.data.get("healthChecks") or "").rsplit("/", 1)[-1]
    check = next((c for c in ctx.by_kind.get(HEALTH_CHECK, []) if c.name == reference and c.doc is backend.doc), None)
    block = _block(check) if check is not None else None
    if check is None or block is None:
        return
    key, settings = block
    message = rules.check_hc_protocol(BLOCKS[key], protocol)
    if message:
        report.add(check, (key,), HC_PROTOCOL_MISMATCH, f"health check {check.name} is {message}")
    port = settings.get("port")
    if settings.get("portSpecification") in (None, "USE_FIXED_PORT") and isinstance(port, int):
        for entry in backend.data.get("backends") or []:
            exposed = negs.get(str(entry.get("group", "")).rsplit("/", 1)[-1]) if isinstance(entry, dict) else None
            if exposed and isinstance(exposed[1], int):
                message = rules.check_hc_port(port, exposed[0], exposed[1])
                if message:
                    report.add(check, (key, "port"), HC_PORT_NOT_TARGET, f"health check {check.name}: {message} "
                               "(or use port_specification USE_SERVING_PORT)")
                break
