"""Multi-cluster Gateway mode's Pulumi side, per service (the Gateway itself is gateway mode's GatewayFrontend,
of the -mc class, in the config cluster).

MulticlusterService: in each member that runs the service its Service (as gateway mode makes it) and a
ServiceExport of the same name and namespace; in the config cluster its HTTPRoute to the ServiceImport and its
HealthCheckPolicy and GCPBackendPolicy targeting that ServiceImport; then, once the controller has made the
gkemcg1-... backend service, one IAP IAM member per principal on it (docs/gke-behaviour.md, "Multi-cluster
Gateway").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import iap
from components.gateway.resources import GatewayFrontend, app_service, http_route, object_meta, policies
from components.gwbackend import GatewayBackendArgs
from components.multicluster.backend import MulticlusterBackend, MulticlusterBackendProvider
from iapgen.modes.multicluster import objects
from iapgen.spec.exposure import Exposure


@dataclass(frozen=True)
class MulticlusterServiceArgs:
    exposure: Exposure
    members: Sequence[str]
    """Principals to bind on the backend service (empty when IAP is off or granted project-wide)."""
    frontend: GatewayFrontend
    providers: Mapping[str, k8s.Provider]
    """The Kubernetes provider of each cluster of the environment, by cluster name."""
    config_cluster: str
    wait_seconds: int = 900


class MulticlusterService(pulumi.ComponentResource):
    """One service's Services and ServiceExports per member, HTTPRoute and policies, and IAP bindings."""

    service_name: pulumi.Output[str]
    backend_service: pulumi.Output[str]
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: MulticlusterServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:multicluster:MulticlusterService", name, None, opts)
        exposure, service = args.exposure, args.exposure.service
        config = pulumi.ResourceOptions(parent=self, provider=args.providers[args.config_cluster])
        target = objects.service_import(service.name)
        health, policy = policies(name, exposure, args.frontend, config, target)
        exports: list[pulumi.Resource] = []
        for cluster in objects.clusters_of(exposure):
            member = args.providers[cluster]
            # The policies first: GKE never builds a backend without its health check and IAP.
            svc = app_service(f"{name}-{cluster}-service", exposure, pulumi.ResourceOptions(
                parent=self, provider=member, depends_on=[health, policy]))
            exports.append(k8s.apiextensions.CustomResource(
                f"{name}-{cluster}-serviceexport", api_version=objects.MCS_API, kind=objects.SERVICE_EXPORT,
                metadata=object_meta(exposure, service.name),
                opts=pulumi.ResourceOptions(parent=self, provider=member, depends_on=[svc])))
        route = http_route(name, exposure, args.frontend, pulumi.ResourceOptions.merge(
            config, pulumi.ResourceOptions(depends_on=[*exports, args.frontend.gateway])), target)
        backend = MulticlusterBackend(
            f"{name}-backend",
            GatewayBackendArgs(project=exposure.environment.project, namespace=service.namespace,
                               service=service.name, port=service.port, wait_seconds=args.wait_seconds),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[route, health, policy],
                                        custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")),
            provider=MulticlusterBackendProvider())
        self.bindings = iap.bind_backend_members(self, f"{name}-iap", exposure.environment.project,
                                                 backend.backend_service_name, args.members)
        self.service_name = pulumi.Output.all(*[e.urn for e in exports]).apply(lambda _: service.name)
        self.backend_service = backend.backend_service_name
        self.health_check = backend.health_check_name
        self.iap_audience = backend.iap_audience
        self.log_query = backend.log_query
        self.register_outputs({"service_name": self.service_name, "backend_service": self.backend_service,
                               "health_check": self.health_check, "iap_audience": self.iap_audience,
                               "log_query": self.log_query})
