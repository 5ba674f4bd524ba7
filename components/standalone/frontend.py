"""StandaloneFrontend: the routing half of a load balancer the stack owns, one per environment.

In front of every service's backend service (components/standalone/negbackend.py), for all namespaces:
- a URL map with one host rule per host, each to its own backend service
  (docs/gke-behaviour.md#url-map-host-rules). A URL map needs a default; the only default without
  a backend is a redirect, so a host the spec does not list is redirected to a host under the
  reserved `.invalid` top-level domain (RFC 6761), which never resolves: it reaches no app;
- a target HTTPS proxy with the environment's certificate map (#target-https-proxy-certificate-map);
- a port-80 URL map that only redirects to HTTPS, and its target HTTP proxy;
- forwarding rules on 443 and 80 at the environment's static IP, EXTERNAL_MANAGED like the backend
  services (#lb-scheme-explicit);
- a firewall rule on the cluster's network admitting Google's health-check and proxy ranges to
  every target port (#hc-source-ranges).
The IP and certificates come from LbFrontend (components/lbfrontend.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp.compute.firewall import Firewall
from pulumi_gcp.compute.global_forwarding_rule import GlobalForwardingRule
from pulumi_gcp.compute.target_http_proxy import TargetHttpProxy
from pulumi_gcp.compute.target_https_proxy import TargetHttpsProxy
from pulumi_gcp.compute.url_map import URLMap

from components.lbfrontend import LbFrontend
from components.standalone.negbackend import LOAD_BALANCING_SCHEME
from iapgen.spec import naming

HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
NO_APP_HOST = "no-app.invalid"


@dataclass(frozen=True)
class Route:
    service: str
    host: str
    backend_service_ref: pulumi.Input[str]


@dataclass(frozen=True)
class StandaloneFrontendArgs:
    env: str
    project: str
    network: str
    routes: Sequence[Route]
    target_ports: Sequence[int]
    lb: LbFrontend
    node_tags: Sequence[str] = ()
    """The firewall rule's targets: the nodes' network tags, or ..."""
    node_service_account: str | None = None
    """... their service account."""


class StandaloneFrontend(pulumi.ComponentResource):
    """URL maps, proxies, forwarding rules and the health-check firewall of one environment."""

    url_map: pulumi.Output[str]
    """The HTTPS URL map's name."""

    def __init__(self, name: str, args: StandaloneFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:standalone:StandaloneFrontend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        env, project = args.env, args.project

        def ref(collection: str, resource_name: pulumi.Input[str]) -> pulumi.Output[str]:
            return pulumi.Output.concat("projects/", project, f"/global/{collection}/", resource_name)

        url_map = URLMap(
            f"{name}-url-map",
            name=naming.url_map(env),
            project=project,
            description=f"iapgen: each host of environment {env} to its backend service",
            host_rules=[{"hosts": [r.host], "path_matcher": r.service} for r in args.routes],
            path_matchers=[{"name": r.service, "default_service": r.backend_service_ref} for r in args.routes],
            default_url_redirect={"host_redirect": NO_APP_HOST, "path_redirect": "/", "strip_query": True,
                                  "redirect_response_code": "FOUND"},
            opts=child,
        )
        https_proxy = TargetHttpsProxy(
            f"{name}-https-proxy",
            name=naming.https_proxy(env),
            project=project,
            url_map=ref("urlMaps", url_map.name),
            certificate_map=args.lb.certificate_map_ref,
            opts=child,
        )
        redirect_map = URLMap(
            f"{name}-http-redirect",
            name=naming.http_redirect(env),
            project=project,
            description=f"iapgen: HTTP to HTTPS for environment {env}",
            default_url_redirect={"https_redirect": True, "strip_query": False,
                                  "redirect_response_code": "MOVED_PERMANENTLY_DEFAULT"},
            opts=child,
        )
        http_proxy = TargetHttpProxy(
            f"{name}-http-proxy",
            name=naming.http_redirect(env),
            project=project,
            url_map=ref("urlMaps", redirect_map.name),
            opts=child,
        )
        for scheme, port, target in (("https", "443", ref("targetHttpsProxies", https_proxy.name)),
                                     ("http", "80", ref("targetHttpProxies", http_proxy.name))):
            GlobalForwardingRule(
                f"{name}-{scheme}-forwarding-rule",
                name=naming.forwarding_rule(env, scheme),
                project=project,
                description=f"iapgen: {scheme.upper()} of environment {env}",
                target=target,
                ip_address=args.lb.address_ref,
                ip_protocol="TCP",
                port_range=port,
                load_balancing_scheme=LOAD_BALANCING_SCHEME,
                opts=child,
            )
        ports = sorted(set(args.target_ports))
        if ports:  # an allow rule without ports would admit every port
            Firewall(
                f"{name}-health-check-firewall",
                name=naming.health_check_firewall(env),
                project=project,
                network=args.network,
                description=f"iapgen: Google health checks and proxies to the Pods of environment {env}",
                direction="INGRESS",
                source_ranges=list(HEALTH_CHECK_RANGES),
                allows=[{"protocol": "tcp", "ports": [str(p) for p in ports]}],
                # Only the cluster's nodes: an untargeted rule would open these ports on every VM of the network.
                target_tags=list(args.node_tags) or None,
                target_service_accounts=[args.node_service_account] if args.node_service_account else None,
                opts=child,
            )
        self.url_map = url_map.name
        self.register_outputs({"url_map": self.url_map})
