"""BackendConfig rules: the health check against the Services that use it, IAP and other features."""

from __future__ import annotations

import difflib
from typing import Any

from iapgen.errors import show
from iapgen.examplekit import backend_config, service_manifest
from iapgen.lint.checks import values
from iapgen.lint.checks.context import (
    Context,
    Report,
    linter,
)
from iapgen.lint.checks.gateway_paths import only_routes_reach
from iapgen.lint.checks.objects import (
    HC_FIELDS,
    IG_DEFAULT_INTERVAL,
    IG_DEFAULT_TIMEOUT,
    NEG_DEFAULT_INTERVAL,
    NEG_DEFAULT_TIMEOUT,
    ServicePort,
    as_dict,
    as_int,
    container_ports,
    containers,
    intended_protocols,
    joined,
    neg_for_ingress,
    service_ports,
)
from iapgen.lint.checks.values import BACKENDCONFIG_RANGE, HC_LOGGING_FIELD, LOGGING_SAMPLE_RATE
from iapgen.lint.manifests import Obj
from iapgen.spec import rules
from iapgen.spec.rulebook import Example, Rule
from iapgen.spec.rules import (
    HC_PATH,
    HC_PORT_NOT_TARGET,
    HC_PROTOCOL_MISMATCH,
    HC_RANGE,
    HC_TIMEOUT_GT_INTERVAL,
    PROTOCOL_INVALID,
    WARNING,
)

HC_PORT_INSTANCE_GROUP = Rule(
    "HC_PORT_INSTANCE_GROUP", "With instance-group backends the health-check port must be reachable on the node.",
    source="gke-behaviour.md#hc-port-container-port", severity=WARNING,
    why="Instance-group probes reach the node, not the Pod; a port nothing listens on there fails.",
    fix="Probe the nodePort, or switch the Service to NEGs.",
    examples=[Example(
        "manifest", service_manifest("    cloud.google.com/backend-config: '{\"default\": \"web\"}'", kind="NodePort",
                                     ports="  - {name: http, port: 80, targetPort: 8080, nodePort: 30080}\n")
        + "---\n" + backend_config("  healthCheck: {port: 8080}\n"),
        service_manifest("    cloud.google.com/backend-config: '{\"default\": \"web\"}'", kind="NodePort",
                         ports="  - {name: http, port: 80, targetPort: 8080, nodePort: 30080}\n")
        + "---\n" + backend_config("  healthCheck: {port: 30080}\n"))])

IAP_AND_CDN = Rule(
    "IAP_AND_CDN", "IAP and Cloud CDN cannot both be enabled on one backend.",
    source="gke-behaviour.md#iap-and-cdn-exclusive",
    why="The controller rejects a backend with both.", fix="Turn off one of them.",
    examples=[Example("manifest", backend_config("  iap: {enabled: true}\n  cdn: {enabled: true}\n"),
                            backend_config("  iap: {enabled: true}\n"))])

IAP_OAUTH_CREDENTIALS = Rule(
    "IAP_OAUTH_CREDENTIALS", "oauthclientCredentials needs secretName; the Secret needs client_id and "
    "client_secret.",
    source="gke-behaviour.md#iap-oauth-client, gke-behaviour.md#backendconfig-fields",
    why="The controller cannot turn IAP on without the client's credentials.",
    fix="Spell oauthclientCredentials, and give secretName of a Secret with client_id and client_secret.",
    examples=[Example(
        "manifest", backend_config("  iap:\n    enabled: true\n    oauthClientCredentials: {secretName: web-oauth}\n"),
        backend_config("  iap:\n    enabled: true\n    oauthclientCredentials: {secretName: web-oauth}\n"))])

HC_UNKNOWN_FIELD = Rule(
    "HC_UNKNOWN_FIELD", "BackendConfig healthCheck fields are checkIntervalSec, timeoutSec, healthyThreshold, "
    "unhealthyThreshold, type, requestPath, port.",
    source="gke-behaviour.md#backendconfig-fields", severity=WARNING,
    why="The controller ignores a field it does not know, so the setting never applies.",
    fix="Use the field names the summary lists (e.g. type, not protocol).",
    examples=[Example("manifest", backend_config("  healthCheck: {protocol: HTTP, requestPath: /healthz}\n"),
                                 backend_config("  healthCheck: {type: HTTP, requestPath: /healthz}\n"))])


