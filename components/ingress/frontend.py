"""Frontend: the HTTPS entry points shared by the services of one namespace.

GKE Ingresses (class `gce`, the external Application Load Balancer) per namespace, because an
Ingress can only route to Services in its own namespace and every Ingress costs its own
forwarding rules, URL map, proxy and IP. One ManagedCertificate per host, so a host whose DNS
is not ready yet does not hold back the certificates of the others; a target HTTPS proxy takes
at most 15, so a namespace with more than 15 hosts gets Ingress 2, 3, ... (iapgen.spec.layout
says which serves each host). The namespace gets:
- per Ingress, a reserved global static IP (pulumi-gcp `GlobalAddress`), so DNS never has to change;
- per host, its ManagedCertificate, named after the service whichever Ingress serves it;
- one FrontendConfig that redirects HTTP to HTTPS (IAP needs HTTPS; port 80 only redirects), shared;
- with a custom IAP OAuth client, the Secret its BackendConfigs name (iap.py);
- per Ingress, one rule per host, routed to that service's Service port.
Ingress 1's objects keep the logical names they had when it was the only one, so growing a
namespace past 15 hosts replaces nothing. Live names pinned under `names:` (adoption) replace
iapgen's for the Ingress, its static IP and the certificates; a pinned static IP already exists,
so what only its creator knows (description, type, IP version) stays out of the diff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

# The resource's own module: `pulumi_gcp.compute` would import all ~500 compute resources (about 1 s).
from pulumi_gcp.compute.global_address import GlobalAddress

from components import iap
from components.shared import MANAGED_BY
from iapgen.spec import naming, pinned
from iapgen.spec.exposure import Exposure

# Every field of a global address but labels is immutable: a difference replaces it, and a new address is a new
# IP. An adopted address keeps whatever it was created with (docs/gke-behaviour.md#adoption-immutable-fields).
ADOPTED_ADDRESS_IGNORED = ["description", "addressType", "ipVersion"]


@dataclass(frozen=True)
class FrontendArgs:
    env: str
    project: str
    namespace: str
    exposures: Sequence[Exposure]
    depends_on: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    """What each service's Ingress waits for, by service name (its Service and BackendConfig)."""
    oauth_client_secret: pulumi.Output[str] | None = None
    """The custom OAuth client's secret (from stack secret config), when the environment names a client."""

    def depends_for(self, members: Sequence[Exposure]) -> list[pulumi.Resource]:
        return [self.depends_on[e.service.name] for e in members if e.service.name in self.depends_on]


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
    """Static IPs, certificates, HTTPS redirect and the Ingresses for one namespace."""

    address: pulumi.Output[str]
    """The reserved IPv4 address of Ingress 1: point its hosts' DNS A records at it."""
    address_name: pulumi.Output[str]
    """The GCE name of that address."""

    def __init__(self, name: str, args: FrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:frontend:Frontend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namespace = args.namespace
        labels = {**MANAGED_BY}
        certificates = {
            exposure.service.name: k8s.apiextensions.CustomResource(
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
        }
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
        # The client's secret goes only where a BackendConfig names it: a namespace with IAP on somewhere.
        iap_on = any(e.service.iap.enabled for e in args.exposures)
        if client_id and args.oauth_client_secret is not None and iap_on:
            extra.append(iap.oauth_secret(self, name, namespace, client_id, args.oauth_client_secret))
        groups: dict[int, list[Exposure]] = {}
        for exposure in args.exposures:
            groups.setdefault(exposure.ingress_number, []).append(exposure)
        self.ingresses: dict[int, k8s.networking.v1.Ingress] = {}
        self.addresses: dict[int, GlobalAddress] = {}
        for number, members in sorted(groups.items()):
            # Ingress 1's children keep their first names: {name}-address, {name}-ingress.
            prefix = name if number == 1 else f"{name}-{number}"
            lead = members[0]  # every service on one Ingress pins the same Ingress and IP names, or none
            ip = GlobalAddress(
                f"{prefix}-address",
                name=lead.static_ip_name,
                project=args.project,
                address_type="EXTERNAL",
                ip_version="IPV4",
                description=f"iapgen: load balancer IP of the {namespace} Ingress"
                + ("" if number == 1 else f" {naming.ingress(number)}") + f" ({args.env})",
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=ADOPTED_ADDRESS_IGNORED)
                if pinned.adopted_static_ip(lead.service) else child,
            )
            mine = [certificates[e.service.name] for e in members]
            self.addresses[number] = ip
            self.ingresses[number] = k8s.networking.v1.Ingress(
                f"{prefix}-ingress",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=lead.ingress_name,
                    namespace=namespace,
                    labels=labels,
                    annotations={
                        # GKE selects its controller by this annotation; ingressClassName is ignored.
                        "kubernetes.io/ingress.class": "gce",
                        "kubernetes.io/ingress.global-static-ip-name": ip.name,
                        "networking.gke.io/managed-certificates": ",".join(
                            pinned.certificate(e.service) for e in members),
                        "networking.gke.io/v1beta1.FrontendConfig": naming.FRONTEND_CONFIG,
                    },
                ),
                spec=k8s.networking.v1.IngressSpecArgs(rules=ingress_rules(members)),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[ip, redirect, *mine, *extra, *args.depends_for(members)],
                    # A first GKE load balancer takes several minutes to program.
                    custom_timeouts=pulumi.CustomTimeouts(create="20m", update="20m"),
                ),
            )
        first = self.addresses[min(self.addresses)]
        self.address = first.address
        self.address_name = first.name
        self.register_outputs({"address": self.address, "address_name": self.address_name})

    def ingress_for(self, exposure: Exposure) -> k8s.networking.v1.Ingress:
        """The Ingress that serves this service's host."""
        return self.ingresses[exposure.ingress_number]

    def address_for(self, exposure: Exposure) -> GlobalAddress:
        return self.addresses[exposure.ingress_number]
