"""`iapgen doctor` for a service in a `loadBalancer: gateway` environment: read-only, like every mode's.

1. gateway       the environment's Gateway is Accepted and Programmed, with an address, and so is each listener
2. app-protocol  the Service port's appProtocol is the protocol GKE Gateway must speak
3. route         the HTTPRoute is Accepted and ResolvedRefs by the environment's Gateway
4. policies      HealthCheckPolicy and GCPBackendPolicy are Attached (not Conflicted)
5. neg-status    the NEG controller wrote cloud.google.com/neg-status for the Service port
6. endpoints     each NEG's endpoints are exactly the ready Pods' IP:targetPort
7. health        the gkegw1-... backend service (the one whose NEGs are the Service's) sees every endpoint HEALTHY
8. logging       its health check logs (HealthCheckPolicy logConfig.enabled)
9. listen        the server listens on targetPort on all interfaces
"""

from __future__ import annotations

from typing import Any

from iapgen.modes.gateway.environment import namespace_of
from iapgen.operations.doctorkit import (
    FAIL,
    PASS,
    SKIP,
    Check,
    Tools,
    endpoints,
    items,
    listen,
    mapping,
    parse_json,
    ready_pods,
)
from iapgen.spec import gateway as gw
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    from iapgen.lint.checks import NEG_STATUS  # the lint rules load when a doctor runs, not with every mode

    service = exposure.service
    name, ns, project = service.name, service.namespace, exposure.environment.project
    checks: list[Check] = []

    def add(check: str, status: str, evidence: str, fix: str = "") -> None:
        checks.append(Check(name, check, status, evidence, fix))

    checks.append(gateway_check(tools, exposure))
    ok, svc = tools.json(["kubectl", "get", "svc", name, "-n", ns, "-o", "json"])
    if not ok or not isinstance(svc, dict):
        add("app-protocol", FAIL, f"Service {ns}/{name} not found: {svc}", "run pulumi up for this environment")
        for later in ("route", "policies", "neg-status", "endpoints", "health", "logging", "listen"):
            add(later, SKIP, "no Service")
        return checks
    ports = [p for p in items(mapping(svc.get("spec")).get("ports")) if p.get("port") == service.port]
    expected = gw.app_protocol(service.protocol)
    if ports and ports[0].get("appProtocol") == expected:
        add("app-protocol", PASS, f"port {service.port} has appProtocol {expected}")
    else:
        found = ports[0].get("appProtocol", "unset") if ports else f"no port {service.port}"
        add("app-protocol", FAIL, f"port {service.port}: appProtocol {found}, expected {expected}",
            f"someone changed the Service: run pulumi up (GKE Gateway speaks {found if ports else '?'} otherwise)")
    checks.append(route_check(tools, exposure))
    checks.append(policies_check(tools, exposure))

    annotations = mapping(mapping(svc.get("metadata")).get("annotations"))
    status = parse_json(annotations.get(NEG_STATUS))
    groups = status.get("network_endpoint_groups") if isinstance(status, dict) else None
    neg = groups.get(str(service.port)) if isinstance(groups, dict) else None
    zones = [z for z in (status.get("zones") or []) if isinstance(z, str)] if isinstance(status, dict) else []
    pods = ready_pods(tools, exposure)
    if not neg:
        add("neg-status", FAIL, f"no cloud.google.com/neg-status for port {service.port}",
            "GKE adds NEGs once an accepted HTTPRoute routes to the Service and ready Pods match "
            f"{exposure.selector_text}: see the route check and kubectl get pods -n {ns}")
        for later in ("endpoints", "health", "logging"):
            add(later, SKIP, "no NEG yet")
    else:
        add("neg-status", PASS, f"NEG {neg} in {', '.join(zones) or 'no zone yet'}")
        checks.append(endpoints(tools, exposure, neg, zones, project, pods))
        checks += _backend(tools, exposure, neg, project)
    checks.append(listen(tools, exposure, pods))
    return checks


def conditions_of(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(c.get("type")): c for c in items(status.get("conditions"))}