@linter("BackendConfig")
def lint_backend_config(ctx: Context, bc: Obj, report: Report) -> None:
    spec = bc.spec
    hc = as_dict(spec.get("healthCheck"))
    users = ctx.services_using(bc)
    for key in hc:
        message = values.check_hc_logging_field(str(key))
        if message:
            report.add(bc, ("spec", "healthCheck", key), HC_LOGGING_FIELD, message)
        elif key not in HC_FIELDS:
            close = difflib.get_close_matches(str(key), HC_FIELDS, n=1)
            hint = f"; did you mean {close[0]}?" if close else (
                "; the probe protocol is healthCheck.type" if key == "protocol" else "")
            report.add(bc, ("spec", "healthCheck", key), HC_UNKNOWN_FIELD,
                       f"healthCheck.{key} is not a BackendConfig field: kubectl --validate=strict rejects it, "
                       f"otherwise it is dropped{hint}")
    if "type" in hc:
        message = rules.check_protocol(str(hc["type"]))
        if message:
            report.add(bc, ("spec", "healthCheck", "type"), PROTOCOL_INVALID, f"healthCheck.type: {message}")
        else:
            for svc, port in users:
                if only_routes_reach(ctx, svc) is not None:
                    continue  # GKE Gateway ignores the BackendConfig: GATEWAY_INGRESS_SETTING says so
                if as_int(hc.get("port")) not in (None, port.target, ctx.named_port(svc, port.target)):
                    continue  # probing another port (a health-check sidecar) may use another protocol
                spoken = _protocol_of(svc, port)
                if spoken not in rules.PROTOCOLS:
                    continue  # PROTOCOL_INVALID reports the Service's annotation
                mismatch = rules.check_hc_protocol(str(hc["type"]), spoken)
                if mismatch:
                    report.add(bc, ("spec", "healthCheck", "type"), HC_PROTOCOL_MISMATCH,
                               f"healthCheck.type {mismatch} (per {svc.ref} port {port.name or port.port})")
    for key, kind in (("checkIntervalSec", "seconds"), ("timeoutSec", "seconds"), ("healthyThreshold", "threshold"),
                      ("unhealthyThreshold", "threshold")):
        value = hc.get(key)
        if value is not None:
            number = as_int(value)
            message = rules.check_hc_range(kind, number) if number is not None else f"{show(value)} is not an integer"
            if message:
                report.add(bc, ("spec", "healthCheck", key), HC_RANGE, f"healthCheck.{key} {message}")
    _lint_hc_timeout(ctx, bc, hc, users, report)
    if "requestPath" in hc:
        message = rules.check_hc_path(str(hc["requestPath"]))
        if message:
            report.add(bc, ("spec", "healthCheck", "requestPath"), HC_PATH, f"healthCheck.requestPath {message}")
    if as_int(hc.get("port")) is not None:
        _lint_hc_port(ctx, bc, int(hc["port"]), users, report)
    _lint_backend_features(ctx, bc, spec, report)


def _protocol_of(svc: Obj, port: ServicePort) -> str:
    value = intended_protocols(svc).get(port.index)
    return value if isinstance(value, str) else "HTTP"


