"""The example mode's Pulumi side: one LoadBalancer Service per service."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.shared import MANAGED_BY, BuildContext, Built


def build(ctx: BuildContext) -> Built:
    policy = getattr(ctx.environment, "external_traffic_policy", "Cluster")
    services = {}
    for e in ctx.exposures:
        svc = k8s.core.v1.Service(
            f"{e.service.name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=e.service.name, namespace=e.service.namespace,
                                                labels=dict(MANAGED_BY)),
            spec=k8s.core.v1.ServiceSpecArgs(type="LoadBalancer", external_traffic_policy=policy,
                                             selector=dict(e.service.selector),
                                             ports=[k8s.core.v1.ServicePortArgs(port=e.service.port,
                                                                                target_port=e.service.target_port)]))
        services[e.service.name] = {"url": e.url, "service": svc.metadata.apply(lambda m: m["name"])}
    return Built({"addresses": {}, "services": services})


__all__ = ["build", "pulumi"]
