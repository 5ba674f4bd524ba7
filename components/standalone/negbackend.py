"""NegBackend: one service behind a load balancer the stack owns (loadBalancer: standalone).

Per service, every object is declared here and owned by the stack:
- the Kubernetes Service, ClusterIP with one named port and a standalone NEG named by iapgen
  (`cloud.google.com/neg: {"exposed_ports": {"<port>": {"name": "<NEG>"}}}`);
- NegReady, which waits for GKE to create that NEG in every listed zone;
- a Compute health check: one block for the protocol, USE_SERVING_PORT (each endpoint's own
  Pod IP:targetPort), the spec's path and timings, logging on (docs/gke-behaviour.md#compute-health-check);
- a backend service: EXTERNAL_MANAGED (#lb-scheme-explicit), the service's protocol, one RATE
  backend per zonal NEG (#neg-backends-rate), that health check, IAP on;
- one IAP IAM member per principal on that backend service (components/iap.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pulumi_gcp.compute._inputs import (
    BackendServiceBackendArgs,
    BackendServiceIapArgs,
    BackendServiceLogConfigArgs,
    HealthCheckHttp2HealthCheckArgs,
    HealthCheckHttpHealthCheckArgs,
    HealthCheckHttpsHealthCheckArgs,
    HealthCheckLogConfigArgs,
)
from pulumi_gcp.compute.backend_service import BackendService
from pulumi_gcp.compute.health_check import HealthCheck

from components import iap
from components.hclogging import DEFAULT_WAIT_SECONDS
from components.negwait import NegReady, NegReadyArgs, neg_group
from components.shared import MANAGED_BY
from iapgen.spec.annotations import standalone_service_annotations
from iapgen.spec.exposure import Exposure

LOAD_BALANCING_SCHEME = "EXTERNAL_MANAGED"
BALANCING_MODE = "RATE"
# What GKE Ingress itself sets on its NEG backends (docs/gke-behaviour.md#neg-backends-rate): the same
# spread across zones as ingress mode. With one backend service per host it is a weight, not a cap.
MAX_RATE_PER_ENDPOINT = 1
PORT_SPECIFICATION = "USE_SERVING_PORT"


@dataclass(frozen=True)
class NegBackendArgs:
    exposure: Exposure
    members: Sequence[str]
    """Principals to bind on this backend (empty when IAP is off or granted project-wide)."""
    oauth_client_secret: pulumi.Output[str] | None = None
    wait_seconds: int = DEFAULT_WAIT_SECONDS
    zones: tuple[str, ...] = ()
    """The zones of the cluster's nodes: one NEG backend each."""


def backend_iap(exposure: Exposure, client_secret: pulumi.Output[str] | None) -> BackendServiceIapArgs:
    """IAP on the backend service: the Google-managed client unless the environment names its own."""
    client_id = exposure.environment.iap.oauth_client_id
    if exposure.service.iap.enabled and client_id and client_secret is not None:
        return BackendServiceIapArgs(enabled=True, oauth2_client_id=client_id, oauth2_client_secret=client_secret)
    return BackendServiceIapArgs(enabled=exposure.service.iap.enabled)


class NegBackend(pulumi.ComponentResource):
    """One service's Service, NEG wait, health check, backend service and IAP members."""

    service_name: pulumi.Output[str]
    backend_service: pulumi.Output[str]
    """The backend service's name (iapgen chose it: the NEG's name)."""
    backend_service_ref: pulumi.Output[str]
    """projects/<p>/global/backendServices/<name>: what a URL map routes to."""
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    """/projects/<number>/global/backendServices/<generated id>: the aud of x-goog-iap-jwt-assertion."""
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: NegBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:negbackend:NegBackend", name, None, opts)
        exposure = args.exposure
        service = exposure.service
        environment = exposure.environment
        project, zones = environment.project, args.zones
        child = pulumi.ResourceOptions(parent=self)
        labels = {**MANAGED_BY, "iapgen.dev/service": service.name}
        description = f"iapgen: {service.namespace}/{service.name} ({exposure.env})"

        svc = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=service.name, namespace=service.namespace, labels=labels,
                annotations=standalone_service_annotations(exposure)),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=dict(service.selector),
                ports=[k8s.core.v1.ServicePortArgs(
                    name=exposure.port_name, port=service.port, target_port=service.target_port, protocol="TCP")],
            ),
            opts=child,
        )
        negs = NegReady(
            f"{name}-neg-ready",
            NegReadyArgs(project=project, namespace=service.namespace, service=service.name,
                         neg_name=exposure.neg_name, zones=zones, wait_seconds=args.wait_seconds),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[svc],
                                        custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")),
        )
        hc = service.health_check
        # Exactly one protocol block; USE_SERVING_PORT probes each endpoint's own Pod IP:targetPort.
        protocol, path = service.protocol, hc.path
        check = HealthCheck(
            f"{name}-health-check",
            name=exposure.neg_name,
            project=project,
            description=description,
            check_interval_sec=hc.check_interval_sec,
            timeout_sec=hc.timeout_sec,
            healthy_threshold=hc.healthy_threshold,
            unhealthy_threshold=hc.unhealthy_threshold,
            log_config=HealthCheckLogConfigArgs(enable=True),
            http_health_check=HealthCheckHttpHealthCheckArgs(
                port_specification=PORT_SPECIFICATION, request_path=path) if protocol == "HTTP" else None,
            https_health_check=HealthCheckHttpsHealthCheckArgs(
                port_specification=PORT_SPECIFICATION, request_path=path) if protocol == "HTTPS" else None,
            http2_health_check=HealthCheckHttp2HealthCheckArgs(
                port_specification=PORT_SPECIFICATION, request_path=path) if protocol == "HTTP2" else None,
            opts=child,
        )
        backend = BackendService(
            f"{name}-backend-service",
            name=exposure.neg_name,
            project=project,
            description=description,
            load_balancing_scheme=LOAD_BALANCING_SCHEME,
            protocol=service.protocol,
            health_checks=pulumi.Output.concat("projects/", project, "/global/healthChecks/", check.name),
            backends=[BackendServiceBackendArgs(
                group=neg_group(project, zone, exposure.neg_name), balancing_mode=BALANCING_MODE,
                max_rate_per_endpoint=MAX_RATE_PER_ENDPOINT, capacity_scaler=1) for zone in zones],
            iap=backend_iap(exposure, args.oauth_client_secret),
            log_config=BackendServiceLogConfigArgs(enable=True, sample_rate=exposure.sample_rate)
            if exposure.sample_rate else BackendServiceLogConfigArgs(enable=False),
            # The backends name NEGs that GKE creates: wait until they exist.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[negs]),
        )
        self.bindings = iap.bind_backend_members(self, f"{name}-iap", project, backend.name, args.members)
        self.service_name = svc.metadata.name
        self.backend_service = backend.name
        self.backend_service_ref = pulumi.Output.concat("projects/", project, "/global/backendServices/", backend.name)
        self.health_check = check.name
        self.iap_audience = pulumi.Output.format("/projects/{0}/global/backendServices/{1}", negs.project_number,
                                                 backend.generated_id)
        self.log_query = negs.log_query
        self.register_outputs({
            "service_name": self.service_name, "backend_service": self.backend_service,
            "backend_service_ref": self.backend_service_ref, "health_check": self.health_check,
            "iap_audience": self.iap_audience, "log_query": self.log_query,
        })
