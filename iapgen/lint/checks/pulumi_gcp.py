"""Rules for pulumi-gcp load-balancer resources, as `iapgen render` writes them to plan.json and as the policy
pack (iapgen.policy) receives them from any Pulumi program.

`iapgen lint build/<env>/` reads the plan's health checks, backend services, forwarding rules, proxies, URL maps,
firewall rules and IAP grants next to the rendered Services: the health check has one protocol block and logging
on, speaks the backend's protocol and probes the container port; each NEG backend is RATE-balanced and names a
NEG some Service of the plan exposes; an external backend has IAP on and the scheme of the forwarding rule that
reaches it; a health-check firewall rule allows both of Google's ranges; no IAP grant goes to allUsers.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from iapgen.examplekit import FIREWALL as FIREWALL_EXAMPLE
from iapgen.examplekit import FORWARDING_RULE as FORWARDING_RULE_EXAMPLE
from iapgen.examplekit import plan
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.manifests import PLAN_TYPES, Obj
from iapgen.spec import iaprules, rules
from iapgen.spec.rulebook import WARNING, Example, Rule, rule_of
from iapgen.spec.rules import HC_PORT_NOT_TARGET, HC_PROTOCOL_MISMATCH

HEALTH_CHECK, BACKEND_SERVICE, FORWARDING_RULE, HTTP_PROXY, HTTPS_PROXY, URL_MAP, FIREWALL = PLAN_TYPES[:7]
IAP_GRANTS = PLAN_TYPES[7:]
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

GCP_BACKEND_IAP_OFF = Rule(
    "GCP_BACKEND_IAP_OFF", "A backend service of an external load balancer does not turn IAP on, so anyone on the "
    "internet reaches the app.",
    source="gke-behaviour.md#iap-enable-and-bind, gke-behaviour.md#lb-scheme-explicit", severity=WARNING,
    why="An EXTERNAL or EXTERNAL_MANAGED backend service (the provider's default scheme) serves the internet; "
    "without iap.enabled nothing asks who is calling.",
    fix="Set iap { enabled = true } and grant roles/iap.httpsResourceAccessor to the people who need it; turn "
    "the policy off for a backend that is public on purpose.",
    examples=[Example("manifest", plan(backend={"iap": None}), plan())])
GCP_LB_SCHEME_MISMATCH = Rule(
    "GCP_LB_SCHEME_MISMATCH", "A global forwarding rule and a backend service its URL map routes to have different "
    "load-balancing schemes (EXTERNAL beside EXTERNAL_MANAGED).",
    source="gke-behaviour.md#lb-scheme-explicit",
    why="The classic (EXTERNAL) and the global external Application Load Balancer (EXTERNAL_MANAGED) are different "
    "products: a forwarding rule of one cannot reach a backend service of the other, and the API refuses the pair. "
    "A provider upgrade changes the default of whichever leaves it unset.",
    fix="Set load_balancing_scheme explicitly and the same on the forwarding rule and every backend service its "
    "URL map names.",
    examples=[Example("manifest", plan(frontend={FORWARDING_RULE_EXAMPLE: {"loadBalancingScheme": "EXTERNAL"}}),
                      plan(frontend={}))])
GCP_FIREWALL_HC_RANGES = Rule(
    "GCP_FIREWALL_HC_RANGES", "A firewall rule for Google's health checks must allow both of their source ranges, "
    "35.191.0.0/16 and 130.211.0.0/22.",
    source="gke-behaviour.md#hc-source-ranges",
    why="Probes and Google Front Ends come from both ranges; endpoints probed from a blocked one report TIMEOUT "
    "and the backend turns unhealthy.",
    fix="List both ranges in source_ranges of the rule that lets health checks reach the Pods.",
    examples=[Example("manifest", plan(frontend={FIREWALL_EXAMPLE: {"sourceRanges": ["35.191.0.0/16"]}}),
                      plan(frontend={}))])


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


def _scheme(resource: Obj) -> str:
    """The load-balancing scheme in effect: the provider's default (EXTERNAL_MANAGED) when unset."""
    return str(resource.data.get("loadBalancingScheme") or "EXTERNAL_MANAGED")


@linter(BACKEND_SERVICE)
def lint_backend_iap(ctx: Context, backend: Obj, report: Report) -> None:
    if not _scheme(backend).startswith("EXTERNAL"):
        return
    iap = backend.data.get("iap")
    if not (isinstance(iap, dict) and iap.get("enabled") is True):
        report.add(backend, ("iap",) if isinstance(iap, dict) else (), GCP_BACKEND_IAP_OFF,
                   f"backend service {backend.name} serves an external load balancer ({_scheme(backend)}) without "
                   "IAP, so anyone on the internet reaches it: set iap.enabled = true and grant "
                   "roles/iap.httpsResourceAccessor to the people who need it")


