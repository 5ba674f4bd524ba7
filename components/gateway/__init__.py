"""Gateway mode's Pulumi side: one GKE Gateway per environment (GatewayFrontend) with the stack's static IP and
certificate map (LbFrontend); per service its Service, HTTPRoute, policies and the IAP members on the backend GKE
makes (GatewayService). The spec side: iapgen/modes/gateway/."""

from __future__ import annotations

from components.gateway.resources import GatewayFrontend, GatewayFrontendArgs, GatewayService, GatewayServiceArgs
from components.lbfrontend import Host, LbFrontend, LbFrontendArgs, address_outputs
from components.shared import BuildContext, Built, service_output
from iapgen.modes.gateway.environment import creates_namespace, namespace_of
from iapgen.spec import gateway as gateway_spec


def build(ctx: BuildContext) -> Built:
    env, environment, exposures = ctx.env, ctx.environment, ctx.exposures
    # "/" keeps environment-level names apart from service names (DNS labels).
    lb = LbFrontend(f"{env}/lb-frontend", LbFrontendArgs(
        env=env, project=environment.project, hosts=[Host(e.service.name, e.host) for e in exposures]))
    gateway_namespace = namespace_of(environment)
    frontend = GatewayFrontend(f"{env}/gateway", GatewayFrontendArgs(
        env=env, namespace=gateway_namespace, create_namespace=creates_namespace(environment), lb=lb,
        exposures=exposures, oauth_client_secret=ctx.oauth_client_secret))
    services = {
        e.service.name: GatewayService(e.service.name, GatewayServiceArgs(
            exposure=e, members=e.bound_members, frontend=frontend, cluster_uid=ctx.cluster_uid,
            wait_seconds=ctx.wait_seconds))
        for e in exposures
    }
    return Built({
        "gateway": {"namespace": gateway_namespace, "name": gateway_spec.GATEWAY},
        **address_outputs(lb, exposures),
        "services": {
            e.service.name: service_output(
                e, services[e.service.name].service_name, lb.address, services[e.service.name],
                httpRoute=gateway_spec.route_name(e.service.name),
                healthCheckPolicy=gateway_spec.policy_name(e.service.name),
                gcpBackendPolicy=gateway_spec.policy_name(e.service.name))
            for e in exposures},
    })
