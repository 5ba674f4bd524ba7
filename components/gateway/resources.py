"""Gateway mode: one GKE Gateway per environment, and per service what makes it a correct, IAP-protected backend.

GKE's Gateway controller creates the Google Cloud load balancer from these objects
(docs/gke-behaviour.md, "GKE Gateway"):
- GatewayFrontend: the gateway namespace; a Gateway of class gke-l7-global-external-managed with an HTTPS
  listener that takes its certificates from the environment's Certificate Manager map (annotation
  networking.gke.io/certmap) and an HTTP listener whose only route redirects to HTTPS; the static IP as a
  NamedAddress; HTTPS routes admitted from exactly the services' namespaces. With a custom OAuth client,
  the Secret each namespace's GCPBackendPolicies name. The IP and the map come from LbFrontend.
- GatewayService: the Service (one named port whose appProtocol carries the protocol), its HTTPRoute, a
  HealthCheckPolicy (type = protocol, the container port, path, timings, logging on) and a GCPBackendPolicy
  (IAP with the custom client); then, once the controller has made the gkegw1-... backend service, one IAP
  IAM member per principal on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import iap
from components.gwbackend import GatewayBackend, GatewayBackendArgs
from components.lbfrontend import LbFrontend
from components.shared import MANAGED_BY
from iapgen.spec import gateway as gw
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure

GATEWAY_API = "gateway.networking.k8s.io/v1"
GKE_NETWORKING = "networking.gke.io/v1"


@dataclass(frozen=True)
class GatewayFrontendArgs:
    env: str
    namespace: str
    """The gateway namespace (environments.<env>.gateway.namespace)."""
    create_namespace: bool
    """Whether the stack creates it (gateway.createNamespace); never when a service lives there."""
    lb: LbFrontend
    exposures: Sequence[Exposure]
    oauth_client_secret: pulumi.Output[str] | None = None
    gateway_class: str = gw.GATEWAY_CLASS
    """The GatewayClass (multi-cluster mode's is gke-l7-global-external-managed-mc)."""


class GatewayFrontend(pulumi.ComponentResource):
    """The environment's Gateway, its HTTP-to-HTTPS redirect, and the OAuth client Secrets."""

    gateway: k8s.apiextensions.CustomResource
    secrets: dict[str, k8s.core.v1.Secret]
    namespace: str
    """The gateway namespace."""
    """Per service namespace, with a custom OAuth client."""

    def __init__(self, name: str, args: GatewayFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:gateway:GatewayFrontend", name, None, opts)
        self.namespace = args.namespace
        namespaces = sorted({e.service.namespace for e in args.exposures})
        # A service namespace exists already (iapgen never creates those), and so does one the spec says exists
        # (createNamespace: false); otherwise the Gateway's is made here. pulumi-kubernetes >= 4.29 refuses to create
        # a namespace that exists (unless kubernetes:upsertExistingObjects is set), so the stack never takes one
        # over. Never deleted with the stack all the same (retain_on_delete): a stack deployed with an older
        # pulumi-kubernetes may hold a namespace it took over silently, and destroying it would delete what others
        # put there.
        owned = args.create_namespace and args.namespace not in namespaces
        created: list[pulumi.Resource] = [] if not owned else [k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=args.namespace, labels=dict(MANAGED_BY)),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))]
        after_namespace = pulumi.ResourceOptions(parent=self, depends_on=created)
        self.gateway = k8s.apiextensions.CustomResource(
            f"{name}-gateway",
            api_version=GATEWAY_API,
            kind="Gateway",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=gw.GATEWAY, namespace=args.namespace, labels=dict(MANAGED_BY),
                annotations={gw.CERTMAP_ANNOTATION: naming.certificate_map(args.env)}),
            spec=gw.gateway_spec(naming.environment_address(args.env), namespaces, args.gateway_class),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*created, args.lb],
                                        # A first Gateway takes several minutes to program.
                                        custom_timeouts=pulumi.CustomTimeouts(create="20m", update="20m")),
        )
        k8s.apiextensions.CustomResource(
            f"{name}-https-redirect",
            api_version=GATEWAY_API,
            kind="HTTPRoute",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=gw.REDIRECT_ROUTE, namespace=args.namespace,
                                                labels=dict(MANAGED_BY)),
            spec=gw.redirect_route_spec(args.namespace),
            opts=after_namespace,
        )
        self.secrets = {}
        client_id = args.exposures[0].environment.iap.oauth_client_id if args.exposures else None
        if client_id and args.oauth_client_secret is not None:
            # The client's secret goes only where a GCPBackendPolicy names it: a namespace with IAP on somewhere.
            for ns in sorted({e.service.namespace for e in args.exposures if e.service.iap.enabled}):
                self.secrets[ns] = oauth_secret(self, f"{name}-{ns}", ns, client_id, args.oauth_client_secret)
        self.register_outputs({})


def oauth_secret(parent: pulumi.Resource, name: str, namespace: str, client_id: str,
                 client_secret: pulumi.Output[str]) -> k8s.core.v1.Secret:
    """The Secret a GCPBackendPolicy's oauth2ClientSecret names: the secret under `key` (GKE's examples), and
    client_id/client_secret as in ingress mode (gke-behaviour.md#gcpbackendpolicy-iap)."""
    return k8s.core.v1.Secret(
        f"{name}-oauth-secret",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=gw.OAUTH_SECRET, namespace=namespace, labels=dict(MANAGED_BY)),
        type="Opaque",
        string_data={"key": client_secret, "client_id": client_id, "client_secret": client_secret},
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["stringData", "data"]),
    )


