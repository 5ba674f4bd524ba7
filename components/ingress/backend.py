"""Backend: the Kubernetes Service and BackendConfig that make one app a correct GKE backend.

What makes them correct (docs/gke-behaviour.md, "Service annotations and NEGs" and
"BackendConfig and health checks"):
- the Service has one named port; `cloud.google.com/app-protocols` is keyed by that *name*
  (GKE ignores numeric keys and `spec.ports[].appProtocol`);
- `cloud.google.com/neg: {"ingress": true}` makes the backend container-native (NEG), which
  a ClusterIP Service behind GKE Ingress requires;
- the BackendConfig's health check speaks the backend's protocol on the *container* port
  (with NEGs the probe reaches the Pod IP) with an explicit path and timings, because GKE
  reads readiness probes only when it first creates the health check;
- `iap.enabled` turns IAP on for the backend service.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.iap import OAUTH_SECRET
from components.shared import MANAGED_BY, name_after
from iapgen.spec import pinned
from iapgen.spec.annotations import service_annotations
from iapgen.spec.exposure import Exposure


@dataclass(frozen=True)
class BackendArgs:
    exposure: Exposure


def backend_config_spec(exposure: Exposure) -> dict[str, object]:
    service = exposure.service
    hc = service.health_check
    return {
        "healthCheck": {
            "type": service.protocol,
            "port": service.target_port,
            "requestPath": hc.path,
            "checkIntervalSec": hc.check_interval_sec,
            "timeoutSec": hc.timeout_sec,
            "healthyThreshold": hc.healthy_threshold,
            "unhealthyThreshold": hc.unhealthy_threshold,
        },
        "iap": _iap(exposure),
        # Request logs: GKE Ingress logs every request unless told otherwise; the spec says (requestLogging).
        "logging": {"enable": True, "sampleRate": exposure.sample_rate} if exposure.sample_rate else
        {"enable": False},
    }


def _iap(exposure: Exposure) -> dict[str, object]:
    iap: dict[str, object] = {"enabled": exposure.service.iap.enabled}
    if exposure.service.iap.enabled and exposure.environment.iap.oauth_client_id:
        iap["oauthclientCredentials"] = {"secretName": OAUTH_SECRET}
    return iap


class Backend(pulumi.ComponentResource):
    """One service's Kubernetes Service and BackendConfig."""

    service_name: pulumi.Output[str]
    """Name of the Kubernetes Service the Ingress routes to."""
    backend_config_name: pulumi.Output[str]
    """Name of the BackendConfig the Service's annotation points at."""

    def __init__(self, name: str, args: BackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:backend:Backend", name, None, opts)
        exposure = args.exposure
        service = exposure.service
        child = pulumi.ResourceOptions(parent=self)
        labels = {**MANAGED_BY, "iapgen.dev/service": service.name}

        config = k8s.apiextensions.CustomResource(
            f"{name}-backendconfig",
            api_version="cloud.google.com/v1",
            kind="BackendConfig",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=pinned.backend_config(service), namespace=service.namespace, labels=labels),
            spec=backend_config_spec(exposure),
            opts=child,
        )
        svc = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=service.name, namespace=service.namespace, labels=labels,
                annotations=service_annotations(exposure)),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=dict(service.selector),
                ports=[k8s.core.v1.ServicePortArgs(
                    name=exposure.port_name, port=service.port, target_port=service.target_port,
                    protocol="TCP")],
            ),
            # The annotation names the BackendConfig: create it first so GKE never syncs a
            # backend without its health check and IAP settings.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[config]),
        )
        self.service_name = name_after(svc, service.name)
        self.backend_config_name = name_after(config, pinned.backend_config(service))
        self.register_outputs({
            "service_name": self.service_name,
            "backend_config_name": self.backend_config_name,
        })
