"""`loadBalancer: multicluster-gateway`: one multi-cluster GKE Gateway over a fleet. Each member that runs a
service gets its Service and a ServiceExport; the config cluster holds the Gateway, an HTTPRoute per service to
its ServiceImport and the policies (health check with logging, IAP) on that ServiceImport; the stack owns the IP
and certificates and binds IAP on the backends GKE makes (docs/modes/multicluster-gateway.md)."""

from __future__ import annotations

from iapgen.modes.base import ModuleMode
from iapgen.modes.multicluster import checks, views
from iapgen.modes.multicluster.environment import MulticlusterEnvironment
from iapgen.operations import preflighttable

MODE = ModuleMode(
    name="multicluster-gateway", environment=MulticlusterEnvironment, components="components.multicluster",
    # Fleet APIs too: multi-cluster Services and Gateway (docs/gke-behaviour.md#mc-fleet-members).
    apis=("compute.googleapis.com", "certificatemanager.googleapis.com", "iap.googleapis.com",
          "cloudresourcemanager.googleapis.com", "gkehub.googleapis.com",
          "multiclusterservicediscovery.googleapis.com", "multiclusteringress.googleapis.com",
          "trafficdirector.googleapis.com", "dns.googleapis.com"),
    google_managed_oauth_client=False, pins_ingresses=False,
    checks=checks, views=views, doctor="iapgen.modes.multicluster.doctor", counts=preflighttable.multicluster,
    service_fields=frozenset({"clusters"}))
