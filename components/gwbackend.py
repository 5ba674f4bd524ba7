"""The backend service GKE's Gateway controller creates for one Service port, as a Pulumi resource.

In gateway mode the health check (with logging) is declared by HealthCheckPolicy and IAP is switched on by
GCPBackendPolicy, so nothing needs patching; what only the live backend knows is still needed: its name for
the IAP IAM bindings, its id for the IAP JWT audience, and its NEG ids for the health-check log query.

How the backend is found (docs/gke-behaviour.md#gateway-backend-service-naming): the controller names it
`gkegw1-<4>-<namespace>-<service>-<Service port>-<12>`, with the middle fields shortened to fit 63
characters, and its backends are NEGs whose description names the Service exactly
(`{"cluster-uid", "namespace", "service-name", "port"}`). A candidate must carry exactly
`<namespace>-<service>-<port>` and, when its NEG has that description, match it; a candidate whose fields are
only prefixes is taken only when that name was too long, so GKE had to cut it, and its NEG confirms it.

This dynamic resource reads; it changes nothing in the project. Health-check logging belongs to the
HealthCheckPolicy's `logConfig.enabled` (docs/gke-behaviour.md#healthcheckpolicy), which the controller
reconciles onto the health check: the resource reports `loggingEnabled` as it finds it, and never counts
it as drift, since patching the health check here would be undone by the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.computeprovider import (
    DEFAULT_WAIT_SECONDS,
    ComputeApiProvider,
    changed_inputs,
    inspect,
    pickler_restored,
    shared,
)
from components.hclogging import backend_state
from iapgen.googleapi.compute import ApiError, Client, NotFound
from iapgen.spec.gateway import BACKEND_PREFIX, name_cut_fits, name_is_exact, neg_matches

IDENTITY = ("project", "namespace", "service", "port")


class GatewayBackendNotReady(ApiError):
    pass

NegVerdict = Callable[[str], bool | None]
"""A NEG's description -> True/False when it says whose NEG it is, None when it says nothing usable."""

def find_gateway_backend(client: Client, namespace: str, service: str, port: int, cluster_uid: str = "",
                         since: float | None = None, *, prefix: str = BACKEND_PREFIX,
                         exact: Callable[[str], bool] | None = None, cut_fits: Callable[[str], bool] | None = None,
                         neg_verdict: NegVerdict | None = None) -> dict[str, Any] | None:
    """The backend service the Gateway controller made for this Service port, or None if there is none yet.
    A name carrying the whole `<namespace>-<service>-<port>` counts unless its NEG says otherwise; a name
    whose fields are cut counts only when GKE had to cut it and its NEG names this Service port. `prefix`,
    `exact`, `cut_fits` and `neg_verdict` default to single-cluster Gateway's naming (gkegw1-) and NEG
    descriptions; the multi-cluster mode passes its own."""
    exact = exact or (lambda name: name_is_exact(name, namespace, service, port))
    cut_fits = cut_fits or (lambda name: name_cut_fits(name, namespace, service, port))
    neg_verdict = neg_verdict or (lambda text: neg_matches(text, namespace, service, port, cluster_uid))
    confirmed, unsure = [], []
    for backend in shared().backend_services(client, f'name eq "{prefix}.*"', since):
        name = str(backend.get("name", ""))
        is_exact = exact(name)
        if not is_exact and not cut_fits(name):
            continue
        verdict = _first_neg_verdict(client, backend, neg_verdict)
        if verdict is True:
            confirmed.append(backend)
        elif verdict is None and is_exact:
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


class GatewayBackendProvider(ComputeApiProvider):
    """Create/read/update/delete for GatewayBackend: find and describe, never patch."""

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        client = self.client(props)
        namespace, service, port = str(props["namespace"]), str(props["service"]), int(props["port"])
        timeout = float(props.get("waitSeconds") or DEFAULT_WAIT_SECONDS)
        looked: list[float] = []

        def probe() -> tuple[bool, dict[str, Any] | None]:
            since = looked[-1] if looked else None
            backend = self._find(client, props, since)
            looked.append(shared().clock())
            return backend is not None, backend

        def give_up(_: object) -> Exception:
            return GatewayBackendNotReady(
                f"no backend service for Service {namespace}/{service} port {port} appeared in project "
                f"{client.project} within {timeout:.0f}s. {self._not_ready_hint(namespace, service)}; then run "
                "pulumi up again")

        backend = self.wait(client, probe, timeout, give_up)
        assert backend is not None
        return backend_state(client, props, inspect(client, backend))

    def _find(self, client: Client, props: dict[str, Any], since: float | None = None) -> dict[str, Any] | None:
        """The backend this resource stands for (the multi-cluster mode finds its own kind)."""
        return find_gateway_backend(client, str(props["namespace"]), str(props["service"]), int(props["port"]),
                                    str(props.get("clusterUid") or ""), since)

    def _not_ready_hint(self, namespace: str, service: str) -> str:
        return (f"GKE's Gateway controller creates it once an accepted HTTPRoute routes to that port and ready Pods "
                f"match the Service's selector. Check: kubectl get httproute {service} -n {namespace} -o "
                "jsonpath='{.status.parents[*].conditions}' (Accepted and ResolvedRefs True?), kubectl get gateway "
                f"-A (Programmed?), kubectl get pods -n {namespace} (ready Pods?)")

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        state = self._ensure(props)
        return pulumi.dynamic.CreateResult(id_=state["backendServiceName"], outs=state)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        client = self.client(props)
        try:
            backend = inspect(client, client.backend_service(id_))
        except NotFound:
            return pulumi.dynamic.ReadResult(None, {})  # the controller removed it: the resource is gone
        return pulumi.dynamic.ReadResult(id_, backend_state(client, props, backend))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """Inputs only: `loggingEnabled` is observed, not owned (the HealthCheckPolicy owns it)."""
        replaces = [key for key in IDENTITY if str(olds.get(key)) != str(news.get(key))]
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed_inputs(olds, news)), replaces=replaces,
                                         delete_before_replace=False)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._ensure(news))

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
        with pickler_restored():
            super().__init__(provider or GatewayBackendProvider(), name, props, opts)
        self.backend_service_name = self.backendServiceName  # type: ignore[attr-defined]
        self.backend_service_id = self.backendServiceId  # type: ignore[attr-defined]
        self.health_check_name = self.healthCheckName  # type: ignore[attr-defined]
        self.logging_enabled = self.loggingEnabled  # type: ignore[attr-defined]
        self.iap_audience = self.iapAudience  # type: ignore[attr-defined]
        self.log_query = self.logQuery  # type: ignore[attr-defined]
