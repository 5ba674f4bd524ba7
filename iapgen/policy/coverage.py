"""Which catalogue rules the policy pack judges, and how.

Every rule of the catalogue gets a policy of the same name unless it is listed in NOT_JUDGED with why Pulumi
resources cannot show it. A rule that needs several resources (a reference to another object, a port of the
selected Pods, a forwarding rule's backend services) is judged by a stack policy, on all the stack's resources
together; any other by a resource policy, on each resource alone. tests/test_policy_coverage.py runs every
rule's manifest examples through the pack, so a new rule is either caught by its policy or listed here.
"""

from __future__ import annotations

from iapgen.spec.rulebook import Rule, load_all

STACK_RULES = frozenset({
    # references between Kubernetes objects
    "BACKENDCONFIG_NOT_FOUND", "FRONTENDCONFIG_NOT_FOUND", "INGRESS_BACKEND_PORT", "CLUSTERIP_WITHOUT_NEG",
    "APP_PROTOCOLS_MISSING", "IAP_WITHOUT_HTTPS", "HC_PORT_INSTANCE_GROUP",
    # whether a Service's appProtocol is ignored depends on what reaches it: an Ingress, or only Gateway routes
    "APP_PROTOCOL_IGNORED",
    # a BackendConfig's health check against the Service that uses it and the Pods that Service selects
    "HC_PORT_NOT_TARGET", "HC_PROTOCOL_MISMATCH", "HC_TIMEOUT_GT_INTERVAL",
    "TARGET_PORT_NAME_UNKNOWN", "TARGET_PORT_NOT_DECLARED", "LISTENS_ON_LOCALHOST",
    # GKE Gateway objects and what they target
    "POLICY_TARGET_NOT_FOUND", "BACKEND_POLICY_DUPLICATE", "ROUTE_BACKEND_PORT", "ROUTE_NOT_ALLOWED",
    # pulumi-gcp resources and what they point at
    "GCP_NEG_NOT_EXPOSED", "GCP_LB_SCHEME_MISMATCH",
    # Gateway paths judged with the objects around them (what reaches a Service, which Services exist, the
    # Pods' readiness probes a policy's defaults come from)
    "GATEWAY_INGRESS_SETTING", "ROUTE_BACKEND_NOT_FOUND",
    # multi-cluster Gateway paths: the Gateway's class, the ServiceExports in the stack
    "MC_POLICY_TARGETS_SERVICE", "MC_ROUTE_NO_EXPORT", "MC_POLICY_NAMESPACE",
})

_FILE = "about reading a YAML file: a program's resources reach the pack already parsed"
_SPEC = "about a services.yaml field or the stack config iapgen reads, which a Pulumi program does not have"
_LAYOUT = "about the names and Ingress layout iapgen generates from services.yaml"
_API = ("the Kubernetes API server refuses the object itself, so `pulumi preview` already fails on it (lint "
        "does not judge it on manifests either)")

NOT_JUDGED: dict[str, str] = {
    "FILE_UNREADABLE": _FILE,
    "YAML_SYNTAX": _FILE,
    "YAML_DUPLICATE_KEY": _FILE,
    "YAML_TOO_LARGE": _FILE,
    "SPEC_SHAPE": _SPEC,
    "ENV_UNKNOWN": _SPEC,
    "ENV_NAME_INVALID": _SPEC,
    "OVERRIDE_UNKNOWN_ENV": _SPEC,
    "PROJECT_MISMATCH": _SPEC,
    "PROJECT_ID_INVALID": _SPEC,
    "STACK_CONFIG_INVALID": _SPEC,
    "OAUTH_SECRET_MISSING": _SPEC,
    "OAUTH_CLIENT_ID_INVALID": _SPEC,
    "GATEWAY_IAP_CLIENT": _SPEC + " (GCPBackendPolicy's IAP client is judged by the Gateway rules)",
    "LB_MODE_INVALID": _SPEC,
    "LB_FIELD_OTHER_MODE": _SPEC,
    "STANDALONE_FIELD_MISSING": _SPEC,
    "ZONE_INVALID": _SPEC,
    "NETWORK_INVALID": _SPEC,
    "HOST_INVALID": _SPEC,
    "IAP_DISABLED_NO_REASON": _SPEC + " (GCP_BACKEND_IAP_OFF judges a backend service without IAP)",
    "IAP_NO_MEMBERS": _SPEC + " (a program grants access with IAM resources that may live in another stack)",
    "PINNED_NAME_INVALID": _LAYOUT,
    "PINNED_NAME_CONFLICT": _LAYOUT,
    "SERVICE_DUPLICATE": _LAYOUT,
    "HOST_DUPLICATE": _LAYOUT + " (INGRESS_DUPLICATE_HOST judges a host twice in one Ingress)",
    "NAME_TOO_LONG": _LAYOUT,
    "NAME_COLLISION": _LAYOUT,
    "GCE_NAME_COLLISION": _LAYOUT,
    "INGRESS_CERT_LIMIT": _LAYOUT,
    "INGRESS_PIN_REQUIRED": _LAYOUT,
    "HOST_MULTI_ENV": _SPEC + " (one stack is one environment: hosts of other environments are not in it)",
    "ZONES_REGIONS": _SPEC + " (GCP_NEG_NOT_EXPOSED judges the NEGs a backend names)",
    "GATEWAY_NAMESPACE_SYSTEM": _SPEC,
    "GATEWAY_NAME_RESERVED": _LAYOUT,
    "SERVICE_FIELD_OTHER_MODE": _SPEC,
    "MC_CLUSTER_DUPLICATE": _SPEC,
    "MC_CONFIG_CLUSTER": _SPEC,
    "MC_SERVICE_CLUSTER": _SPEC,
    "NAME_INVALID": _API,
    "NAMESPACE_INVALID": _API,
    "SELECTOR_INVALID": _API,
    "PORT_RANGE": _API,
}


def judged_rules() -> list[Rule]:
    """The rules the pack has a policy for, by id."""
    return [rule for rule_id, rule in sorted(load_all().items()) if rule_id not in NOT_JUDGED]