def gateway_check(tools: Tools, exposure: Exposure) -> Check:
    """The Gateway and its listeners (gke-behaviour.md#gateway-class): without Programmed nothing below serves."""
    name, ns, env = exposure.service.name, namespace_of(exposure.environment), exposure.env
    project = exposure.environment.project
    ok, gateway = tools.json(["kubectl", "get", "gateway", gw.GATEWAY, "-n", ns, "-o", "json"])
    if not ok or not isinstance(gateway, dict):
        return Check(name, "gateway", FAIL, f"Gateway {ns}/{gw.GATEWAY} not found: {gateway}",
                     "run pulumi up for this environment")
    status = mapping(gateway.get("status"))
    conditions = conditions_of(status)
    bad = not_true(conditions, ("Accepted", "Programmed"))
    for listener in items(status.get("listeners")):
        listed = conditions_of(listener)
        present = tuple(t for t in ("Accepted", "Programmed", "ResolvedRefs") if t in listed)
        bad += [f"listener {listener.get('name')}: {text}" for text in not_true(listed, present)]
        if mapping(listed.get("Conflicted")).get("status") == "True":
            bad.append(f"listener {listener.get('name')}: " + _condition_text("Conflicted", listed["Conflicted"]))
    addresses = [str(a.get("value")) for a in items(status.get("addresses")) if a.get("value")]
    generation = mapping(gateway.get("metadata")).get("generation")
    stale = sorted({f"{t} describes generation {c.get('observedGeneration')}" for t, c in conditions.items()
                    if isinstance(generation, int) and isinstance(c.get("observedGeneration"), int)
                    and c["observedGeneration"] < generation})
    if stale:  # conditions of an older spec: the controller has not caught up with the last change
        bad += [f"{', '.join(stale)}, the Gateway is at {generation}"]
    if not bad and not addresses:
        bad.append("Programmed but no address in status.addresses")
    if bad:
        address, certmap = naming.environment_address(env), naming.certificate_map(env)
        reasons = {str(mapping(c).get("reason")) for c in conditions.values()}
        fix = (f"the static IP {address} must exist, global, and serve no other load balancer: gcloud compute "
               f"addresses describe {address} --global --project {project}"
               if reasons & {"AddressNotAssigned", "AddressNotUsable"} else
               f"kubectl describe gateway {gw.GATEWAY} -n {ns}: its events name the cause, e.g. a missing certificate "
               f"map (gcloud certificate-manager maps describe {certmap} --project {project}) or a controller that "
               "has not caught up (Unknown/Pending for a few minutes after pulumi up)")
        return Check(name, "gateway", FAIL, "; ".join(bad), fix)
    return Check(name, "gateway", PASS, f"{ns}/{gw.GATEWAY} Accepted and Programmed at {', '.join(addresses)}")


def not_true(conditions: dict[str, dict[str, Any]], kinds: tuple[str, ...]) -> list[str]:
    """Each of `kinds` whose condition is not True (or is missing), as _condition_text says it."""
    return [_condition_text(t, conditions.get(t)) for t in kinds if mapping(conditions.get(t)).get("status") != "True"]


def _condition_text(kind: str, condition: Any) -> str:
    found = mapping(condition)
    if not found:
        return f"{kind} missing"
    return f"{kind}={found.get('status')} ({found.get('reason', '')}: {found.get('message', '')})"


def route_check(tools: Tools, exposure: Exposure) -> Check:
    service = exposure.service
    name, ns = service.name, service.namespace
    ok, route = tools.json(["kubectl", "get", "httproute", gw.route_name(name), "-n", ns, "-o", "json"])
    if not ok or not isinstance(route, dict):
        return Check(name, "route", FAIL, f"HTTPRoute {ns}/{gw.route_name(name)} not found: {route}",
                     "run pulumi up for this environment")
    parents = [p for p in items(mapping(route.get("status")).get("parents"))
               if mapping(p.get("parentRef")).get("name") == gw.GATEWAY]
    gateway_ns = namespace_of(exposure.environment)
    if not parents:
        return Check(name, "route", FAIL, f"no status from Gateway {gateway_ns}/{gw.GATEWAY} yet",
                     f"kubectl get gateway -n {gateway_ns} (Programmed?); the controller may lag")
    conditions = conditions_of(parents[0])
    bad = not_true(conditions, ("Accepted", "ResolvedRefs"))
    if bad:
        return Check(name, "route", FAIL, "; ".join(bad),
                     "NotAllowedByListeners: the Gateway does not admit the namespace (run pulumi up); "
                     "BackendNotFound: the Service or its port is missing")
    return Check(name, "route", PASS, f"Accepted and ResolvedRefs by {gateway_ns}/{gw.GATEWAY}")