def _lint_hc_timeout(ctx: Context, bc: Obj, hc: dict[str, Any], users: list[tuple[Obj, ServicePort]],
                     report: Report) -> None:
    """timeoutSec above checkIntervalSec, counting the controller's default for the one that is not set."""
    timeout = as_int(hc.get("timeoutSec"))
    interval = as_int(hc.get("checkIntervalSec"))
    negs = {neg_for_ingress(svc) for svc, _ in users}
    if timeout is not None and interval is None:
        # The controller's default interval: 15 s for NEG backends, 60 s for instance groups.
        interval = NEG_DEFAULT_INTERVAL if negs and negs <= {True, None} else IG_DEFAULT_INTERVAL
        message = rules.check_hc_timeout(timeout, interval)
        if message:
            report.add(bc, ("spec", "healthCheck", "timeoutSec"), HC_TIMEOUT_GT_INTERVAL,
                       message + " (checkIntervalSec is not set: that is GKE's default)")
    elif interval is not None and timeout is None:
        # The controller keeps its own default timeout (gke-behaviour.md#hc-controller-defaults): 15 s with NEGs,
        # 60 s with instance groups. Below 15 s it fails either way; between, only on instance groups, which lint
        # only infers (GKE may add NEGs to the Service itself), so that is a warning.
        ig_only = bool(negs) and negs == {False}
        default, kind = (IG_DEFAULT_TIMEOUT, "instance-group") if ig_only else (NEG_DEFAULT_TIMEOUT, "NEG")
        probed = [probe_timeout(ctx, svc, port) for svc, port in users]
        longest = max((t for t in probed if t is not None), default=None)
        if users and None not in probed and longest is not None and longest <= interval < default:
            # Every backend's Pods have an HTTP readinessProbe on the serving port: a health check created with it
            # takes the probe's timeoutSeconds (gke-behaviour.md#hc-readiness-probe-timeout), so it syncs.
            report.add(bc, ("spec", "healthCheck", "checkIntervalSec"), HC_TIMEOUT_GT_INTERVAL,
                       f"checkIntervalSec {interval} without timeoutSec: it holds only if the health check was "
                       f"created with the Pods' readinessProbe (timeoutSeconds {longest}: GKE takes it then); a "
                       f"health check created before the probe keeps its timeout, {default} s by default for "
                       f"{kind} backends, above the interval: set timeoutSec (at most {interval}) to be sure",
                       severity=WARNING)
        elif interval < default:
            report.add(bc, ("spec", "healthCheck", "checkIntervalSec"), HC_TIMEOUT_GT_INTERVAL,
                       f"checkIntervalSec {interval} without timeoutSec: the controller keeps its default timeout, "
                       f"{default} s for {kind} backends (a matching HTTP readinessProbe's timeoutSeconds only when "
                       f"the health check is first created), and the Compute API rejects a timeout above the interval, "
                       f"so the health check never syncs: set timeoutSec (at most {interval})"
                       + ("" if interval < NEG_DEFAULT_TIMEOUT else
                          f"; it fits only if GKE gives the Service NEGs itself ({NEG_DEFAULT_TIMEOUT} s)"),
                       severity=None if interval < NEG_DEFAULT_TIMEOUT else WARNING)
    elif timeout is not None and interval is not None:
        message = rules.check_hc_timeout(timeout, interval)
        if message:
            report.add(bc, ("spec", "healthCheck", "timeoutSec"), HC_TIMEOUT_GT_INTERVAL, message)


def _lint_hc_port(ctx: Context, bc: Obj, hc_port: int, users: list[tuple[Obj, ServicePort]], report: Report) -> None:
    loc = ("spec", "healthCheck", "port")
    for svc, port in users:
        neg = neg_for_ingress(svc)
        if neg is False:
            if hc_port != port.node_port:
                fix = f"use its nodePort {port.node_port} or omit port" if port.node_port else \
                    "omit port, or make the backend a NEG with cloud.google.com/neg: '{\"ingress\": true}'"
                kind = svc.spec.get("type", "ClusterIP")
                report.add(bc, loc, HC_PORT_INSTANCE_GROUP,
                           f"healthCheck.port {hc_port} is probed on the nodes: {svc.ref} is {kind} "
                           f"without {{\"ingress\": true}}, so unless GKE adds NEGs itself its backends are instance "
                           f"groups; {fix}")
            continue
        target = port.target if isinstance(port.target, int) else ctx.named_port(svc, port.target)
        if target is None or port.port is None:
            continue
        if hc_port == port.port and hc_port != target:
            message = rules.check_hc_port(hc_port, port.port, target)
            report.add(bc, loc, HC_PORT_NOT_TARGET, f"healthCheck.port {message} ({svc.ref})")
        elif hc_port != target and hc_port not in _target_ports(ctx, svc):
            # Another targetPort of the same Service (Istio's status-port) is served by the same Pods. Only the
            # Service's own file counts: across files, same-labelled Pods are as likely another app's.
            visible, declared = ctx.declared_ports(svc)
            if declared and hc_port not in declared:
                report.add(bc, loc, HC_PORT_NOT_TARGET, f"healthCheck.port {hc_port} is neither targetPort "
                           f"{target} of {svc.ref} nor a containerPort of the Pods it selects (declared: "
                           f"{joined(declared)}); with NEGs the probe reaches PodIP:{hc_port}, where nothing listens: "
                           f"use {target} or omit port")
            elif not declared:
                seen = "declare no containerPorts" if visible else "are not in its file"
                report.add(bc, loc, HC_PORT_NOT_TARGET, f"healthCheck.port {hc_port} is not targetPort {target} of "
                           f"{svc.ref}, and the Pods it selects {seen}; with NEGs the probe reaches PodIP:{hc_port}: "
                           f"declare that containerPort (a health-check sidecar), or use {target} or omit port",
                           severity=WARNING)


