"""What every mode's `iapgen doctor` checks are made of: kubectl and gcloud as JSON, the Check they report, and
the checks of a Service behind NEGs that several modes share (iapgen/modes/<mode>/doctor.py put them together).

Read-only: it runs `kubectl get/exec` and `gcloud ... describe/list/get-health` with JSON output,
under the current kubectl context and gcloud account, and never changes anything. A Service behind NEGs
(`neg_service`):

1. annotations   the Service's GKE annotations equal what iapgen renders
2. neg-status    the controller wrote cloud.google.com/neg-status naming the Service port
3. svcneg        the ServiceNetworkEndpointGroup objects exist and are Initialized and Synced
4. endpoints     each NEG's endpoints are exactly the ready Pods' IP:targetPort
5. health        the load balancer sees every endpoint HEALTHY
6. logging       health-check logging is on
7. listen        the server listens on targetPort on all interfaces, not on 127.0.0.1

What differs by mode (the annotations, the NEG name and zones the backend expects, the fix for logging)
comes in as an `Expected`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iapgen.spec import rules
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


Pods = tuple[bool, Any]  # (True, {pod IP: pod}) for the ready Pods, or (False, the error)


@dataclass(frozen=True)
class Expected:
    """What a mode deploys for a Service behind NEGs, as the checks compare it."""

    annotations: dict[str, str]
    annotations_ok: str
    """The evidence when the live annotations are the expected ones."""
    neg: str | None = None
    """The NEG the backend service names (standalone: chosen by iapgen), else None (the controller names it)."""
    zones: tuple[str, ...] = ()
    """With `neg`: the zones the backend service expects it in."""
    logging_fix: str = "run pulumi refresh and pulumi up: iapgen turns it back on"


def neg_service(tools: Tools, exposure: Exposure, expected_by_mode: Expected) -> list[Check]:
    """annotations, neg-status, svcneg, endpoints, health, logging and listen of one Service behind NEGs."""
    from iapgen.lint.checks import NEG_STATUS  # the lint rules load when a doctor runs, not with every mode

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
    annotations = mapping(mapping(svc.get("metadata")).get("annotations"))
    expected = expected_by_mode.annotations
    wrong = [key for key, value in expected.items() if parse_json(annotations.get(key)) != json.loads(value)]
    if wrong:
        add("annotations", FAIL, "; ".join(f"{k} is {annotations.get(k)!r}" for k in wrong),
            f"someone changed them: run pulumi up (expected {expected})")
    else:
        add("annotations", PASS, expected_by_mode.annotations_ok)

    status = parse_json(annotations.get(NEG_STATUS))
    groups = status.get("network_endpoint_groups") if isinstance(status, dict) else None
    neg = groups.get(str(service.port)) if isinstance(groups, dict) else None
    zones = [z for z in (status.get("zones") or []) if isinstance(z, str)] if isinstance(status, dict) else []
    bad = ([f"NEG name {shown(neg)}"] if neg and not matches(GCE_NAME, neg) else []) + \
        [f"zone {shown(z)}" for z in zones if not matches(ZONE, z)]
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
    elif expected_by_mode.neg is not None and (neg != expected_by_mode.neg
                                               or set(zones) != set(expected_by_mode.zones)):
        listed = list(expected_by_mode.zones)
        add("neg-status", FAIL, f"NEG {neg} in {', '.join(zones) or 'no zone yet'}; the backend service expects "
            f"{expected_by_mode.neg} in {', '.join(listed)}",
            "zones with Pods but not in the spec get no traffic; listed zones without a NEG have no nodes or Pods: "
            f"make environments.{exposure.env}.zones the cluster's node zones (kubectl get nodes -L "
            "topology.kubernetes.io/zone), then pulumi up")
    else:
        add("neg-status", PASS, f"NEG {neg} in {', '.join(zones) or 'no zone yet'}")
    pods = ready_pods(tools, exposure)  # listed once: the endpoints and listen checks both read them
    if neg:
        checks += neg_checks(tools, exposure, neg, zones, project, pods, expected_by_mode.logging_fix)
    checks.append(listen(tools, exposure, pods))
    return checks




def neg_checks(tools: Tools, exposure: Exposure, neg: str, zones: list[str], project: str, pods: Pods,
               logging_fix: str) -> list[Check]:
    service = exposure.service
    name, ns = service.name, service.namespace
    out: list[Check] = []
    ok, found = tools.json(["kubectl", "get", "svcneg", "-n", ns, "-l", f"networking.gke.io/service-name={name}",
                            "-o", "json"])
    listed = items(found) if ok else []
    mine = [i for i in listed if mapping(i.get("metadata")).get("name") == neg]
    if not mine:
        out.append(Check(name, "svcneg", FAIL, f"no ServiceNetworkEndpointGroup {neg} in {ns}" +
                         ("" if ok else f": {found}"), "check the NEG controller: kubectl describe svc "
                         f"{name} -n {ns} (events)"))
    else:
        conditions = {c.get("type"): c for c in items(mapping(mine[0].get("status")).get("conditions"))}
        bad = [f"{t}={c.get('status')} ({c.get('reason', '')}: {c.get('message', '')})" for t, c in conditions.items()
               if t in ("Initialized", "Synced") and c.get("status") != "True"]
        missing = [t for t in ("Initialized", "Synced") if t not in conditions]
        if bad or missing:
            out.append(Check(name, "svcneg", FAIL, "; ".join(bad + [f"{t} missing" for t in missing]),
                             "the NEG controller cannot sync: read its message above (quota, subnet, "
                             "cluster not VPC-native)"))
        else:
            out.append(Check(name, "svcneg", PASS, f"{neg}: Initialized and Synced"))
    out.append(endpoints(tools, exposure, neg, zones, project, pods))
    out.append(health(tools, exposure, neg, project))
    ok, check = tools.json(["gcloud", "compute", "health-checks", "describe", neg, "--global", "--project", project,
                            "--format=json"])
    if not ok:
        out.append(Check(name, "logging", FAIL, f"health check {neg}: {check}", "run pulumi up; iapgen creates it "
                         "with the backend"))
    elif mapping(mapping(check).get("logConfig")).get("enable") is True:
        out.append(Check(name, "logging", PASS, f"health check {neg} logs state changes"))
    else:
        out.append(Check(name, "logging", FAIL, f"health check {neg} has logging off", logging_fix))
    return out


def ready_pods(tools: Tools, exposure: Exposure) -> Pods:
    """(True, {pod IP: pod object}) for the ready Pods the Service selects, or (False, the error)."""
    ok, pods = tools.json(["kubectl", "get", "pods", "-n", exposure.service.namespace, "-l", exposure.selector_text,
                           "-o", "json"])
    if not ok:
        return False, pods
    ready = {}
    for pod in items(pods):
        status = mapping(pod.get("status"))
        conditions = {c.get("type"): c.get("status") for c in items(status.get("conditions"))}
        if conditions.get("Ready") == "True" and isinstance(status.get("podIP"), str):
            ready[status["podIP"]] = pod
    return True, ready


def endpoints(tools: Tools, exposure: Exposure, neg: str, zones: list[str], project: str, pods: Pods) -> Check:
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
        for item in items(listed):
            endpoint = mapping(item.get("networkEndpoint"))
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


def health(tools: Tools, exposure: Exposure, neg: str, project: str) -> Check:
    name = exposure.service.name
    ok, health = tools.json(["gcloud", "compute", "backend-services", "get-health", neg, "--global", "--project",
                             project, "--format=json"])
    if not ok:
        return Check(name, "health", FAIL, f"backend service {neg}: {health}", "run pulumi up; check the Ingress "
                     "events")
    states = [(s.get("ipAddress"), s.get("port"), s.get("healthState")) for entry in items(health)
              for s in items(mapping(entry.get("status")).get("healthStatus"))]
    unhealthy = [f"{ip}:{port} {state}" for ip, port, state in states if state != "HEALTHY"]
    if states and not unhealthy:
        return Check(name, "health", PASS, f"{len(states)} endpoints HEALTHY")
    hc = exposure.service.health_check
    return Check(name, "health", FAIL, ", ".join(unhealthy) or "no endpoint reported",
                 f"the probe is {exposure.service.protocol} {hc.path} on :{exposure.service.target_port}; see "
                 f"runbooks/{name}.md (wrong protocol or port, a path without 200, localhost binding, firewall)")


SS_LINE = re.compile(r"(\S+):(\d+)\s")


def listen(tools: Tools, exposure: Exposure, pods: Pods) -> Check:
    from iapgen.lint.checks import values

    name, ns, target = exposure.service.name, exposure.service.namespace, exposure.service.target_port
    ok, ready = pods
    if not ok or not ready:
        return Check(name, "listen", SKIP, "no ready Pod to look inside")
    pod_object = min(ready.values(), key=lambda p: str(mapping(p.get("metadata")).get("name")))
    pod = mapping(pod_object.get("metadata")).get("name")
    if not matches(POD_NAME, pod):
        return Check(name, "listen", SKIP, f"the ready Pod's name {shown(pod)} is not a Pod name; not passing it "
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
    return listen_from_args(exposure, pod, pod_object)


def listen_from_args(exposure: Exposure, pod: str, pod_object: dict[str, Any]) -> Check:
    """Without ss or netstat in the image, judge the bind address from the containers' args and env,
    with the same rule iapgen lint uses (LISTENS_ON_LOCALHOST)."""
    from iapgen.lint import checks
    from iapgen.lint.checks import values

    name, target = exposure.service.name, exposure.service.target_port
    for container in checks.containers(mapping(pod_object.get("spec"))):
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


def matches(pattern: re.Pattern[str], value: Any, limit: int = 253) -> bool:
    return isinstance(value, str) and len(value) <= limit and pattern.fullmatch(value) is not None


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    """The dicts of a kubectl List (its items) or of a plain JSON list; nothing for anything else."""
    if isinstance(value, dict):
        value = value.get("items")
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def parse_json(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None


