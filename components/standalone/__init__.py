"""Standalone mode's Pulumi side: per service the Service, NEG wait, health check, backend service and IAP members
(NegBackend); per environment the static IP and Certificate Manager map (LbFrontend) and the URL maps, proxies,
forwarding rules and health-check firewall (StandaloneFrontend). The spec side: iapgen/modes/standalone/."""

from __future__ import annotations

from components.lbfrontend import Host, LbFrontend, LbFrontendArgs, address_outputs
from components.shared import BuildContext, Built, service_output
from components.standalone.frontend import Route, StandaloneFrontend, StandaloneFrontendArgs
from components.standalone.negbackend import NegBackend, NegBackendArgs
from iapgen.modes.standalone.environment import StandaloneEnvironment


def build(ctx: BuildContext) -> Built:
    env, environment, exposures = ctx.env, ctx.environment, ctx.exposures
    assert isinstance(environment, StandaloneEnvironment)
    zones = tuple(environment.zones or ())
    backends = {
        e.service.name: NegBackend(e.service.name, NegBackendArgs(
            exposure=e, members=e.bound_members, oauth_client_secret=ctx.oauth_client_secret,
            wait_seconds=ctx.wait_seconds, zones=zones))
        for e in exposures
    }
    # "/" keeps environment-level names apart from service names (DNS labels).
    lb = LbFrontend(f"{env}/lb-frontend", LbFrontendArgs(
        env=env, project=environment.project, hosts=[Host(e.service.name, e.host) for e in exposures]))
    StandaloneFrontend(f"{env}/standalone-frontend", StandaloneFrontendArgs(
        env=env, project=environment.project, network=environment.network or "", lb=lb,
        routes=[Route(e.service.name, e.host, backends[e.service.name].backend_service_ref) for e in exposures],
        target_ports=[e.service.target_port for e in exposures],
        node_tags=tuple(environment.nodes.tags or ()) if environment.nodes else (),
        node_service_account=environment.nodes.service_account if environment.nodes else None))
    return Built({
        **address_outputs(lb, exposures),
        "services": {
            e.service.name: service_output(
                e, backends[e.service.name].service_name, lb.address, backends[e.service.name],
                neg=e.neg_name, zones=list(zones))
            for e in exposures},
    })
