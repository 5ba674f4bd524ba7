"""The Pulumi program: what `pulumi up` runs (through __main__.py) and `iapgen render` runs offline.

Stack config (Pulumi.<stack>.yaml):
- `iapgen:spec`        path of the spec file, relative to the project (default services.yaml);
- `iapgen:environment` environment to deploy (default: the stack name);
- `gcp:project`        optional; when set it must equal the environment's project;
- `kubernetes:context` the kubeconfig context of the environment's cluster;
- `iapgen:clusterUid`  optional; the cluster's ingress UID, when several clusters share the project;
- `iapgen:backendWaitSeconds` how long to wait for GKE to create each backend (default 900);
- `iapgen:oauthClientSecret` (secret) the custom IAP OAuth client's secret, with iap.oauthClientId.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Protocol

import pulumi

from components.backend import Backend, BackendArgs
from components.frontend import Frontend, FrontendArgs
from components.hclogging import DEFAULT_WAIT_SECONDS
from components.iap import OAUTH_SECRET_CONFIG, ProjectIap
from components.lbbackend import LoadBalancerBackend, LoadBalancerBackendArgs
from iapgen.errors import SpecError
from iapgen.operations.runbook import runbook
from iapgen.spec import gateway as gateway_spec
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment
from iapgen.spec.stackrules import OAUTH_SECRET_MISSING, PROJECT_MISMATCH, STACK_CONFIG_INVALID
from iapgen.spec.validate import LoadedSpec, load_spec

if TYPE_CHECKING:  # imported lazily at run time: only standalone and gateway mode need them
    from components.lbfrontend import LbFrontend

DEFAULT_SPEC = "services.yaml"


def selected_environment(loaded: LoadedSpec) -> tuple[str, Environment, tuple[Exposure, ...]]:
    """The environment the stack selects, checked against gcp:project; raises SpecError."""
    config = pulumi.Config("iapgen")
    env = config.get("environment") or pulumi.get_stack()
    environment, exposures = loaded.environment(env)
    configured = pulumi.Config("gcp").get("project")
    if configured and configured != environment.project:
        raise SpecError.single(
            loaded.file, 1, f"environments.{env}.project",
            f"the spec deploys {env} to project {environment.project} but stack config gcp:project is "
            f"{configured}; fix one of them (pulumi config set gcp:project {environment.project})",
            PROJECT_MISMATCH)
    return env, environment, exposures


def deploy() -> None:
    """The program `pulumi up` runs: load the spec named by stack config, then build it."""
    spec_path = pulumi.Config("iapgen").get("spec") or DEFAULT_SPEC
    try:
        build(load_spec(spec_path))
    except SpecError as err:
        # RunError prints the message without a Python traceback.
        raise pulumi.RunError(f"iapgen: the spec has problems:\n{err}") from None


def build(loaded: LoadedSpec) -> None:
    """Create every resource of the environment the stack selects and export what users need."""
    env, environment, exposures = selected_environment(loaded)
    project = environment.project
    config = pulumi.Config("iapgen")
    client_secret = oauth_client_secret(loaded, env, environment, config)
    if environment.load_balancer == "standalone":
        build_standalone(env, environment, exposures, client_secret, wait_seconds(loaded, config))
        return
    if environment.load_balancer == "gateway":
        build_gateway(env, environment, exposures, client_secret, wait_seconds(loaded, config),
                      config.get("clusterUid") or "")
        return

    backends: dict[str, Backend] = {}
    by_namespace: dict[str, list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        backends[exposure.service.name] = Backend(exposure.service.name, BackendArgs(exposure))
        by_namespace[exposure.service.namespace].append(exposure)

    frontends = {
        # "/" keeps frontend names apart from service names (DNS labels): plan.json parents are unambiguous.
        namespace: Frontend(f"{namespace}/frontend", FrontendArgs(
            env=env, project=project, namespace=namespace, exposures=members,
            depends_on={e.service.name: backends[e.service.name] for e in members},
            oauth_client_secret=client_secret))
        for namespace, members in sorted(by_namespace.items())
    }

    project_wide = environment.iap.project_wide
    if project_wide and environment.iap.members:
        ProjectIap(f"{env}/project-iap", project, environment.iap.members)
    wait = wait_seconds(loaded, config)
    lb = {
        e.service.name: LoadBalancerBackend(f"{e.service.name}/lb", LoadBalancerBackendArgs(
            exposure=e, members=backend_members(e, project_wide), cluster_uid=config.get("clusterUid") or "",
            wait_seconds=wait, depends_on=[frontends[e.service.namespace].ingress_for(e)]))
        for e in exposures
    }

    export_environment(env, project, exposures)
    # {namespace: ...} for each namespace's Ingress 1, as always; {namespace/iapgen-N: ...} for Ingress N.
    pulumi.export("addresses", {
        naming.address_key(ns, number): {"name": ip.name, "ip": ip.address}
        for ns, f in frontends.items() for number, ip in sorted(f.addresses.items())})
    pulumi.export("services", {
        e.service.name: service_output(
            e, backends[e.service.name].service_name, frontends[e.service.namespace].address_for(e).address,
            lb[e.service.name], backendConfig=backends[e.service.name].backend_config_name)
        for e in exposures
    })


class _Backend(Protocol):
    """What every mode's per-service component tells about the backend service behind it."""

    backend_service: pulumi.Output[str]
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]


