"""What every mode's Pulumi side shares: what the program hands each mode's `build`, what `build` hands back,
the stack output every service has, and the label on every Kubernetes object iapgen creates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi

from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment

MANAGED_BY = {"app.kubernetes.io/managed-by": "iapgen"}


@dataclass(frozen=True)
class BuildContext:
    """The environment a stack deploys, validated, with what stack config adds."""

    env: str
    environment: Environment
    exposures: tuple[Exposure, ...]
    oauth_client_secret: pulumi.Output[str] | None
    """The custom IAP OAuth client's secret (stack config), when the environment names a client."""
    wait_seconds: int
    """How long to wait for GKE to create each backend (iapgen:backendWaitSeconds)."""
    cluster_uid: str
    """The cluster's ingress UID, when several clusters share the project (iapgen:clusterUid)."""


@dataclass
class Built:
    """What a mode's `build` created, as the stack outputs it adds to those every mode has."""

    outputs: dict[str, Any] = field(default_factory=dict)
    """At least `addresses` and `services` (one service_output each)."""


class Backend(Protocol):
    """What every mode's per-service component tells about the backend service behind it."""

    backend_service: pulumi.Output[str]
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]


def service_output(e: Exposure, service_name: pulumi.Output[str], ip: pulumi.Output[str], backend: Backend,
                   **mode_fields: Any) -> dict[str, Any]:
    """One entry of the stack output `services`: the same keys in every mode, plus the mode's own."""
    return {
        "url": e.url, "host": e.host, "namespace": e.service.namespace, "service": service_name,
        "backendConfig": None, "ip": ip, "iapMembers": list(e.members) if e.service.iap.enabled else [],
        "backendService": backend.backend_service, "healthCheck": backend.health_check,
        "iapAudience": backend.iap_audience, "healthCheckLogQuery": backend.log_query, **mode_fields,
    }


def name_after(resource: pulumi.Resource, name: str) -> pulumi.Output[str]:
    """A name known from the spec, as an Output that depends on the resource it names."""
    return resource.urn.apply(lambda _: name)
