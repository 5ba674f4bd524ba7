"""LoadBalancerBackend: what iapgen manages on the backend service GKE creates for one service.

GKE Ingress makes the backend service and health check; iapgen then, per service:
- turns on health-check logging (hclogging.HealthCheckLogging), and
- grants IAP access to the service's principals on that backend service (iap.py).
Both wait for the controller, so they depend on the namespace's Ingress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components import iap
from components.hclogging import HealthCheckLogging, HealthCheckLoggingArgs
from iapgen.spec.exposure import Exposure


@dataclass(frozen=True)
class LoadBalancerBackendArgs:
    exposure: Exposure
    members: Sequence[str]
    """Principals to bind on this backend (empty when IAP is off or granted project-wide)."""
    cluster_uid: str = ""
    wait_seconds: int = 900
    depends_on: Sequence[pulumi.Resource] = ()


class LoadBalancerBackend(pulumi.ComponentResource):
    """Health-check logging and IAP bindings on one service's GKE backend service."""

    backend_service: pulumi.Output[str]
    """The k8s1-... backend service name."""
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:lbbackend:LoadBalancerBackend", name, None, opts)
        service = args.exposure.service
        logging = HealthCheckLogging(
            f"{name}-hc-logging",
            HealthCheckLoggingArgs(project=args.exposure.environment.project, namespace=service.namespace,
                                   service=service.name, port=service.port, port_name=args.exposure.port_name,
                                   cluster_uid=args.cluster_uid, wait_seconds=args.wait_seconds),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on),
                                        custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")),
        )
        self.bindings = iap.bind_backend_members(self, f"{name}-iap", args.exposure.environment.project,
                                                 logging.backend_service_name, args.members)
        self.backend_service = logging.backend_service_name
        self.health_check = logging.health_check_name
        self.iap_audience = logging.iap_audience
        self.log_query = logging.log_query
        self.register_outputs({"backend_service": self.backend_service, "health_check": self.health_check,
                               "iap_audience": self.iap_audience, "log_query": self.log_query})
