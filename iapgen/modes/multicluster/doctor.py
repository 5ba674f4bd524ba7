"""`iapgen doctor` for a service in a `loadBalancer: multicluster-gateway` environment: read-only, like every
mode's. kubectl runs against each cluster's own context.

1. gateway          (config cluster) the Gateway is Accepted and Programmed, with an address
2. export:<member>  (each member that runs the service) the Service port's appProtocol, and the ServiceExport
                    Exported with no Conflict
3. import           (config cluster) the ServiceImport MCS makes from the exports exists, with the port
4. route            (config cluster) the HTTPRoute is Accepted and ResolvedRefs
5. policies         (config cluster) HealthCheckPolicy and GCPBackendPolicy are Attached
6. health           the gkemcg1-... backend service sees every endpoint HEALTHY, per NEG (member and zone)
7. logging          its health check logs (HealthCheckPolicy logConfig.enabled)
"""

from __future__ import annotations

from typing import Any

from iapgen.modes.gateway import doctor as gateway_doctor
from iapgen.modes.multicluster import objects
from iapgen.modes.multicluster.environment import fleet
from iapgen.operations.doctorkit import FAIL, PASS, SKIP, Check, Tools, items, mapping
from iapgen.spec import gateway as gw
from iapgen.spec.exposure import Exposure

EXPORTED = ("Initialized", "Exported", "Valid", "Ready")


class InCluster(Tools):
    """The same tools, with kubectl pointed at one cluster's kubeconfig context."""

    def __init__(self, tools: Tools, context: str):
        super().__init__(tools.runner)
        self.context = context

    def text(self, argv: list[str]) -> tuple[bool, str]:
        if argv[:1] == ["kubectl"]:
            argv = ["kubectl", "--context", self.context, *argv[1:]]
        return super().text(argv)


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    environment = fleet(exposure.environment)
    contexts = {c.name: c.context for c in environment.clusters}
    config = InCluster(tools, contexts.get(environment.config_cluster, environment.clusters[0].context))
    checks = [gateway_doctor.gateway_check(config, exposure)]
    for member in objects.clusters_of(exposure):
        checks.append(export_check(InCluster(tools, contexts[member]), exposure, member))
    checks.append(import_check(config, exposure))
    checks.append(gateway_doctor.route_check(config, exposure))
    checks.append(gateway_doctor.policies_check(config, exposure))
    checks += backend_checks(tools, exposure)
    return checks


def export_check(tools: Tools, exposure: Exposure, member: str) -> Check:
    service = exposure.service
    name, ns = service.name, service.namespace
    check = f"export:{member}"
    ok, svc = tools.json(["kubectl", "get", "svc", name, "-n", ns, "-o", "json"])
    if not ok or not isinstance(svc, dict):
        return Check(name, check, FAIL, f"Service {ns}/{name} not found in {member}: {svc}",
                     f"run pulumi up; namespace {ns} must exist in {member} (namespace sameness)")
    ports = [p for p in items(mapping(svc.get("spec")).get("ports")) if p.get("port") == service.port]
    expected = gw.app_protocol(service.protocol)
    if not ports or ports[0].get("appProtocol") != expected:
        found = ports[0].get("appProtocol", "unset") if ports else f"no port {service.port}"
        return Check(name, check, FAIL, f"port {service.port}: appProtocol {found}, expected {expected}",
                     "someone changed the Service: run pulumi up")
    ok, export = tools.json(["kubectl", "get", "serviceexport", name, "-n", ns, "-o", "json"])
    if not ok or not isinstance(export, dict):
        return Check(name, check, FAIL, f"ServiceExport {ns}/{name} not found in {member}: {export}",
                     "run pulumi up; the ServiceExport CRD exists once multi-cluster Services is enabled on the fleet")
    conditions = gateway_doctor.conditions_of(mapping(export.get("status")))
    # GKE reports Initialized and Exported; the upstream MCS API Valid and Ready (gke-behaviour.md#mcs-export-status).
    bad = gateway_doctor.not_true(conditions, tuple(t for t in EXPORTED if t in conditions) or ("Exported",))
    conflict = mapping(conditions.get("Conflict"))
    if conflict.get("status") == "True":
        bad.append(f"Conflict=True ({conflict.get('reason', '')}: {conflict.get('message', '')})")
    if bad:
        return Check(name, check, FAIL, "; ".join(bad),
                     "Conflict: the members' Services differ (ports, protocol): run pulumi up so each has iapgen's; "
                     "not Exported: the cluster is not a fleet member with multi-cluster Services, or the "
                     "controller lags (a few minutes after the first export)")
    return Check(name, check, PASS, f"Service port {service.port} appProtocol {expected}; ServiceExport Exported")


