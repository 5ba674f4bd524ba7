"""CRD_SCHEMA: GKE and Gateway API custom resources against the CRD schemas iapgen ships, CEL rules included.

The API server rejects an object that breaks its CRD's schema or an x-kubernetes-validations rule, and with
strict field validation (kubectl's default) an unknown field; other clients have the field pruned, so the
setting silently does not exist. kubeconform and kube-linter have no schemas for GKE's kinds. Schemas come
from iapgen/lint/schemas (iapgen.lint.schema_files); `iapgen lint --no-schemas` turns this off.
"""

from __future__ import annotations

import functools

from iapgen.errors import Finding
from iapgen.examplekit import GATEWAY_SERVICE, health_check_policy, http_route
from iapgen.lint import schema_files, structural
from iapgen.lint.checks.context import Context, Report, linter
from iapgen.lint.manifests import Obj
from iapgen.spec.rulebook import WARNING, Example, Rule

CRD_SCHEMA = Rule(
    "CRD_SCHEMA", "A GKE or Gateway API custom resource must satisfy its CRD's schema and CEL rules: the API server "
    "rejects it, or drops the unknown field.",
    source="gke-behaviour.md#crd-schemas",
    why="The API server rejects the object; an unknown field is rejected by kubectl (strict field validation) or "
    "dropped, so the setting does not exist.",
    fix="Write the field as the CRD spells it, with a value it allows (the finding says which).",
    lint_severity="A warning when a CEL rule of the CRD cannot be evaluated on the object (it reads a field the "
    "object leaves unset) rather than failing: clusters whose CRD has the rule reject the object, but the CRDs GKE "
    "installs are not always the published ones (gke-behaviour.md#crd-schemas).",
    examples=[
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy().replace(
            "logConfig: {enabled: true}", "logConfig: {enable: true}"),
            GATEWAY_SERVICE + "---\n" + health_check_policy()),
        Example("manifest", GATEWAY_SERVICE + "---\n" + http_route().replace(
            "hostnames: [web.acme.example]", "hostnames: [Web.acme.example]"),
            GATEWAY_SERVICE + "---\n" + http_route()),
    ])

# CEL rules another lint rule judges, with its own message and severity (docs/gke-behaviour.md says why), for
# the kinds that rule lints: CRD_SCHEMA leaves them to it.
_HCP = ("HealthCheckPolicy",)
DELEGATED: dict[str, tuple[str, tuple[str, ...]]] = {
    "self.portSpecification == 'USE_FIXED_PORT' ? has(self.port) && !has(self.portName) : true":
        ("HC_PORT_SPECIFICATION", _HCP),
    "self.portSpecification == 'USE_NAMED_PORT' ? !has(self.port) && has(self.portName) : true":
        ("HC_PORT_SPECIFICATION", _HCP),
    "self.portSpecification == 'USE_SERVING_PORT' || !has(self.portSpecification) ? "
    "!has(self.port) && !has(self.portName) : true": ("HC_PORT_SPECIFICATION", _HCP),
    "has(self.checkIntervalSec) && has(self.timeoutSec) ? self.checkIntervalSec >= self.timeoutSec : true":
        ("HC_TIMEOUT_GT_INTERVAL", _HCP),
    "!has(self.checkIntervalSec) && has(self.timeoutSec) ? 5 >= self.timeoutSec : true":
        ("HC_TIMEOUT_GT_INTERVAL", _HCP),
    "has(self.checkIntervalSec) && !has(self.timeoutSec) ? self.checkIntervalSec >= 5 : true":
        ("HC_TIMEOUT_GT_INTERVAL", _HCP),
    **{f"self.type == '{t}' ? has(self.{block}) : true": ("HC_POLICY_CONFIG", _HCP)
       for t, block in (("TCP", "tcpHealthCheck"), ("HTTP", "httpHealthCheck"), ("HTTPS", "httpsHealthCheck"),
                        ("HTTP2", "http2HealthCheck"), ("GRPC", "grpcHealthCheck"))},
    "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true":
        ("ROUTE_BACKEND_PORT", ("HTTPRoute",)),
}


@functools.cache
def _root(group: str, version: str, kind: str) -> tuple[structural.Node, str] | None:
    raw = schema_files.raw_schema(group, version, kind)
    if raw is None:
        return None
    return structural.compile_root(schema_files.published(raw)), schema_files.source(raw)


def lint_schema(ctx: Context, obj: Obj, report: Report) -> None:
    if not ctx.schemas:
        return
    api_version = str(obj.data.get("apiVersion", ""))
    group, _, version = api_version.partition("/")
    found = _root(group, version, obj.kind) if version else None
    if found is None:
        return  # a version iapgen ships no schema for: not judged
    root, source = found
    for violation in structural.validate(root, obj.data):
        delegated = DELEGATED.get(violation.cel_rule or "")
        if delegated and obj.kind in delegated[1]:
            continue
        where = structural.dotted(violation.path)
        what = f"{where}: " if where else ""
        if violation.cel_rule is not None and not violation.cel_error:
            what += f"{violation.message} (CEL rule of the CRD: {violation.cel_rule})"
        else:
            what += violation.message
        message = f"{what}; the API server rejects it [{api_version} {obj.kind} schema, {source}]"
        if violation.message.startswith("unknown field"):
            message = (f"{what}; kubectl (strict field validation) rejects it and other clients drop it, so the "
                       f"setting does not exist [{api_version} {obj.kind} schema, {source}]")
        # A rule that errs rather than fails (e.g. it reads a field the object leaves unset): clusters whose
        # CRD has this rule reject the object, but GKE's installed CRDs are not always the published ones.
        severity = WARNING if violation.cel_error else None
        report.add(obj, violation.path, CRD_SCHEMA, message, severity=severity)


for _kind in sorted({kind for _, _, kind in schema_files.index()}):
    linter(_kind)(lint_schema)


def without_duplicates(findings: list[Finding]) -> list[Finding]:
    """CRD_SCHEMA findings on a line another rule already reports: the dedicated rule says it better."""
    taken = {(f.file, f.line, f.field) for f in findings if f.rule != "CRD_SCHEMA"}
    if not taken:
        return findings
    return [f for f in findings if f.rule != "CRD_SCHEMA" or (f.file, f.line, f.field) not in taken]