def export_environment(env: str, project: str, exposures: tuple[Exposure, ...],
                       load_balancer: str | None = None) -> None:
    """The stack outputs every mode has (ingress mode, the first, exports no loadBalancer: it is the default)."""
    pulumi.export("runbooks", {e.service.name: runbook(e) for e in exposures})
    pulumi.export("environment", env)
    pulumi.export("project", project)
    if load_balancer is not None:
        pulumi.export("loadBalancer", load_balancer)


def export_lb_frontend(lb: LbFrontend, exposures: tuple[Exposure, ...]) -> None:
    """standalone and gateway: every namespace is served at the environment's one address and certificate map."""
    address = {"name": lb.address_name, "ip": lb.address}
    pulumi.export("addresses", {ns: address for ns in sorted({e.service.namespace for e in exposures})})
    pulumi.export("certificateMap", lb.certificate_map_name)


def service_output(e: Exposure, service_name: pulumi.Output[str], ip: pulumi.Output[str], backend: _Backend,
                   **mode_fields: Any) -> dict[str, Any]:
    """One entry of the stack output `services`: the same keys in every mode, plus the mode's own."""
    return {
        "url": e.url, "host": e.host, "namespace": e.service.namespace, "service": service_name,
        "backendConfig": None, "ip": ip, "iapMembers": list(e.members) if e.service.iap.enabled else [],
        "backendService": backend.backend_service, "healthCheck": backend.health_check,
        "iapAudience": backend.iap_audience, "healthCheckLogQuery": backend.log_query, **mode_fields,
    }


def build_standalone(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                     client_secret: pulumi.Output[str] | None, wait: int) -> None:
    """loadBalancer: standalone: the stack owns the whole load balancer, one per environment."""
    # Imported per mode: each pulumi_gcp resource module costs a second of cold start (make bench).
    from components.lbfrontend import Host, LbFrontend, LbFrontendArgs
    from components.negbackend import NegBackend, NegBackendArgs
    from components.standalone import Route, StandaloneFrontend, StandaloneFrontendArgs

    project = environment.project
    project_wide = environment.iap.project_wide
    if project_wide and environment.iap.members:
        ProjectIap(f"{env}/project-iap", project, environment.iap.members)
    backends = {
        e.service.name: NegBackend(e.service.name, NegBackendArgs(
            exposure=e, members=backend_members(e, project_wide), oauth_client_secret=client_secret,
            wait_seconds=wait))
        for e in exposures
    }
    # "/" keeps environment-level names apart from service names (DNS labels).
    lb = LbFrontend(f"{env}/lb-frontend", LbFrontendArgs(
        env=env, project=project, hosts=[Host(e.service.name, e.host) for e in exposures]))
    StandaloneFrontend(f"{env}/standalone-frontend", StandaloneFrontendArgs(
        env=env, project=project, network=environment.network or "", lb=lb,
        routes=[Route(e.service.name, e.host, backends[e.service.name].backend_service_ref) for e in exposures],
        target_ports=[e.service.target_port for e in exposures]))

    export_environment(env, project, exposures, "standalone")
    export_lb_frontend(lb, exposures)
    pulumi.export("services", {
        e.service.name: service_output(
            e, backends[e.service.name].service_name, lb.address, backends[e.service.name],
            neg=e.neg_name, zones=list(environment.zones or ()))
        for e in exposures
    })


