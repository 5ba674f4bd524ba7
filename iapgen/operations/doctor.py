"""`iapgen doctor`: check a live cluster and project against what iapgen deploys, and say what is wrong.

Read-only: it runs `kubectl get/exec` and `gcloud ... describe/list/get-health` with JSON output,
under the current kubectl context and gcloud account, and never changes anything. Per service:

1. annotations   the Service's GKE annotations equal what iapgen renders
2. neg-status    the controller wrote cloud.google.com/neg-status naming the Service port
3. svcneg        the ServiceNetworkEndpointGroup objects exist and are Initialized and Synced
4. endpoints     each NEG's endpoints are exactly the ready Pods' IP:targetPort
5. health        the load balancer sees every endpoint HEALTHY
6. logging       health-check logging is on
7. listen        the server listens on targetPort on all interfaces, not on 127.0.0.1

With `loadBalancer: standalone` the same checks read the objects the stack owns: the Service's one
`exposed_ports` annotation, the NEG by the name iapgen chose in every zone the spec lists, and the
backend service and health check of that name.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from iapgen.lint.checks import NEG_STATUS, values
from iapgen.spec import rules
from iapgen.spec.annotations import service_annotations, standalone_service_annotations
from iapgen.spec.exposure import Exposure

PASS, FAIL, SKIP = "pass", "fail", "skipped"
TIMEOUT = 60

# Values read from the cluster become arguments of gcloud and kubectl. Anyone who can annotate a Service
# could write `--impersonate-service-account=...` as a NEG name, so each must be what it claims to be
# (none of these can start with "-") before it reaches a command line.
GCE_NAME = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
ZONE = re.compile(r"[a-z]+(?:-[a-z]+[0-9]+)+-[a-z0-9]+")
POD_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")


class DoctorError(Exception):
    """The checks cannot run at all (no kubectl, no credentials); the message says how to fix it."""


@dataclass(frozen=True)
class Check:
    service: str
    check: str
    status: str
    evidence: str
    fix: str = ""


class Tools:
    """kubectl and gcloud, as subprocesses with JSON output."""

    def __init__(self, runner: Callable[[list[str]], subprocess.CompletedProcess[str]] | None = None):
        self.runner = runner or self._run

    @staticmethod
    def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        if shutil.which(argv[0]) is None:
            hint = "gcloud components install kubectl" if argv[0] == "kubectl" else "https://cloud.google.com/sdk"
            raise DoctorError(f"{argv[0]} is not on PATH; install it ({hint})")
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise DoctorError(f"`{' '.join(argv[:4])} ...` did not answer within {TIMEOUT}s") from None

    def text(self, argv: list[str]) -> tuple[bool, str]:
        done = self.runner(argv)
        return done.returncode == 0, (done.stdout if done.returncode == 0 else done.stderr).strip()

    def json(self, argv: list[str]) -> tuple[bool, Any]:
        ok, out = self.text(argv)
        if not ok:
            return False, out
        try:
            return True, json.loads(out or "null")
        except ValueError:
            return False, f"unreadable output from {argv[0]}: {out[:200]}"


def preflight(tools: Tools, project: str | None = None) -> str:
    """The kubectl context and gcloud account the checks run as; DoctorError when either is missing, or when
    the context is a GKE cluster of another project than the environment's (every check would mislead)."""
    ok, context = tools.text(["kubectl", "config", "current-context"])
    if not ok or not context:
        raise DoctorError(f"kubectl has no current context ({context or 'empty'}); run gcloud container clusters "
                          "get-credentials CLUSTER --region REGION --project PROJECT")
    parts = context.split("_")
    if project and len(parts) == 4 and parts[0] == "gke" and parts[1] != project:
        raise DoctorError(f"kubectl's context {context} is a cluster of project {parts[1]}, but this environment is "
                          f"in {project}: switch with kubectl config use-context (gke_{project}_...)")
    ok, accounts = tools.json(["gcloud", "auth", "list", "--filter=status:ACTIVE", "--format=json"])
    if not ok or not accounts:
        raise DoctorError("gcloud has no active account; run gcloud auth login")
    return f"kubectl context {context}, gcloud account {accounts[0].get('account', '?')}"


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    if exposure.gateway:
        from iapgen.operations import gateway_doctor  # it builds on this module's checks

        return gateway_doctor.diagnose(tools, exposure)
    service = exposure.service
    name, ns, project = service.name, service.namespace, exposure.environment.project
    checks: list[Check] = []

    def add(check: str, status: str, evidence: str, fix: str = "") -> None:
        checks.append(Check(name, check, status, evidence, fix))

    ok, svc = tools.json(["kubectl", "get", "svc", name, "-n", ns, "-o", "json"])
    if not ok or not isinstance(svc, dict):
        add("annotations", FAIL, f"Service {ns}/{name} not found: {svc}", "run pulumi up for this environment")
        for later in ("neg-status", "svcneg", "endpoints", "health", "logging", "listen"):
            add(later, SKIP, "no Service")
        return checks
    annotations = _mapping(_mapping(svc.get("metadata")).get("annotations"))
    expected = standalone_service_annotations(exposure) if exposure.standalone else service_annotations(exposure)
    wrong = [key for key, value in expected.items() if _json(annotations.get(key)) != json.loads(value)]
    if wrong:
        add("annotations", FAIL, "; ".join(f"{k} is {annotations.get(k)!r}" for k in wrong),
            f"someone changed them: run pulumi up (expected {expected})")
    elif exposure.standalone:
        add("annotations", PASS, f"neg exposes port {service.port} as NEG {exposure.neg_name}, as iapgen renders it")
    else:
        add("annotations", PASS, "app-protocols, neg and backend-config as iapgen renders them")

    status = _json(annotations.get(NEG_STATUS))
    groups = status.get("network_endpoint_groups") if isinstance(status, dict) else None
    neg = groups.get(str(service.port)) if isinstance(groups, dict) else None
    zones = [z for z in (status.get("zones") or []) if isinstance(z, str)] if isinstance(status, dict) else []
    bad = ([f"NEG name {_shown(neg)}"] if neg and not _is(GCE_NAME, neg) else []) + \
        [f"zone {_shown(z)}" for z in zones if not _is(ZONE, z)]
    if bad:
        add("neg-status", FAIL, f"{NEG_STATUS} names {', '.join(bad)}, which no GCE object can be called; "
            "iapgen passes none of it to gcloud", "the NEG controller never writes this: someone edited the "
            f"annotation; find who (kubectl get events -n {ns}) and delete the annotation so the controller rewrites "
            "it")
        neg = None
        for later in ("svcneg", "endpoints", "health", "logging"):
            add(later, SKIP, "neg-status is not trustworthy")
    elif not neg:
        add("neg-status", FAIL, "no cloud.google.com/neg-status for port "
            f"{service.port}: {annotations.get(NEG_STATUS, 'annotation missing')}",
            "NEGs appear once ready Pods match the selector "
            f"({exposure.selector_text}); check kubectl get pods -n {ns} and kubectl describe ingress -n {ns}")
        for later in ("svcneg", "endpoints", "health", "logging"):
            add(later, SKIP, "no NEG yet")
    elif exposure.standalone and (neg != exposure.neg_name or set(zones) != set(exposure.environment.zones or ())):
        listed = list(exposure.environment.zones or ())
        add("neg-status", FAIL, f"NEG {neg} in {', '.join(zones) or 'no zone yet'}; the backend service expects "
            f"{exposure.neg_name} in {', '.join(listed)}",
            "zones with Pods but not in the spec get no traffic; listed zones without a NEG have no nodes or Pods: "
            f"make environments.{exposure.env}.zones the cluster's node zones (kubectl get nodes -L "
            "topology.kubernetes.io/zone), then pulumi up")
    else:
        add("neg-status", PASS, f"NEG {neg} in {', '.join(zones) or 'no zone yet'}")
    pods = _ready_pods(tools, exposure)  # listed once: the endpoints and listen checks both read them
    if neg:
        checks += _negs(tools, exposure, neg, zones, project, pods)
    checks.append(_listen(tools, exposure, pods))
    return checks