def _target_ports(ctx: Context, svc: Obj) -> set[int | None]:
    return {p.target if isinstance(p.target, int) else ctx.named_port(svc, p.target) for p in service_ports(svc)}


def _lint_backend_features(ctx: Context, bc: Obj, spec: dict[str, Any], report: Report) -> None:
    iap = as_dict(spec.get("iap"))
    cdn = as_dict(spec.get("cdn"))
    if iap.get("enabled") is True and cdn.get("enabled") is True:
        report.add(bc, ("spec", "cdn", "enabled"), IAP_AND_CDN, "iap and cdn are both enabled; the controller "
                   "rejects it ('iap and cdn cannot be enabled at the same time'): turn one off")
    for wrong in ("oauthClientCredentials", "oauthclientcredentials", "OAuthClientCredentials"):
        if wrong in iap:
            report.add(bc, ("spec", "iap", wrong), IAP_OAUTH_CREDENTIALS, f"iap.{wrong} is misspelled; the field "
                       "is oauthclientCredentials (lower-case c), so this client is ignored")
    credentials = iap.get("oauthclientCredentials")
    if isinstance(credentials, dict):
        secret_name = credentials.get("secretName")
        if not secret_name:
            report.add(bc, ("spec", "iap", "oauthclientCredentials"), IAP_OAUTH_CREDENTIALS,
                       "iap.oauthclientCredentials needs secretName (a Secret with client_id and client_secret); "
                       "omit the block to use the Google-managed OAuth client")
        else:
            secret = ctx.find("Secret", bc.namespace, str(secret_name), near=bc)
            if secret is not None:
                data = {**as_dict(secret.data.get("data")), **as_dict(secret.data.get("stringData"))}
                missing = [k for k in ("client_id", "client_secret") if k not in data]
                if missing:
                    report.add(bc, ("spec", "iap", "oauthclientCredentials", "secretName"), IAP_OAUTH_CREDENTIALS,
                               f"Secret {secret_name} lacks {' and '.join(missing)}; GKE needs keys client_id and "
                               "client_secret ('secret ... missing client_id data')")
    logging = as_dict(spec.get("logging"))
    if "sampleRate" in logging:
        message = values.check_sample_rate(logging["sampleRate"])
        if message:
            report.add(bc, ("spec", "logging", "sampleRate"), LOGGING_SAMPLE_RATE, message)
    affinity = as_dict(spec.get("sessionAffinity"))
    draining = as_dict(spec.get("connectionDraining"))
    for section, loc, key in ((affinity, "sessionAffinity", "affinityType"),
                              (affinity, "sessionAffinity", "affinityCookieTtlSec"),
                              (draining, "connectionDraining", "drainingTimeoutSec"),
                              (spec, None, "timeoutSec")):
        if key in section:
            message = values.check_backendconfig_value(key, section[key])
            if message:
                report.add(bc, ("spec", loc, key) if loc else ("spec", key), BACKENDCONFIG_RANGE, message)


def probe_timeout(ctx: Context, svc: Obj, port: ServicePort) -> int | None:
    """The timeoutSeconds (default 1) of the readinessProbe GKE would take for the port: an httpGet in the port's
    scheme on its targetPort container port, in every workload the Service selects; None when the inputs show
    no such probe for one of them."""
    workloads = ctx.workloads_for(svc)
    if not workloads or port.target is None:
        return None
    scheme = "HTTP" if _protocol_of(svc, port) == "HTTP" else "HTTPS"
    number = port.target if isinstance(port.target, int) else ctx.named_port(svc, port.target)
    found: list[int] = []
    for _, pod, _ in workloads:
        timeouts = []
        for container in containers(pod):
            probe = as_dict(container.get("readinessProbe"))
            http = as_dict(probe.get("httpGet"))
            if not http or str(http.get("scheme", "HTTP")).upper() != scheme or http.get("host"):
                continue
            named = {p.get("name"): as_int(p.get("containerPort")) for p in container_ports(container)}
            probe_port = http.get("port")
            if probe_port in (port.target, number) or (number is not None and named.get(probe_port) == number):
                timeouts.append(as_int(probe.get("timeoutSeconds", 1)) or 1)
        if not timeouts:
            return None
        found.append(timeouts[0])  # the first matching container's, as the controller takes
    return max(found)
