"""Frontend: the HTTPS entry point shared by the services of one namespace.

One GKE Ingress (class `gce`, the external Application Load Balancer) per namespace, because
an Ingress can only route to Services in its own namespace and every Ingress costs its own
forwarding rules, URL map, proxy and IP. It gets:
- a reserved global static IP (pulumi-gcp `GlobalAddress`), so DNS never has to change;
- one ManagedCertificate per host, so a host whose DNS is not ready yet does not hold back
  the certificates of the others (a target HTTPS proxy takes at most 15);
- a FrontendConfig that redirects HTTP to HTTPS (IAP needs HTTPS; port 80 only redirects);
- with a custom IAP OAuth client, the Secret its BackendConfigs name (iap.py);
- one rule per host, routed to that service's Service port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

# The resource's own module: `pulumi_gcp.compute` would import all ~500 compute resources (about 1 s).
from pulumi_gcp.compute.global_address import GlobalAddress

from components import iap
from components.backend import MANAGED_BY
from iapgen.spec import naming, pinned
from iapgen.spec.validate import Exposure

# Every field of a global address but labels is immutable: a difference replaces it, and a new address is a new
# IP. An adopted address keeps whatever it was created with (docs/gke-behaviour.md#adoption-immutable-fields).
ADOPTED_ADDRESS_IGNORED = ["description", "addressType", "ipVersion"]


@dataclass(frozen=True)
class FrontendArgs:
    env: str
    project: str
    namespace: str
    exposures: Sequence[Exposure]
    depends_on: Sequence[pulumi.Resource] = ()
    oauth_client_secret: pulumi.Output[str] | None = None
    """The custom OAuth client's secret (from stack secret config), when the environment names a client."""


def ingress_rules(exposures: Sequence[Exposure]) -> list[k8s.networking.v1.IngressRuleArgs]:
    """One rule per host: every path to that service's Service port."""
    net = k8s.networking.v1
    return [
        net.IngressRuleArgs(
            host=exposure.host,
            http=net.HTTPIngressRuleValueArgs(paths=[net.HTTPIngressPathArgs(
                path="/",
                path_type="Prefix",
                backend=net.IngressBackendArgs(service=net.IngressServiceBackendArgs(
                    name=exposure.service.name,
                    port=net.ServiceBackendPortArgs(number=exposure.service.port))),
            )]),
        )
        for exposure in exposures
    ]


class Frontend(pulumi.ComponentResource):
    """Static IP, certificates, HTTPS redirect and the Ingress for one namespace."""

    address: pulumi.Output[str]
    """The reserved IPv4 address: point every host's DNS A record at it."""
    address_name: pulumi.Output[str]
    """The GCE name of that address."""

    def __init__(self, name: str, args: FrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:frontend:Frontend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namespace = args.namespace
        labels = {**MANAGED_BY}
        first = args.exposures[0].service  # the namespace's Ingress and IP names: every service pins the same

        ip = GlobalAddress(
            f"{name}-address",
            name=pinned.static_ip(args.env, first),
            project=args.project,
            address_type="EXTERNAL",
            ip_version="IPV4",
            description=f"iapgen: load balancer IP of the {namespace} Ingress ({args.env})",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=ADOPTED_ADDRESS_IGNORED)
            if pinned.adopted_static_ip(first) else child,
        )
        certificates = [
            k8s.apiextensions.CustomResource(
                f"{name}-{exposure.service.name}-certificate",
                api_version="networking.gke.io/v1",
                kind="ManagedCertificate",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=pinned.certificate(exposure.service), namespace=namespace,
                    labels={**labels, "iapgen.dev/service": exposure.service.name}),
                spec={"domains": [exposure.host]},
                opts=child,
            )
            for exposure in args.exposures
        ]
        redirect = k8s.apiextensions.CustomResource(
            f"{name}-https-redirect",
            api_version="networking.gke.io/v1beta1",
            kind="FrontendConfig",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=naming.FRONTEND_CONFIG, namespace=namespace, labels=labels),
            spec={"redirectToHttps": {"enabled": True, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"}},
            opts=child,
        )
        extra: list[pulumi.Resource] = []
        client_id = args.exposures[0].environment.iap.oauth_client_id if args.exposures else None
        if client_id and args.oauth_client_secret is not None:
            extra.append(iap.oauth_secret(self, name, namespace, client_id, args.oauth_client_secret))
        ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=pinned.ingress(first),
                namespace=namespace,
                labels=labels,
                annotations={
                    # GKE selects its controller by this annotation; ingressClassName is ignored.
                    "kubernetes.io/ingress.class": "gce",
                    "kubernetes.io/ingress.global-static-ip-name": ip.name,
                    "networking.gke.io/managed-certificates": ",".join(
                        pinned.certificate(e.service) for e in args.exposures),
                    "networking.gke.io/v1beta1.FrontendConfig": naming.FRONTEND_CONFIG,
                },
            ),
            spec=k8s.networking.v1.IngressSpecArgs(rules=ingress_rules(args.exposures)),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[ip, redirect, *certificates, *extra, *args.depends_on],
                # A first GKE load balancer takes several minutes to program.
                custom_timeouts=pulumi.CustomTimeouts(create="20m", update="20m"),
            ),
        )
        self.ingress = ingress
        self.address = ip.address
        self.address_name = ip.name
        self.register_outputs({"address": self.address, "address_name": self.address_name})