def policies_check(tools: Tools, exposure: Exposure) -> Check:
    service = exposure.service
    name, ns = service.name, service.namespace
    problems, fine = [], []
    for kind in ("healthcheckpolicy", "gcpbackendpolicy"):
        ok, policy = tools.json(["kubectl", "get", kind, gw.policy_name(name), "-n", ns, "-o", "json"])
        if not ok or not isinstance(policy, dict):
            problems.append(f"{kind} {ns}/{gw.policy_name(name)} not found")
            continue
        status = mapping(policy.get("status"))
        # Older CRDs report status.conditions; current ones per ancestor (status.ancestors[].conditions).
        conditions = conditions_of(status)
        for ancestor in items(status.get("ancestors")):
            conditions.update(conditions_of(ancestor))
        not_attached = not_true(conditions, ("Attached",))
        problems += [f"{kind}: {text}" for text in not_attached]
        if not not_attached:
            fine.append(kind)
    if problems:
        return Check(name, "policies", FAIL, "; ".join(problems),
                     f"Conflicted: another policy of that kind targets Service {name} (the oldest wins): kubectl get "
                     f"healthcheckpolicy,gcpbackendpolicy -n {ns}; not found: run pulumi up")
    return Check(name, "policies", PASS, f"{' and '.join(fine)} Attached")


def _backend(tools: Tools, exposure: Exposure, neg: str, project: str) -> list[Check]:
    name = exposure.service.name
    ok, listed = tools.json(["gcloud", "compute", "backend-services", "list", "--global", "--project", project,
                             f"--filter=name~^{gw.BACKEND_PREFIX}", "--format=json"])
    mine = [b for b in items(listed) if any(str(e.get("group", "")).endswith(f"/networkEndpointGroups/{neg}")
                                             for e in items(b.get("backends")))] if ok else []
    if not mine:
        evidence = f"no {gw.BACKEND_PREFIX}... backend service uses NEG {neg}" + ("" if ok else f": {listed}")
        return [Check(name, "health", FAIL, evidence, "the Gateway controller has not built the backend: check the "
                      "route and policies above, and kubectl describe gateway"),
                Check(name, "logging", SKIP, "no backend service")]
    backend = str(mine[0].get("name"))
    out = []
    ok, health = tools.json(["gcloud", "compute", "backend-services", "get-health", backend, "--global", "--project",
                             project, "--format=json"])
    states = [(s.get("ipAddress"), s.get("port"), s.get("healthState")) for entry in (items(health) if ok else [])
              for s in items(mapping(entry.get("status")).get("healthStatus"))]
    unhealthy = [f"{ip}:{port} {state}" for ip, port, state in states if state != "HEALTHY"]
    if states and not unhealthy:
        out.append(Check(name, "health", PASS, f"{backend}: {len(states)} endpoints HEALTHY"))
    else:
        hc = exposure.service.health_check
        out.append(Check(name, "health", FAIL, f"{backend}: " + (", ".join(unhealthy) or "no endpoint reported"),
                         f"the probe is {exposure.service.protocol} {hc.path} on :{exposure.service.target_port}; "
                         f"see runbooks/{name}.md"))
    checks = [str(c) for c in mine[0].get("healthChecks") or []]
    if not checks:
        out.append(Check(name, "logging", FAIL, f"{backend} has no health check", "check the HealthCheckPolicy"))
        return out
    check_name = checks[0].rsplit("/", 1)[-1]
    ok, check = tools.json(["gcloud", "compute", "health-checks", "describe", check_name, "--global", "--project",
                            project, "--format=json"])
    if ok and mapping(mapping(check).get("logConfig")).get("enable") is True:
        out.append(Check(name, "logging", PASS, f"health check {check_name} logs state changes"))
    else:
        out.append(Check(name, "logging", FAIL, f"health check {check_name}: " + ("logging off" if ok else str(check)),
                         f"HealthCheckPolicy {gw.policy_name(name)} sets logConfig.enabled: true; if it is Attached "
                         "and logging is still off, run pulumi up (someone edited the policy)"))
    return out
