"""LbFrontend: one environment's global static IP and Certificate Manager map.

Any load balancer the stack owns or points GKE at needs the same two things in front: an IP that
DNS can point at for good, and certificates for every host. Certificate Manager serves them
through one certificate map, with one Google-managed certificate per host (load-balancer
authorization: no DNS record needed, issued once the load balancer serves the host on 443) and
one map entry per host, so the number of hosts is not capped at a target proxy's 15 certificates
(docs/gke-behaviour.md#certificate-manager-map, #target-https-proxy-certificate-map).

Consumers: the standalone load balancer (components/standalone/frontend.py) puts `certificate_map_ref`
on its target HTTPS proxy and `address_ref` on its forwarding rules; a GKE Gateway would name
`certificate_map_name` in its `networking.gke.io/certmap` annotation and `address_name` as a
NamedAddress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

# The resources' own modules, not pulumi_gcp.compute's package (which imports every Compute resource).
from pulumi_gcp.certificatemanager.certificate import Certificate
from pulumi_gcp.certificatemanager.certificate_map import CertificateMap
from pulumi_gcp.certificatemanager.certificate_map_entry import CertificateMapEntry
from pulumi_gcp.compute.global_address import GlobalAddress

from iapgen.spec import naming
from iapgen.spec.exposure import Exposure

LABELS = {"managed-by": "iapgen"}
CERTIFICATE_MANAGER = "//certificatemanager.googleapis.com"


@dataclass(frozen=True)
class Host:
    """One host the frontend serves, and the service whose name its certificate carries."""

    service: str
    host: str


@dataclass(frozen=True)
class LbFrontendArgs:
    env: str
    project: str
    hosts: Sequence[Host]


class LbFrontend(pulumi.ComponentResource):
    """The environment's static IP and its certificate map with one certificate and entry per host."""

    address: pulumi.Output[str]
    """The reserved IPv4 address: point every host's DNS A record at it."""
    address_name: pulumi.Output[str]
    """The GCE name of that address (a Gateway's NamedAddress)."""
    address_ref: pulumi.Output[str]
    """projects/<p>/global/addresses/<name>: what a forwarding rule's ip_address takes."""
    certificate_map_name: pulumi.Output[str]
    """The certificate map's name (a Gateway's networking.gke.io/certmap annotation)."""
    certificate_map_ref: pulumi.Output[str]
    """//certificatemanager.googleapis.com/projects/<p>/locations/global/certificateMaps/<name>: what a
    target HTTPS proxy's certificate_map takes."""

    def __init__(self, name: str, args: LbFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:lbfrontend:LbFrontend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project, env = args.project, args.env

        ip = GlobalAddress(
            f"{name}-address",
            name=naming.environment_address(env),
            project=project,
            address_type="EXTERNAL",
            ip_version="IPV4",
            description=f"iapgen: load balancer IP of environment {env}",
            opts=child,
        )
        cert_map = CertificateMap(
            f"{name}-certificate-map",
            name=naming.certificate_map(env),
            project=project,
            description=f"iapgen: certificates of every host of environment {env}",
            labels=LABELS,
            opts=child,
        )
        self.certificates: list[Certificate] = []
        self.entries: list[CertificateMapEntry] = []
        for host in args.hosts:
            cert_name = naming.certificate_manager(env, host.service)
            certificate = Certificate(
                f"{name}-{host.service}-certificate",
                name=cert_name,
                project=project,
                scope="DEFAULT",
                # No dns_authorizations: load-balancer authorization, no DNS record to create.
                managed={"domains": [host.host]},
                description=f"iapgen: {host.host}",
                labels=LABELS,
                opts=child,
            )
            self.certificates.append(certificate)
            self.entries.append(CertificateMapEntry(
                f"{name}-{host.service}-map-entry",
                name=cert_name,
                project=project,
                map=cert_map.name,
                hostname=host.host,
                certificates=[pulumi.Output.concat(
                    "projects/", project, "/locations/global/certificates/", certificate.name)],
                labels=LABELS,
                opts=child,
            ))
        self.address = ip.address
        self.address_name = ip.name
        self.address_ref = pulumi.Output.concat("projects/", project, "/global/addresses/", ip.name)
        self.certificate_map_name = cert_map.name
        self.certificate_map_ref = pulumi.Output.concat(
            CERTIFICATE_MANAGER, "/projects/", project, "/locations/global/certificateMaps/", cert_map.name)
        self.register_outputs({
            "address": self.address, "address_name": self.address_name, "address_ref": self.address_ref,
            "certificate_map_name": self.certificate_map_name, "certificate_map_ref": self.certificate_map_ref,
        })


def address_outputs(lb: LbFrontend, exposures: Sequence[Exposure]) -> dict[str, Any]:
    """Stack outputs: every namespace is served at the environment's one address and certificate map."""
    address = {"name": lb.address_name, "ip": lb.address}
    return {"addresses": {ns: address for ns in sorted({e.service.namespace for e in exposures})},
            "certificateMap": lb.certificate_map_name}
