"""Multi-cluster Gateway mode's Pulumi side: one Kubernetes provider per fleet member, on the kubeconfig context
the spec names; in the config cluster gateway mode's GatewayFrontend with the -mc GatewayClass and the stack's
static IP and certificate map (LbFrontend); per service a MulticlusterService. The spec side:
iapgen/modes/multicluster/."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.gateway.resources import GatewayFrontend, GatewayFrontendArgs
from components.lbfrontend import Host, LbFrontend, LbFrontendArgs, address_outputs
from components.multicluster.resources import MulticlusterService, MulticlusterServiceArgs
from components.shared import BuildContext, Built, service_output
from iapgen.modes.multicluster import objects
from iapgen.modes.multicluster.environment import fleet
from iapgen.spec import gateway as gateway_spec
from iapgen.spec import naming


def build(ctx: BuildContext) -> Built:
    env, environment, exposures = ctx.env, fleet(ctx.environment), ctx.exposures
    providers = {c.name: k8s.Provider(naming.cluster_provider(env, c.name), context=c.context)
                 for c in environment.clusters}
    lb = LbFrontend(f"{env}/lb-frontend", LbFrontendArgs(
        env=env, project=environment.project, hosts=[Host(e.service.name, e.host) for e in exposures]))
    frontend = GatewayFrontend(f"{env}/gateway", GatewayFrontendArgs(
        env=env, namespace=environment.gateway.namespace, create_namespace=environment.gateway.create_namespace,
        lb=lb, exposures=exposures,
        oauth_client_secret=ctx.oauth_client_secret, gateway_class=objects.GATEWAY_CLASS),
        opts=pulumi.ResourceOptions(providers={"kubernetes": providers[environment.config_cluster]}))
    services = {
        e.service.name: MulticlusterService(e.service.name, MulticlusterServiceArgs(
            exposure=e, members=e.bound_members, frontend=frontend, providers=providers,
            config_cluster=environment.config_cluster, wait_seconds=ctx.wait_seconds))
        for e in exposures
    }
    return Built({
        "gateway": {"namespace": environment.gateway.namespace, "name": gateway_spec.GATEWAY,
                    "cluster": environment.config_cluster},
        "clusters": {c.name: c.context for c in environment.clusters},
        **address_outputs(lb, exposures),
        "services": {
            e.service.name: service_output(
                e, services[e.service.name].service_name, lb.address, services[e.service.name],
                clusters=list(objects.clusters_of(e)),
                serviceImport=f"{e.service.namespace}/{e.service.name}",
                httpRoute=gateway_spec.route_name(e.service.name),
                healthCheckPolicy=gateway_spec.policy_name(e.service.name),
                gcpBackendPolicy=gateway_spec.policy_name(e.service.name))
            for e in exposures},
    })