@dataclass(frozen=True)
class GatewayServiceArgs:
    exposure: Exposure
    members: Sequence[str]
    """Principals to bind on the backend service (empty when IAP is off or granted project-wide)."""
    frontend: GatewayFrontend
    cluster_uid: str = ""
    wait_seconds: int = 900


class GatewayService(pulumi.ComponentResource):
    """One service's Service, HTTPRoute, HealthCheckPolicy, GCPBackendPolicy and IAP bindings."""

    service_name: pulumi.Output[str]
    backend_service: pulumi.Output[str]
    """The gkegw1-... backend service GKE made."""
    health_check: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: GatewayServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:gateway:GatewayService", name, None, opts)
        exposure, service = args.exposure, args.exposure.service
        child = pulumi.ResourceOptions(parent=self)
        health, policy = policies(name, exposure, args.frontend, child)
        svc = app_service(f"{name}-service", exposure,
                          # The policies first: GKE never builds a backend without its health check and IAP.
                          pulumi.ResourceOptions(parent=self, depends_on=[health, policy]))
        route = http_route(name, exposure, args.frontend,
                           pulumi.ResourceOptions(parent=self, depends_on=[svc, args.frontend.gateway]))
        backend = GatewayBackend(
            f"{name}-backend",
            GatewayBackendArgs(project=exposure.environment.project, namespace=service.namespace,
                               service=service.name, port=service.port, cluster_uid=args.cluster_uid,
                               wait_seconds=args.wait_seconds),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[route, health, policy],
                                        custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")))
        self.bindings = iap.bind_backend_members(self, f"{name}-iap", exposure.environment.project,
                                                 backend.backend_service_name, args.members)
        self.service_name = svc.urn.apply(lambda _: service.name)  # known from the spec; after the Service
        self.backend_service = backend.backend_service_name
        self.health_check = backend.health_check_name
        self.iap_audience = backend.iap_audience
        self.log_query = backend.log_query
        self.register_outputs({"service_name": self.service_name, "backend_service": self.backend_service,
                               "health_check": self.health_check, "iap_audience": self.iap_audience,
                               "log_query": self.log_query})


def object_meta(exposure: Exposure, object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
    """Metadata of a per-service object: in the service's namespace, labelled with iapgen and the service."""
    labels = {**MANAGED_BY, "iapgen.dev/service": exposure.service.name}
    return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=exposure.service.namespace, labels=labels)


def policies(name: str, exposure: Exposure, frontend: GatewayFrontend, opts: pulumi.ResourceOptions,
             target_ref: dict[str, str] | None = None
             ) -> tuple[k8s.apiextensions.CustomResource, k8s.apiextensions.CustomResource]:
    """The service's HealthCheckPolicy (logging on) and GCPBackendPolicy (IAP), targeting its Service or
    `target_ref` (gateway.target())."""
    service = exposure.service
    hc = service.health_check
    health = k8s.apiextensions.CustomResource(
        f"{name}-healthcheckpolicy", api_version=GKE_NETWORKING, kind="HealthCheckPolicy",
        metadata=object_meta(exposure, gw.policy_name(service.name)),
        spec=gw.health_check_policy_spec(service.name, service.protocol, service.target_port, hc.path,
                                         hc.check_interval_sec, hc.timeout_sec, hc.healthy_threshold,
                                         hc.unhealthy_threshold, target_ref),
        opts=opts)
    secret = frontend.secrets.get(service.namespace)
    policy = k8s.apiextensions.CustomResource(
        f"{name}-gcpbackendpolicy", api_version=GKE_NETWORKING, kind="GCPBackendPolicy",
        metadata=object_meta(exposure, gw.policy_name(service.name)),
        spec=gw.backend_policy_spec(service.name, service.iap.enabled, exposure.environment.iap.oauth_client_id,
                                    exposure.sample_rate, target_ref),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            depends_on=[secret] if secret is not None else [])))
    return health, policy


def app_service(logical_name: str, exposure: Exposure, opts: pulumi.ResourceOptions) -> k8s.core.v1.Service:
    """The app's Service: one named port whose appProtocol carries the protocol GKE Gateway speaks."""
    service = exposure.service
    return k8s.core.v1.Service(
        logical_name,
        metadata=object_meta(exposure, service.name),
        spec=k8s.core.v1.ServiceSpecArgs(
            type="ClusterIP",
            selector=dict(service.selector),
            ports=[k8s.core.v1.ServicePortArgs(
                name=exposure.port_name, port=service.port, target_port=service.target_port, protocol="TCP",
                app_protocol=gw.app_protocol(service.protocol))],
        ),
        opts=opts,
    )


def http_route(name: str, exposure: Exposure, frontend: GatewayFrontend, opts: pulumi.ResourceOptions,
               backend: dict[str, str] | None = None) -> k8s.apiextensions.CustomResource:
    """The service's HTTPRoute on the Gateway's HTTPS listener, to its Service or `backend`."""
    service = exposure.service
    return k8s.apiextensions.CustomResource(
        f"{name}-httproute", api_version=GATEWAY_API, kind="HTTPRoute",
        metadata=object_meta(exposure, gw.route_name(service.name)),
        spec=gw.route_spec(exposure.host, service.name, service.port, frontend.namespace, backend),
        opts=opts)