def import_check(tools: Tools, exposure: Exposure) -> Check:
    service = exposure.service
    name, ns = service.name, service.namespace
    ok, found = tools.json(["kubectl", "get", "serviceimport", name, "-n", ns, "-o", "json"])
    if not ok or not isinstance(found, dict):
        return Check(name, "import", FAIL, f"no ServiceImport {ns}/{name} in the config cluster: {found}",
                     "MCS makes it from the exports in the same namespace: see the export checks; namespace "
                     f"{ns} must exist in the config cluster too")
    ports = [p.get("port") for p in items(mapping(found.get("spec")).get("ports"))]
    if service.port not in ports:
        return Check(name, "import", FAIL, f"ServiceImport {ns}/{name} has ports {ports}, not {service.port}",
                     "the exports disagree or lag: see the export checks")
    return Check(name, "import", PASS, f"ServiceImport {ns}/{name} with port {service.port}")


def backend_checks(tools: Tools, exposure: Exposure) -> list[Check]:
    service, project = exposure.service, exposure.environment.project
    name = service.name
    ok, listed = tools.json(["gcloud", "compute", "backend-services", "list", "--global", "--project", project,
                             f"--filter=name~^{objects.BACKEND_PREFIX}", "--format=json"])
    mine = [b for b in items(listed) if objects.name_fits(str(b.get("name", "")), service.namespace, name,
                                                          service.port)] if ok else []
    if not mine:
        evidence = f"no {objects.BACKEND_PREFIX}... backend service fits {service.namespace}/{name} port " \
                   f"{service.port}" + ("" if ok else f": {listed}")
        return [Check(name, "health", FAIL, evidence, "the multi-cluster Gateway controller has not built it: see "
                      "the import, route and policies checks"), Check(name, "logging", SKIP, "no backend service")]
    backend = str(mine[0].get("name"))
    ok, health = tools.json(["gcloud", "compute", "backend-services", "get-health", backend, "--global", "--project",
                             project, "--format=json"])
    per_group: dict[str, list[str]] = {}
    for entry in items(health) if ok else []:
        group = str(entry.get("backend", "")).rsplit("/zones/", 1)[-1].replace("/networkEndpointGroups/", " ")
        for status in items(mapping(entry.get("status")).get("healthStatus")):
            per_group.setdefault(group, []).append(str(status.get("healthState")))
    unhealthy = [f"{group}: {states.count('HEALTHY')}/{len(states)} HEALTHY" for group, states in per_group.items()
                 if any(s != "HEALTHY" for s in states)]
    out = []
    if per_group and not unhealthy:
        out.append(Check(name, "health", PASS, f"{backend}: {len(per_group)} NEGs, every endpoint HEALTHY"))
    else:
        out.append(Check(name, "health", FAIL, f"{backend}: " + ("; ".join(unhealthy) or "no endpoint reported"),
                         f"see runbooks/{name}.md, 'The backend and its health, per member'"))
    out.append(_logging(tools, mine[0], project, name))
    return out


def _logging(tools: Tools, backend: dict[str, Any], project: str, name: str) -> Check:
    checks = [str(c) for c in backend.get("healthChecks") or []]
    if not checks:
        return Check(name, "logging", FAIL, f"{backend.get('name')} has no health check", "check the HealthCheckPolicy")
    check_name = checks[0].rsplit("/", 1)[-1]
    ok, check = tools.json(["gcloud", "compute", "health-checks", "describe", check_name, "--global", "--project",
                            project, "--format=json"])
    if ok and mapping(mapping(check).get("logConfig")).get("enable") is True:
        return Check(name, "logging", PASS, f"health check {check_name} logs state changes")
    return Check(name, "logging", FAIL, f"health check {check_name}: " + ("logging off" if ok else str(check)),
                 f"HealthCheckPolicy {gw.policy_name(name)} sets logConfig.enabled: true: run pulumi up")