Pods = tuple[bool, Any]  # (True, {pod IP: pod}) for the ready Pods, or (False, the error)


def _negs(tools: Tools, exposure: Exposure, neg: str, zones: list[str], project: str, pods: Pods) -> list[Check]:
    service = exposure.service
    name, ns = service.name, service.namespace
    out: list[Check] = []
    ok, found = tools.json(["kubectl", "get", "svcneg", "-n", ns, "-l", f"networking.gke.io/service-name={name}",
                            "-o", "json"])
    items = _items(found) if ok else []
    mine = [i for i in items if _mapping(i.get("metadata")).get("name") == neg]
    if not mine:
        out.append(Check(name, "svcneg", FAIL, f"no ServiceNetworkEndpointGroup {neg} in {ns}" +
                         ("" if ok else f": {found}"), "check the NEG controller: kubectl describe svc "
                         f"{name} -n {ns} (events)"))
    else:
        conditions = {c.get("type"): c for c in _items(_mapping(mine[0].get("status")).get("conditions"))}
        bad = [f"{t}={c.get('status')} ({c.get('reason', '')}: {c.get('message', '')})" for t, c in conditions.items()
               if t in ("Initialized", "Synced") and c.get("status") != "True"]
        missing = [t for t in ("Initialized", "Synced") if t not in conditions]
        if bad or missing:
            out.append(Check(name, "svcneg", FAIL, "; ".join(bad + [f"{t} missing" for t in missing]),
                             "the NEG controller cannot sync: read its message above (quota, subnet, "
                             "cluster not VPC-native)"))
        else:
            out.append(Check(name, "svcneg", PASS, f"{neg}: Initialized and Synced"))
    out.append(_endpoints(tools, exposure, neg, zones, project, pods))
    out.append(_health(tools, exposure, neg, project))
    ok, check = tools.json(["gcloud", "compute", "health-checks", "describe", neg, "--global", "--project", project,
                            "--format=json"])
    if not ok:
        out.append(Check(name, "logging", FAIL, f"health check {neg}: {check}", "run pulumi up; iapgen creates it "
                         "with the backend"))
    elif _mapping(_mapping(check).get("logConfig")).get("enable") is True:
        out.append(Check(name, "logging", PASS, f"health check {neg} logs state changes"))
    else:
        out.append(Check(name, "logging", FAIL, f"health check {neg} has logging off",
                         "run pulumi refresh and pulumi up: the stack declares it on" if exposure.standalone else
                         "run pulumi refresh and pulumi up: iapgen turns it back on"))
    return out


