"""GKE Gateway rules: HealthCheckPolicy and GCPBackendPolicy against the Service they target, HTTPRoute
backendRefs against the Service's ports, and routes against the allowedRoutes of the Gateway they attach to.

What GKE does with these objects is in docs/gke-behaviour.md ("GKE Gateway"): a policy lives in its
Service's namespace and targets it by name; the health check probes the Pod IP like any NEG health check;
only the oldest GCPBackendPolicy on a Service applies; a route attaches only where a listener admits its
namespace.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from iapgen.errors import show
from iapgen.lint.checks import examples_gateway as gateway_examples
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.checks.objects import ServicePort, as_dict, as_int, joined, pod_ports, service_ports
from iapgen.lint.manifests import Obj
from iapgen.spec import rules
from iapgen.spec.gateway import (  # also registers the gateway spec rules
    HC_PATH_GATEWAY,
    check_policy_path,
)
from iapgen.spec.rulebook import WARNING, Rule
from iapgen.spec.rules import HC_PATH, HC_PORT_NOT_TARGET, HC_PROTOCOL_MISMATCH, HC_RANGE, HC_TIMEOUT_GT_INTERVAL

POLICY_KINDS = ("HealthCheckPolicy", "GCPBackendPolicy")
HC_BLOCKS = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck",
             "TCP": "tcpHealthCheck", "GRPC": "grpcHealthCheck"}
# HealthCheckPolicy's own defaults (its CRD): 5 s interval and timeout.
HCP_DEFAULT_SECONDS = 5
SAMPLE_RATE_MAX = 1_000_000

POLICY_TARGET_NOT_FOUND = Rule(
    "POLICY_TARGET_NOT_FOUND", "A HealthCheckPolicy or GCPBackendPolicy must target a Service (group \"\", kind "
    "Service) in its own namespace.",
    source="gke-behaviour.md#healthcheckpolicy, gke-behaviour.md#gcpbackendpolicy-iap",
    why="GKE ignores the policy.", fix="Target a Service (group \"\", kind Service) in its namespace.",
    examples=gateway_examples.POLICY_TARGET_NOT_FOUND)
BACKEND_POLICY_DUPLICATE = Rule(
    "BACKEND_POLICY_DUPLICATE", "Only one GCPBackendPolicy applies to a Service: the oldest; the others are "
    "ignored.",
    source="gke-behaviour.md#gcpbackendpolicy-iap",
    why="GKE applies only the oldest policy.", fix="Merge the policies into one per Service.",
    examples=gateway_examples.BACKEND_POLICY_DUPLICATE)
HC_PORT_SPECIFICATION = Rule(
    "HC_PORT_SPECIFICATION", "HealthCheckPolicy: port and portName only with USE_FIXED_PORT / USE_NAMED_PORT, "
    "never with USE_SERVING_PORT or no portSpecification.",
    source="gke-behaviour.md#healthcheckpolicy, gke-behaviour.md#healthcheckpolicy-port-without-specification",
    why="The API server rejects the policy.", fix="Use USE_FIXED_PORT with the container port.",
    lint_severity="A warning for a port set with portSpecification omitted: the newest open-source "
    "HealthCheckPolicy CRD rejects that form, but GKE's own documentation examples use it and clusters whose "
    "installed CRD predates the rule accept it (gke-behaviour.md#healthcheckpolicy-port-without-specification). "
    "A port with an explicit USE_SERVING_PORT stays an error.",
    examples=gateway_examples.HC_PORT_SPECIFICATION)


@HC_PORT_SPECIFICATION.check
def check_port_specification(specification: object, has_port: bool, has_port_name: bool) -> str | None:
    """The CRD's CEL rules, with why it matters for NEG backends."""
    if specification is None and has_port and not has_port_name:
        return ("port is set with no portSpecification: GKE's own examples use this form and clusters whose "
                "HealthCheckPolicy CRD predates the rule accept it, but the current CRD rejects it ('port and portName "
                "must be unset for portSpecification being USE_SERVING_PORT (which is the default)') on clusters that "
                "have it: write portSpecification: USE_FIXED_PORT with the port")
    if specification in (None, "USE_SERVING_PORT") and (has_port or has_port_name):
        field = "port" if has_port else "portName"
        said = "no portSpecification (USE_SERVING_PORT)" if specification is None else "USE_SERVING_PORT"
        return (f"{field} is set with {said}; the API server rejects it ('port and portName must be unset for "
                "portSpecification being USE_SERVING_PORT'): set portSpecification: USE_FIXED_PORT with the "
                "container port, or drop the port to probe each endpoint's serving port")
    if specification == "USE_FIXED_PORT" and (not has_port or has_port_name):
        return ("USE_FIXED_PORT needs port (the container port) and no portName; the API server rejects it "
                "otherwise")
    if specification == "USE_NAMED_PORT":
        return ("USE_NAMED_PORT names an instance-group port; Gateway backends are NEGs, which have no named "
                "ports: use USE_FIXED_PORT with the container port, or USE_SERVING_PORT")
    return None


