"""The backend service GKE's multi-cluster Gateway controller creates for one ServiceImport port, as a Pulumi
resource: found read-only, like single-cluster Gateway's (components/gwbackend.py), with the multi-cluster
naming (docs/gke-behaviour.md#mc-gateway-backend-service-naming): `gkemcg1-<namespace>-<service>-<port>-<12>`,
whose NEGs (one per member and zone) belong to the exported Service or the Service MCS derives from the
ServiceImport (gke-mcs-...), in the same namespace."""

from __future__ import annotations

from typing import Any

from components.gwbackend import GatewayBackend, GatewayBackendProvider, find_gateway_backend
from iapgen.googleapi.compute import Client
from iapgen.modes.multicluster import objects


class MulticlusterBackendProvider(GatewayBackendProvider):
    """Find and describe the gkemcg1-... backend service, never patch."""

    def _find(self, client: Client, props: dict[str, Any], since: float | None = None) -> dict[str, Any] | None:
        namespace, service, port = str(props["namespace"]), str(props["service"]), int(props["port"])
        return find_gateway_backend(
            client, namespace, service, port, since=since, prefix=objects.BACKEND_PREFIX,
            exact=lambda name: objects.name_is_exact(name, namespace, service, port),
            cut_fits=lambda name: objects.name_cut_fits(name, namespace, service, port),
            neg_verdict=lambda text: objects.neg_verdict(text, namespace, service))

    def _not_ready_hint(self, namespace: str, service: str) -> str:
        return (f"GKE's multi-cluster Gateway controller creates it once the ServiceImport {namespace}/{service} "
                "exists in the config cluster (from a ServiceExport in a member), an accepted HTTPRoute routes to it "
                "and ready Pods back it. Check: kubectl get serviceexport,serviceimport -n "
                f"{namespace} in each cluster, kubectl get httproute {service} -n {namespace} in the config cluster")


class MulticlusterBackend(GatewayBackend, module="iapgen", name="MulticlusterBackend"):
    """The gkemcg1-... backend service of one ServiceImport port."""
