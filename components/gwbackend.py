"""The backend service GKE's Gateway controller creates for one Service port, as a Pulumi resource.

In gateway mode the health check (with logging) is declared by HealthCheckPolicy and IAP is switched on by
GCPBackendPolicy, so nothing needs patching; what only the live backend knows is still needed: its name for
the IAP IAM bindings, its id for the IAP JWT audience, and its NEG ids for the health-check log query.

How the backend is found (docs/gke-behaviour.md#gateway-backend-service-naming): the controller names it
`gkegw1-<4>-<namespace>-<service>-<Service port>-<12>`, with the middle fields shortened to fit 63
characters, and its backends are NEGs whose description names the Service exactly
(`{"cluster-uid", "namespace", "service-name", "port"}`). A candidate must fit the name and, when its NEG
has that description, match it. This dynamic resource reads; it changes nothing in the project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.hclogging import DEFAULT_WAIT_SECONDS, HealthCheckLoggingProvider, _pickler_restored, inspect
from iapgen.googleapi.compute import ApiError, Client, NotFound
from iapgen.spec.gateway import BACKEND_PREFIX, name_fits, neg_matches

NegVerdict = Callable[[str], bool | None]
"""A NEG's description -> True/False when it says whose NEG it is, None when it says nothing usable."""


def find_gateway_backend(client: Client, namespace: str, service: str, port: int, cluster_uid: str = "", *,
                         prefix: str = BACKEND_PREFIX, fits: Callable[[str], bool] | None = None,
                         neg_verdict: NegVerdict | None = None) -> dict[str, Any] | None:
    """The backend service the Gateway controller made for this Service port, or None if there is none yet.
    `prefix`, `fits` and `neg_verdict` default to single-cluster Gateway's naming (gkegw1-) and NEG
    descriptions; the multi-cluster mode passes its own."""
    fits = fits or (lambda name: name_fits(name, namespace, service, port))
    neg_verdict = neg_verdict or (lambda text: neg_matches(text, namespace, service, port, cluster_uid))
    candidates = [b for b in client.backend_services(f'name eq "{prefix}.*"') if fits(str(b.get("name", "")))]
    confirmed, unsure = [], []
    for backend in candidates:
        verdict = _first_neg_verdict(client, backend, neg_verdict)
        if verdict is True:
            confirmed.append(backend)
        elif verdict is None:
            unsure.append(backend)
    found = confirmed or unsure
    if len(found) > 1:
        names = ", ".join(sorted(str(b.get("name")) for b in found))
        raise ApiError(f"{len(found)} Gateway backend services in project {client.project} serve {namespace}/{service} "
                       f"port {port} ({names}): several clusters share the project. Set the cluster's UID in stack "
                       "config (pulumi config set iapgen:clusterUid $(kubectl get configmap ingress-uid -n kube-system "
                       "-o jsonpath='{.data.uid}'))")
    return found[0] if found else None


def _first_neg_verdict(client: Client, backend: dict[str, Any], neg_verdict: NegVerdict) -> bool | None:
    for entry in backend.get("backends") or []:
        group = str(entry.get("group", ""))
        if "/networkEndpointGroups/" not in group:
            continue
        try:
            neg = client.by_link(group)
        except NotFound:
            continue
        return neg_verdict(str(neg.get("description", "")))
    return None


class GatewayBackendProvider(HealthCheckLoggingProvider):
    """Create/read/update/delete for GatewayBackend: find and describe, never patch."""

    def _find(self, client: Client, props: dict[str, Any]) -> dict[str, Any] | None:
        return find_gateway_backend(client, str(props["namespace"]), str(props["service"]), int(props["port"]),
                                    str(props.get("clusterUid") or ""))

    def _not_ready_hint(self, namespace: str, service: str) -> str:
        return (f"GKE's Gateway controller creates it once an accepted HTTPRoute routes to that port and ready Pods "
                f"match the Service's selector. Check: kubectl get httproute {service} -n {namespace} -o "
                "jsonpath='{.status.parents[*].conditions}' (Accepted and ResolvedRefs True?), kubectl get gateway -A "
                f"(Programmed?), kubectl get pods -n {namespace} (ready Pods?)")

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        client = self._client(props)
        return self._state(client, props, inspect(client, self._wait_for_backend(client, props)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to undo: the Gateway controller owns the backend service and its health check."""


@dataclass(frozen=True)
class GatewayBackendArgs:
    project: str
    namespace: str
    service: str
    port: int
    cluster_uid: str = ""
    wait_seconds: int = DEFAULT_WAIT_SECONDS


class GatewayBackend(pulumi.dynamic.Resource, module="iapgen", name="GatewayBackend"):
    """The gkegw1-... backend service of one Service port, as GKE's Gateway controller made it."""

    backend_service_name: pulumi.Output[str]
    """The gkegw1-... backend service: the IAP IAM resource."""
    backend_service_id: pulumi.Output[str]
    health_check_name: pulumi.Output[str]
    logging_enabled: pulumi.Output[bool]
    """Whether the health check logs, as HealthCheckPolicy logConfig.enabled asked."""
    iap_audience: pulumi.Output[str]
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: GatewayBackendArgs, opts: pulumi.ResourceOptions | None = None,
                 provider: GatewayBackendProvider | None = None):
        props: dict[str, Any] = {
            "project": args.project, "namespace": args.namespace, "service": args.service, "port": args.port,
            "clusterUid": args.cluster_uid, "waitSeconds": args.wait_seconds,
            "backendServiceName": None, "backendServiceId": None, "healthCheckName": None, "healthCheckType": None,
            "loggingEnabled": None, "negIds": None, "projectNumber": None, "iapAudience": None, "logQuery": None,
        }
        with _pickler_restored():
            super().__init__(provider or GatewayBackendProvider(), name, props, opts)
        self.backend_service_name = self.backendServiceName  # type: ignore[attr-defined]
        self.backend_service_id = self.backendServiceId  # type: ignore[attr-defined]
        self.health_check_name = self.healthCheckName  # type: ignore[attr-defined]
        self.logging_enabled = self.loggingEnabled  # type: ignore[attr-defined]
        self.iap_audience = self.iapAudience  # type: ignore[attr-defined]
        self.log_query = self.logQuery  # type: ignore[attr-defined]