HC_POLICY_CONFIG = Rule(
    "HC_POLICY_CONFIG", "HealthCheckPolicy config: a type and exactly the one block for that type (httpHealthCheck "
    "for HTTP, ...).",
    source="gke-behaviour.md#healthcheckpolicy",
    why="The API server rejects the policy.", fix="Set config.type and only the matching block.",
    examples=gateway_examples.HC_POLICY_CONFIG)


@HC_POLICY_CONFIG.check
def check_policy_config(config: dict[str, Any]) -> str | None:
    blocks = [key for key in config if key != "type"]
    hc_type = config.get("type")
    if hc_type is None:
        return (f"config has no type; the API server requires type plus one block (e.g. type: HTTPS with "
                f"httpsHealthCheck){': here ' + ', '.join(map(str, blocks)) if blocks else ''}")
    wanted = HC_BLOCKS.get(str(hc_type))
    if wanted is None:
        return f"config.type {show(hc_type)} must be one of {', '.join(HC_BLOCKS)}"
    if blocks != [wanted]:
        found = ", ".join(map(str, blocks)) or "none"
        return (f"type {hc_type} needs exactly {wanted} (found: {found}); the API server rejects it ('{wanted} "
                f"must be specified for type {hc_type}')")
    return None


BACKEND_POLICY_SAMPLE_RATE = Rule(
    "BACKEND_POLICY_SAMPLE_RATE", "GCPBackendPolicy logging.sampleRate is an integer from 0 to 1000000 (parts per "
    "million).",
    source="gke-behaviour.md#gcpbackendpolicy-iap",
    why="It counts parts per million: 0.5 is not the 50% it looks like.", fix="Write 500000 for 50%.",
    examples=gateway_examples.BACKEND_POLICY_SAMPLE_RATE)