def _named(ctx: Context, kinds: tuple[str, ...], reference: Any, near: Obj) -> Obj | None:
    """The resource of `kinds` a self-link, id or name points at, in `near`'s plan."""
    name = str(reference or "").rstrip("/").rsplit("/", 1)[-1]
    return next((o for kind in kinds for o in ctx.by_kind.get(kind, []) if o.name == name and o.doc is near.doc),
                None)


def _url_map_services(url_map: Obj) -> list[Any]:
    found = [url_map.data.get("defaultService")]
    for matcher in url_map.data.get("pathMatchers") or []:
        if isinstance(matcher, dict):
            found.append(matcher.get("defaultService"))
            for rules_key in ("pathRules", "routeRules"):
                found += [r.get("service") for r in matcher.get(rules_key) or [] if isinstance(r, dict)]
    return [service for service in found if service]


@linter(FORWARDING_RULE)
def lint_forwarding_rule(ctx: Context, rule: Obj, report: Report) -> None:
    scheme = _scheme(rule)
    proxy = _named(ctx, (HTTPS_PROXY, HTTP_PROXY), rule.data.get("target"), rule)
    url_map = _named(ctx, (URL_MAP,), proxy.data.get("urlMap"), proxy) if proxy is not None else None
    if url_map is None or scheme not in ("EXTERNAL", "EXTERNAL_MANAGED"):
        return
    for reference in _url_map_services(url_map):
        backend = _named(ctx, (BACKEND_SERVICE,), reference, url_map)
        if backend is not None and _scheme(backend) in ("EXTERNAL", "EXTERNAL_MANAGED") and _scheme(backend) != scheme:
            report.add(rule, ("loadBalancingScheme",), GCP_LB_SCHEME_MISMATCH,
                       f"forwarding rule {rule.name} is {scheme} but backend service {backend.name} (through "
                       f"{proxy.name if proxy else '?'} and URL map {url_map.name}) is {_scheme(backend)}; "
                       "the load balancer rejects the pair: set load_balancing_scheme the same on both "
                       "(EXTERNAL_MANAGED for a new load balancer)")


HC_RANGES = ("35.191.0.0/16", "130.211.0.0/22")


def _networks(values: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for value in values if isinstance(values, list) else []:
        try:
            found.append(ipaddress.ip_network(str(value), strict=False))
        except ValueError:
            continue
    return found


@linter(FIREWALL)
def lint_firewall(ctx: Context, firewall: Obj, report: Report) -> None:
    """A rule is for health checks when it names one of Google's ranges, or says so in its name or description."""
    if str(firewall.data.get("direction") or "INGRESS") != "INGRESS" or firewall.data.get("denies"):
        return
    sources = _networks(firewall.data.get("sourceRanges"))
    ranges = [ipaddress.ip_network(r) for r in HC_RANGES]
    said = any("health" in str(firewall.data.get(key) or "").lower() for key in ("name", "description"))
    if not (said or any(s.overlaps(r) for s in sources for r in ranges if s.version == r.version)):
        return
    missing = [str(r) for r in ranges if not any(s.version == r.version and r.subnet_of(s) for s in sources)]  # type: ignore[arg-type]
    if missing:
        report.add(firewall, ("sourceRanges",), GCP_FIREWALL_HC_RANGES,
                   f"firewall {firewall.name} lets health checks in but not from {', '.join(missing)}; Google probes "
                   "come from both 35.191.0.0/16 and 130.211.0.0/22, and endpoints probed from a blocked one "
                   "report TIMEOUT: list both in source_ranges")


@linter(*IAP_GRANTS)
def lint_iap_grant(ctx: Context, grant: Obj, report: Report) -> None:
    many = grant.data.get("members")
    members = [("member", grant.data.get("member"))] if "member" in grant.data else [
        (("members", i), m) for i, m in enumerate(many if isinstance(many, list) else [])]
    for loc, member in members:
        if not isinstance(member, str):
            continue
        for check in (iaprules.check_member_public, iaprules.check_member_prefix):
            message = check(member)
            if message:
                report.add(grant, loc if isinstance(loc, tuple) else (loc,), rule_of(check),
                           f"{grant.kind.rsplit(':', 1)[-1]} {grant.name}: {message}")
                break