def _ready_pods(tools: Tools, exposure: Exposure) -> Pods:
    """(True, {pod IP: pod object}) for the ready Pods the Service selects, or (False, the error)."""
    ok, pods = tools.json(["kubectl", "get", "pods", "-n", exposure.service.namespace, "-l", exposure.selector_text,
                           "-o", "json"])
    if not ok:
        return False, pods
    ready = {}
    for pod in _items(pods):
        status = _mapping(pod.get("status"))
        conditions = {c.get("type"): c.get("status") for c in _items(status.get("conditions"))}
        if conditions.get("Ready") == "True" and isinstance(status.get("podIP"), str):
            ready[status["podIP"]] = pod
    return True, ready


def _endpoints(tools: Tools, exposure: Exposure, neg: str, zones: list[str], project: str, pods: Pods) -> Check:
    name, target = exposure.service.name, exposure.service.target_port
    ok, ready = pods
    if not ok:
        return Check(name, "endpoints", FAIL, f"cannot list Pods: {ready}", "check kubectl access to the namespace")
    endpoints: set[str] = set()
    for zone in zones:
        ok, listed = tools.json(["gcloud", "compute", "network-endpoint-groups", "list-network-endpoints", neg,
                                 "--zone", zone, "--project", project, "--format=json"])
        if not ok:
            return Check(name, "endpoints", FAIL, f"NEG {neg} in {zone}: {listed}", "check gcloud access to "
                         f"project {project}")
        for item in _items(listed):
            endpoint = _mapping(item.get("networkEndpoint"))
            endpoints.add(f"{endpoint.get('ipAddress')}:{endpoint.get('port')}")
    expected = {f"{ip}:{target}" for ip in ready}
    if endpoints == expected and expected:
        return Check(name, "endpoints", PASS, f"{len(expected)} endpoints = the ready Pods on :{target}")
    if not expected:
        return Check(name, "endpoints", FAIL, f"no ready Pod matches {exposure.selector_text}",
                     "fix the workload or the selector in services.yaml")
    return Check(name, "endpoints", FAIL, f"NEG has {sorted(endpoints - expected) or 'nothing extra'}, misses "
                 f"{sorted(expected - endpoints) or 'nothing'} (ready Pods on :{target})",
                 "endpoints on another port mean targetPort is wrong; missing ones, that the NEG controller lags "
                 "(kubectl describe svcneg)")