@BACKEND_POLICY_SAMPLE_RATE.check
def check_policy_sample_rate(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SAMPLE_RATE_MAX:
        return None
    hint = ""
    if isinstance(value, float) and 0 <= value <= 1:
        hint = f" (a fraction is BackendConfig's form; here {value} is {int(value * SAMPLE_RATE_MAX)})"
    return (f"logging.sampleRate {show(value)} must be an integer from 0 to {SAMPLE_RATE_MAX}, the share of "
            f"requests logged in parts per million{hint}")


def _target(ctx: Context, policy: Obj, report: Report) -> Obj | None:
    """The Service a policy targets, reporting a targetRef GKE cannot follow."""
    ref = as_dict(policy.spec.get("targetRef"))
    loc = ("spec", "targetRef")
    kind, group, name = ref.get("kind"), ref.get("group"), ref.get("name")
    if kind != "Service" or group not in ("", None) or not isinstance(name, str):
        if kind == "Service" and group not in ("", None):
            report.add(policy, (*loc, "group"), POLICY_TARGET_NOT_FOUND,
                       f"targetRef group {show(group)} is not the core group: a Service is {{group: \"\", kind: "
                       "Service}}, so the policy attaches to nothing")
        return None  # ServiceImport (multi-cluster) and others: not judged here
    namespace = ref.get("namespace")
    if isinstance(namespace, str) and namespace != policy.namespace:
        report.add(policy, (*loc, "namespace"), POLICY_TARGET_NOT_FOUND,
                   f"targets Service {namespace}/{name} from namespace {policy.namespace}; GKE applies a "
                   f"{policy.kind} only to a Service in its own namespace: create the policy in {namespace}")
        return None
    found = ctx.find("Service", policy.namespace, name, near=policy)
    if found is not None:
        return found
    other = ctx.elsewhere("Service", policy.namespace, name, near=policy)
    near = ctx.similar("Service", policy.namespace, name, near=policy)
    if other:
        report.add(policy, (*loc, "name"), POLICY_TARGET_NOT_FOUND,
                   f"targets Service {name!r}, which is in namespace {other[0].namespace}, not {policy.namespace}; "
                   f"a {policy.kind} must live in its Service's namespace")
    elif near is not None and near.file == policy.file:
        report.add(policy, (*loc, "name"), POLICY_TARGET_NOT_FOUND,
                   f"targets Service {name!r}, which is not in {policy.namespace}; did you mean {near.name!r}?")
    return None


@linter("HealthCheckPolicy")
def lint_health_check_policy(ctx: Context, policy: Obj, report: Report) -> None:
    svc = _target(ctx, policy, report)
    default = as_dict(policy.spec.get("default"))
    config = as_dict(default.get("config"))
    if "config" in default:
        message = check_policy_config(config)
        if message:
            report.add(policy, ("spec", "default", "config"), HC_POLICY_CONFIG, message)
    hc_type = config.get("type", "HTTP")
    block_name = HC_BLOCKS.get(str(hc_type))
    block = as_dict(config.get(block_name)) if block_name else {}
    block_loc = ("spec", "default", "config", block_name or "type")
    if block_name and block_name in config:
        message = check_port_specification(block.get("portSpecification"), "port" in block, "portName" in block)
        if message:
            # port alone: a warning (gke-behaviour.md#healthcheckpolicy-port-without-specification)
            alone = "portSpecification" not in block and "portName" not in block
            report.add(policy, (*block_loc, "portSpecification" if "portSpecification" in block else "port"),
                       HC_PORT_SPECIFICATION, message, severity=WARNING if alone else None)
        if "requestPath" in block:
            message = rules.check_hc_path(str(block["requestPath"]))
            if message:
                report.add(policy, (*block_loc, "requestPath"), HC_PATH, f"requestPath {message}")
            elif (message := check_policy_path(str(block["requestPath"]))):
                report.add(policy, (*block_loc, "requestPath"), HC_PATH_GATEWAY, f"requestPath {message}")
    _lint_timings(policy, default, report)
    if svc is None:
        return
    for port in _served_ports(svc):
        spoken = _gateway_protocol(port)
        fixed = as_int(block.get("port")) if block.get("portSpecification", "USE_FIXED_PORT") == "USE_FIXED_PORT" \
            else None
        target = port.target if isinstance(port.target, int) else ctx.named_port(svc, port.target)
        if fixed is not None and port.port is not None and target is not None:
            _lint_fixed_port(ctx, policy, svc, fixed, port, target, (*block_loc, "port"), report)
        if spoken is not None and hc_type in rules.PROTOCOLS and (fixed is None or fixed == target):
            mismatch = rules.check_hc_protocol(str(hc_type), spoken)
            if mismatch:
                report.add(policy, ("spec", "default", "config", "type"), HC_PROTOCOL_MISMATCH,
                           f"config.type {mismatch} (per {svc.ref} port {port.name or port.port}, appProtocol "
                           f"{port.app_protocol or 'unset: HTTP'})")


def _lint_timings(policy: Obj, default: dict[str, Any], report: Report) -> None:
    for key, kind in (("checkIntervalSec", "seconds"), ("timeoutSec", "seconds"), ("healthyThreshold", "threshold"),
                      ("unhealthyThreshold", "threshold")):
        if key in default:
            number = as_int(default[key])
            message = rules.check_hc_range(kind, number) if number is not None else \
                f"{show(default[key])} is not an integer"
            if message:
                report.add(policy, ("spec", "default", key), HC_RANGE, f"{key} {message}")
    timeout = as_int(default.get("timeoutSec", HCP_DEFAULT_SECONDS))
    interval = as_int(default.get("checkIntervalSec", HCP_DEFAULT_SECONDS))
    if timeout is not None and interval is not None:
        message = rules.check_hc_timeout(timeout, interval)
        if message:
            unset = " (the unset one is HealthCheckPolicy's default, 5)" if \
                {"timeoutSec", "checkIntervalSec"} - set(default) else ""
            where = "timeoutSec" if "timeoutSec" in default else "checkIntervalSec"
            report.add(policy, ("spec", "default", where), HC_TIMEOUT_GT_INTERVAL, message + unset)


def _lint_fixed_port(ctx: Context, policy: Obj, svc: Obj, fixed: int, port: ServicePort, target: int,
                     loc: tuple[Any, ...], report: Report) -> None:
    assert port.port is not None
    if fixed == port.port and fixed != target:
        report.add(policy, loc, HC_PORT_NOT_TARGET,
                   f"port {rules.check_hc_port(fixed, port.port, target)} ({svc.ref})")
    elif fixed != target:
        declared = {as_int(p.get("containerPort")) for _, pod, _ in ctx.workloads_for(svc) for p in pod_ports(pod)}
        if declared and fixed not in declared:
            report.add(policy, loc, HC_PORT_NOT_TARGET,
                       f"port {fixed} is no containerPort of the Pods behind {svc.ref} (declared: "
                       f"{joined(declared)}); the probe reaches the Pod IP: use {target}", severity=WARNING)


def _served_ports(svc: Obj) -> list[ServicePort]:
    """The Service ports a policy configures: all of them (a policy targets the whole Service)."""
    return [p for p in service_ports(svc) if p.port is not None]


def _gateway_protocol(port: ServicePort) -> str | None:
    """The protocol GKE Gateway speaks to a Service port, from its appProtocol (gateway-backend-app-protocol);
    None for values iapgen does not judge (h2c, gRPC, vendor prefixes)."""
    value = (port.app_protocol or "HTTP").upper()
    return value if value in rules.PROTOCOLS else None


@linter("GCPBackendPolicy")
def lint_backend_policy(ctx: Context, policy: Obj, report: Report) -> None:
    svc = _target(ctx, policy, report)
    logging = as_dict(as_dict(policy.spec.get("default")).get("logging"))
    if "sampleRate" in logging:
        message = check_policy_sample_rate(logging["sampleRate"])
        if message:
            report.add(policy, ("spec", "default", "logging", "sampleRate"), BACKEND_POLICY_SAMPLE_RATE, message)
    if svc is None:
        return
    rivals = [p for p in ctx.index('backend_policies', backend_policies).get(id(svc), []) if p is not policy]
    if rivals:
        first = min([policy, *rivals], key=_age)
        if first is not policy:
            report.add(policy, ("spec", "targetRef"), BACKEND_POLICY_DUPLICATE,
                       f"{first.ref} already targets {svc.ref}; GKE applies only the oldest GCPBackendPolicy of a "
                       "Service and marks the others Conflicted: merge their settings into one policy")


def _age(policy: Obj) -> tuple[str, str, int]:
    """Older first: by creationTimestamp when read from a cluster, else by position in the input."""
    created = str(policy.metadata.get("creationTimestamp") or "~")
    return created, policy.file, policy.line()


def backend_policies(ctx: Context) -> dict[int, list[Obj]]:
    """Service id -> the GCPBackendPolicies that target it (resolved once per run)."""
    found: dict[int, list[Obj]] = defaultdict(list)
    for policy in ctx.by_kind.get("GCPBackendPolicy", []):
        ref = as_dict(policy.spec.get("targetRef"))
        if ref.get("kind") != "Service" or ref.get("group") not in ("", None):
            continue
        if isinstance(ref.get("namespace"), str) and ref["namespace"] != policy.namespace:
            continue
        svc = ctx.find("Service", policy.namespace, str(ref.get("name")), near=policy)
        if svc is not None:
            found[id(svc)].append(policy)
    return found