def build_gateway(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                  client_secret: pulumi.Output[str] | None, wait: int, cluster_uid: str) -> None:
    """loadBalancer: gateway: one GKE Gateway for the environment; GKE's Gateway controller makes the load
    balancer, the stack owns its IP and certificates (LbFrontend) and binds IAP on the backends it finds."""
    from components.gateway import GatewayFrontend, GatewayFrontendArgs, GatewayService, GatewayServiceArgs
    from components.lbfrontend import Host, LbFrontend, LbFrontendArgs

    project = environment.project
    project_wide = environment.iap.project_wide
    if project_wide and environment.iap.members:
        ProjectIap(f"{env}/project-iap", project, environment.iap.members)
    # "/" keeps environment-level names apart from service names (DNS labels).
    lb = LbFrontend(f"{env}/lb-frontend", LbFrontendArgs(
        env=env, project=project, hosts=[Host(e.service.name, e.host) for e in exposures]))
    gateway_namespace = environment.gateway.namespace if environment.gateway else gateway_spec.DEFAULT_NAMESPACE
    frontend = GatewayFrontend(f"{env}/gateway", GatewayFrontendArgs(
        env=env, namespace=gateway_namespace, lb=lb, exposures=exposures, oauth_client_secret=client_secret))
    services = {
        e.service.name: GatewayService(e.service.name, GatewayServiceArgs(
            exposure=e, members=backend_members(e, project_wide), frontend=frontend, cluster_uid=cluster_uid,
            wait_seconds=wait))
        for e in exposures
    }

    export_environment(env, project, exposures, "gateway")
    pulumi.export("gateway", {"namespace": gateway_namespace, "name": gateway_spec.GATEWAY})
    export_lb_frontend(lb, exposures)
    pulumi.export("services", {
        e.service.name: service_output(
            e, services[e.service.name].service_name, lb.address, services[e.service.name],
            httpRoute=gateway_spec.route_name(e.service.name),
            healthCheckPolicy=gateway_spec.policy_name(e.service.name),
            gcpBackendPolicy=gateway_spec.policy_name(e.service.name))
        for e in exposures
    })


def wait_seconds(loaded: LoadedSpec, config: pulumi.Config) -> int:
    raw = config.get("backendWaitSeconds")
    if raw is None:
        return DEFAULT_WAIT_SECONDS
    if not raw.strip().isascii() or not raw.strip().isdecimal() or not 1 <= int(raw) <= 86400:
        raise SpecError.single(
            loaded.file, None, "iapgen:backendWaitSeconds",
            f"stack config iapgen:backendWaitSeconds is {raw[:40]!r}; it is the seconds to wait for GKE to create "
            "each backend: a whole number from 1 to 86400 (default 900)", STACK_CONFIG_INVALID)
    return int(raw)


def backend_members(exposure: Exposure, project_wide: bool) -> list[str]:
    """Principals bound on this service's backend: none when IAP is off; the environment's go
    project-wide instead when it asks for that."""
    if not exposure.service.iap.enabled:
        return []
    return list(exposure.service.iap.members if project_wide else exposure.members)


def oauth_client_secret(loaded: LoadedSpec, env: str, environment: Environment,
                        config: pulumi.Config) -> pulumi.Output[str] | None:
    if not environment.iap.oauth_client_id:
        return None
    secret = config.get_secret(OAUTH_SECRET_CONFIG)
    if secret is None:
        raise SpecError.single(
            loaded.file, 1, f"environments.{env}.iap.oauthClientId",
            f"names a custom OAuth client, but stack config iapgen:{OAUTH_SECRET_CONFIG} is not set: run pulumi "
            f"config set --secret iapgen:{OAUTH_SECRET_CONFIG} CLIENT_SECRET (or omit oauthClientId to use the "
            "Google-managed client)", OAUTH_SECRET_MISSING)
    return secret
