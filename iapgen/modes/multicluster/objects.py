"""Multi-cluster Gateway mode (`loadBalancer: multicluster-gateway`): the names and plain objects only this mode
needs, beside the single-cluster Gateway's (iapgen/spec/gateway.py), which it shares.

What GKE does with them: docs/gke-behaviour.md, "Multi-cluster Gateway".
"""

from __future__ import annotations

import json
import re

from iapgen.spec import gateway as gw
from iapgen.spec.exposure import Exposure

GATEWAY_CLASS = "gke-l7-global-external-managed-mc"
MCS_API = "net.gke.io/v1"
MCS_GROUP = "net.gke.io"
SERVICE_IMPORT = "ServiceImport"
SERVICE_EXPORT = "ServiceExport"
# The multi-cluster Gateway controller's backend services (gke-behaviour.md#mc-gateway-backend-service-naming):
# gkemcg1-<namespace>-<service>-<port>-<12>, the middle fields cut short to fit 63 characters.
BACKEND_PREFIX = "gkemcg1-"
BACKEND_NAME = re.compile(r"^gkemcg1-(?P<middle>.+)-[a-z0-9]{12}$")
# The Service MCS derives from a ServiceImport in each member (gke-behaviour.md#mcs-derived-service).
DERIVED_SERVICE_PREFIX = "gke-mcs-"


def service_import(service: str) -> dict[str, str]:
    """What routes and policies name in the config cluster: the ServiceImport MCS makes from the exports."""
    return gw.target(service, MCS_GROUP, SERVICE_IMPORT)


def clusters_of(exposure: Exposure) -> tuple[str, ...]:
    """The members that run a service: its `clusters:`, else every member of the environment, in the
    environment's order."""
    members = [c.name for c in getattr(exposure.environment, "clusters", ())]
    chosen = exposure.service.clusters
    return tuple(m for m in members if chosen is None or m in chosen)


NAME_FRAME = BACKEND_PREFIX + "{}-xxxxxxxxxxxx"  # a gkemcg1- name around its middle fields


def name_fits(name: str, namespace: str, service: str, port: int) -> bool:
    """Whether a gkemcg1- name can be the backend service of this ServiceImport port."""
    return gw.name_fits(name, namespace, service, port, BACKEND_NAME, NAME_FRAME)


def name_is_exact(name: str, namespace: str, service: str, port: int) -> bool:
    return gw.name_is_exact(name, namespace, service, port, BACKEND_NAME)


def name_cut_fits(name: str, namespace: str, service: str, port: int) -> bool:
    return gw.name_cut_fits(name, namespace, service, port, BACKEND_NAME, NAME_FRAME)


def neg_verdict(description: str, namespace: str, service: str) -> bool | None:
    """Whose a member's NEG is, from its description: the exported Service or the Service MCS derives from the
    ServiceImport (gke-mcs-...), in the same namespace. None when the description says nothing usable."""
    try:
        parsed = json.loads(description)
    except (ValueError, TypeError):
        return None
    if not isinstance(parsed, dict) or "service-name" not in parsed:
        return None
    name = str(parsed.get("service-name"))
    return parsed.get("namespace") == namespace and (name == service or name.startswith(DERIVED_SERVICE_PREFIX))
