"""Ingress mode's Pulumi side: per service a Service and BackendConfig (Backend) and what iapgen manages on the
backend GKE creates (LoadBalancerBackend: health-check logging, IAP members); per namespace its Ingresses,
certificates, static IPs and FrontendConfig (Frontend). The spec side: iapgen/modes/ingress/."""

from __future__ import annotations

from collections import defaultdict

from components.ingress.backend import Backend, BackendArgs
from components.ingress.frontend import Frontend, FrontendArgs
from components.ingress.lbbackend import LoadBalancerBackend, LoadBalancerBackendArgs
from components.shared import BuildContext, Built, service_output
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure


def build(ctx: BuildContext) -> Built:
    env, exposures = ctx.env, ctx.exposures
    backends: dict[str, Backend] = {}
    by_namespace: dict[str, list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        backends[exposure.service.name] = Backend(exposure.service.name, BackendArgs(exposure))
        by_namespace[exposure.service.namespace].append(exposure)
    frontends = {
        # "/" keeps frontend names apart from service names (DNS labels): plan.json parents are unambiguous.
        namespace: Frontend(f"{namespace}/frontend", FrontendArgs(
            env=env, project=ctx.environment.project, namespace=namespace, exposures=members,
            depends_on={e.service.name: backends[e.service.name] for e in members},
            oauth_client_secret=ctx.oauth_client_secret))
        for namespace, members in sorted(by_namespace.items())
    }
    lb = {
        e.service.name: LoadBalancerBackend(f"{e.service.name}/lb", LoadBalancerBackendArgs(
            exposure=e, members=e.bound_members, cluster_uid=ctx.cluster_uid, wait_seconds=ctx.wait_seconds,
            depends_on=[frontends[e.service.namespace].ingress_for(e)]))
        for e in exposures
    }
    return Built({
        # {namespace: ...} for each namespace's Ingress 1, as always; {namespace/iapgen-N: ...} for Ingress N.
        "addresses": {naming.address_key(ns, number): {"name": ip.name, "ip": ip.address}
                      for ns, f in frontends.items() for number, ip in sorted(f.addresses.items())},
        "services": {
            e.service.name: service_output(
                e, backends[e.service.name].service_name, frontends[e.service.namespace].address_for(e).address,
                lb[e.service.name], backendConfig=backends[e.service.name].backend_config_name)
            for e in exposures},
    })