def _health(tools: Tools, exposure: Exposure, neg: str, project: str) -> Check:
    name = exposure.service.name
    ok, health = tools.json(["gcloud", "compute", "backend-services", "get-health", neg, "--global", "--project",
                             project, "--format=json"])
    if not ok:
        return Check(name, "health", FAIL, f"backend service {neg}: {health}", "run pulumi up; check the Ingress "
                     "events")
    states = [(s.get("ipAddress"), s.get("port"), s.get("healthState")) for entry in _items(health)
              for s in _items(_mapping(entry.get("status")).get("healthStatus"))]
    unhealthy = [f"{ip}:{port} {state}" for ip, port, state in states if state != "HEALTHY"]
    if states and not unhealthy:
        return Check(name, "health", PASS, f"{len(states)} endpoints HEALTHY")
    hc = exposure.service.health_check
    return Check(name, "health", FAIL, ", ".join(unhealthy) or "no endpoint reported",
                 f"the probe is {exposure.service.protocol} {hc.path} on :{exposure.service.target_port}; see "
                 f"runbooks/{name}.md (wrong protocol or port, a path without 200, localhost binding, firewall)")


SS_LINE = re.compile(r"(\S+):(\d+)\s")


def _listen(tools: Tools, exposure: Exposure, pods: Pods) -> Check:
    name, ns, target = exposure.service.name, exposure.service.namespace, exposure.service.target_port
    ok, ready = pods
    if not ok or not ready:
        return Check(name, "listen", SKIP, "no ready Pod to look inside")
    pod_object = min(ready.values(), key=lambda p: str(_mapping(p.get("metadata")).get("name")))
    pod = _mapping(pod_object.get("metadata")).get("name")
    if not _is(POD_NAME, pod):
        return Check(name, "listen", SKIP, f"the ready Pod's name {_shown(pod)} is not a Pod name; not passing it "
                     "to kubectl exec")
    assert isinstance(pod, str)
    for command in (["ss", "-ltn"], ["netstat", "-ltn"]):
        ok, out = tools.text(["kubectl", "exec", "-n", ns, pod, "--", *command])
        if ok:
            addresses = {m.group(1) for line in out.splitlines() for m in [SS_LINE.search(line)]
                         if m and m.group(2) == str(target)}
            if not addresses:
                return Check(name, "listen", FAIL, f"{pod}: nothing listens on :{target} ({' '.join(command)})",
                             f"the server listens elsewhere: set targetPort to its port, or start it on {target}")
            if {a.strip("[]") for a in addresses} <= set(values.LOOPBACK):
                return Check(name, "listen", FAIL, f"{pod} listens on {', '.join(sorted(addresses))}:{target} only",
                             f"bind the server to 0.0.0.0:{target}; probes reach the Pod IP")
            return Check(name, "listen", PASS, f"{pod} listens on {', '.join(sorted(addresses))}:{target}")
    return _listen_from_args(exposure, pod, pod_object)


def _listen_from_args(exposure: Exposure, pod: str, pod_object: dict[str, Any]) -> Check:
    """Without ss or netstat in the image, judge the bind address from the containers' args and env,
    with the same rule iapgen lint uses (LISTENS_ON_LOCALHOST)."""
    from iapgen.lint import checks

    name, target = exposure.service.name, exposure.service.target_port
    for container in checks.containers(_mapping(pod_object.get("spec"))):
        for _, setting, value in checks.bind_settings(container):
            _, port = values.split_host_port(value)
            if rules.decimal(port) not in (None, target):
                continue
            message = values.check_bind_address(setting, value, target)
            if message:
                return Check(name, "listen", FAIL, f"{pod} (no ss/netstat; from container {container.get('name')}'s "
                             f"args): {setting} {value}", f"bind the server to 0.0.0.0:{target}; probes reach the "
                             "Pod IP")
    return Check(name, "listen", SKIP, f"{pod} has neither ss nor netstat, and its args name no loopback bind "
                 "address; nothing more to see from outside")


def _is(pattern: re.Pattern[str], value: Any, limit: int = 253) -> bool:
    return isinstance(value, str) and len(value) <= limit and pattern.fullmatch(value) is not None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[dict[str, Any]]:
    """The dicts of a kubectl List (its items) or of a plain JSON list; nothing for anything else."""
    if isinstance(value, dict):
        value = value.get("items")
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _json(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None


def as_text(header: str, checks: list[Check]) -> str:
    lines = [f"iapgen doctor: {header}"]
    for c in checks:
        lines.append(f"{c.status.upper():8} {c.service}: {c.check}: {c.evidence}")
        if c.status == FAIL and c.fix:
            lines.append(f"{'':8} fix: {c.fix}")
    failed = sum(1 for c in checks if c.status == FAIL)
    lines.append(f"iapgen doctor: {len(checks)} checks, {failed} failed")
    return "\n".join(lines) + "\n"


def as_json(header: str, checks: list[Check]) -> str:
    return json.dumps({"target": header, "checks": [asdict(c) for c in checks]}, indent=2) + "\n"
