"""Health-check logging on the health check GKE creates for a Service port, as a Pulumi resource.

GKE Ingress creates the backend service and its health check itself (named `k8s1-...` after
the NEG: docs/gke-behaviour.md#neg-naming), and BackendConfig cannot enable health-check
logging (docs/gke-behaviour.md#hc-logging-compute-api). This
dynamic resource finds that backend service once the controller has made it, turns on
`logConfig.enable` through the Compute API, and keeps it on: `pulumi refresh` reads the real
setting, so someone turning logging off shows as drift and the next `pulumi up` repairs it.

It also reports what only the live backend knows: the backend service's name and numeric id
(for IAP IAM and the IAP JWT audience), the health check, and the NEG ids the health-check
log is indexed by.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.computeprovider import (
    DEFAULT_WAIT_SECONDS,
    Backend,
    ComputeApiProvider,
    changed_inputs,
    inspect,
    log_query,
    pickler_restored,
    shared,
)
from iapgen.googleapi.compute import ApiError, Client, NotFound

__all__ = ["DEFAULT_WAIT_SECONDS", "Backend", "BackendNotReady", "HealthCheckLogging", "HealthCheckLoggingArgs",
           "HealthCheckLoggingProvider", "backend_state", "describes", "find_backend", "inspect", "log_query"]
IDENTITY = ("project", "namespace", "service", "port")


class BackendNotReady(ApiError):
    pass


def describes(description: str, namespace: str, service: str, port: int, port_name: str) -> bool:
    """Whether a backend service's description is ingress-gce's for this Service port.

    The controller writes {"kubernetes.io/service-name": "<ns>/<name>", "kubernetes.io/service-port": ...};
    the port is the Ingress backend's port as the controller prints it: a number, a name, or a
    printed struct such as "&ServiceBackendPort{Name:,Number:443,}".
    """
    try:
        parsed = json.loads(description)
    except (ValueError, TypeError):
        return False
    if not isinstance(parsed, dict) or parsed.get("kubernetes.io/service-name") != f"{namespace}/{service}":
        return False
    printed = str(parsed.get("kubernetes.io/service-port", ""))
    if printed in (str(port), port_name):
        return True
    number = re.search(r"Number:(\d+)", printed)
    name = re.search(r"Name:([A-Za-z0-9-]+)", printed)
    return bool((number and int(number.group(1)) == port) or (name and name.group(1) == port_name))


def find_backend(client: Client, namespace: str, service: str, port: int, port_name: str,
                 cluster_uid: str = "", since: float | None = None) -> dict[str, Any] | None:
    """The NEG backend service GKE Ingress made for this Service port, or None if there is none yet. The list
    is the process's shared one, no older than `since` (see Shared.backend_services)."""
    prefix = f"k8s1-{cluster_uid[:8]}" if cluster_uid else "k8s1-"
    found = [b for b in shared().backend_services(client, f'name eq "{prefix}.*"', since)
             if describes(str(b.get("description", "")), namespace, service, port, port_name)]
    if len(found) > 1:
        names = ", ".join(sorted(str(b.get("name")) for b in found))
        raise ApiError(f"{len(found)} backend services in project {client.project} serve {namespace}/{service} port "
                       f"{port} ({names}): several clusters share the project. Set the cluster's UID in stack config "
                       "(pulumi config set iapgen:clusterUid $(kubectl get configmap ingress-uid -n kube-system "
                       "-o jsonpath='{.data.uid}'))")
    return found[0] if found else None


def backend_state(client: Client, props: dict[str, Any], backend: Backend) -> dict[str, Any]:
    """The outputs of a resource that found its backend: what only the live backend knows."""
    # A project's number never changes: refreshes reuse the one in state instead of asking again.
    number = str(props.get("projectNumber") or shared().project_number(client))
    return {**props, "backendServiceName": backend.name, "backendServiceId": backend.id,
            "healthCheckName": backend.health_check, "healthCheckType": backend.health_check_type,
            "loggingEnabled": backend.logging, "negIds": list(backend.neg_ids), "projectNumber": number,
            "iapAudience": f"/projects/{number}/global/backendServices/{backend.id}",
            "logQuery": log_query(str(props["project"]), backend.neg_ids)}


class HealthCheckLoggingProvider(ComputeApiProvider):
    """Create/read/update/delete for HealthCheckLogging."""

    def _wait_for_backend(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        """Poll with backoff until GKE has made the backend service, or fail saying what to check."""
        namespace, service, port = str(props["namespace"]), str(props["service"]), int(props["port"])
        timeout = float(props.get("waitSeconds") or DEFAULT_WAIT_SECONDS)
        looked: list[float] = []

        def probe() -> tuple[bool, dict[str, Any] | None]:
            since = looked[-1] if looked else None
            backend = find_backend(client, namespace, service, port, str(props.get("portName", "")),
                                   str(props.get("clusterUid") or ""), since)
            looked.append(shared().clock())
            return backend is not None, backend

        def give_up(_: object) -> Exception:
            return BackendNotReady(
                f"no backend service for Service {namespace}/{service} port {port} appeared in project "
                f"{client.project} within {timeout:.0f}s. GKE creates it once the Ingress routes to that port, the "
                f"Service has NEGs and ready Pods match its selector. Check: kubectl get svc {service} -n {namespace} "
                "-o jsonpath='{.metadata.annotations.cloud\\.google\\.com/neg-status}' (empty: no NEG yet), "
                f"kubectl get pods -n {namespace} (ready Pods?), kubectl describe ingress -n {namespace} (sync "
                "errors); then run pulumi up again")

        found = self.wait(client, probe, timeout, give_up)
        assert found is not None
        return found

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        client = self.client(props)
        backend = inspect(client, self._wait_for_backend(client, props))
        if not backend.logging:
            client.set_health_check_logging(backend.health_check, True)
            backend = Backend(**{**backend.__dict__, "logging": True})
        return backend_state(client, props, backend)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        state = self._ensure(props)
        return pulumi.dynamic.CreateResult(id_=state["backendServiceName"], outs=state)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """What is really there: refresh shows logging turned off as drift."""
        client = self.client(props)
        try:
            backend = inspect(client, client.backend_service(id_))
        except NotFound:
            return pulumi.dynamic.ReadResult(None, {})  # GKE removed the backend: the resource is gone
        return pulumi.dynamic.ReadResult(id_, backend_state(client, props, backend))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in IDENTITY if str(olds.get(key)) != str(news.get(key))]
        drifted = olds.get("loggingEnabled") is False  # this resource keeps it on: repair what refresh found
        return pulumi.dynamic.DiffResult(changes=bool(replaces or drifted or changed_inputs(olds, news)),
                                         replaces=replaces, delete_before_replace=False)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._ensure(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Turn logging back off; nothing to do when GKE already removed the health check."""
        client = self.client(props)
        try:
            client.set_health_check_logging(str(props.get("healthCheckName") or id_), False)
        except NotFound:
            return


@dataclass(frozen=True)
class HealthCheckLoggingArgs:
    project: str
    namespace: str
    service: str
    port: int
    port_name: str
    cluster_uid: str = ""
    wait_seconds: int = DEFAULT_WAIT_SECONDS


class HealthCheckLogging(pulumi.dynamic.Resource, module="iapgen", name="HealthCheckLogging"):
    """Logging on for the health check of one Service port's GKE backend."""

    backend_service_name: pulumi.Output[str]
    """The k8s1-... backend service GKE made: the IAP IAM resource."""
    backend_service_id: pulumi.Output[str]
    health_check_name: pulumi.Output[str]
    iap_audience: pulumi.Output[str]
    """/projects/<number>/global/backendServices/<id>: the aud of x-goog-iap-jwt-assertion."""
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: HealthCheckLoggingArgs, opts: pulumi.ResourceOptions | None = None,
                 provider: HealthCheckLoggingProvider | None = None):
        props: dict[str, Any] = {
            "project": args.project, "namespace": args.namespace, "service": args.service, "port": args.port,
            "portName": args.port_name, "clusterUid": args.cluster_uid, "waitSeconds": args.wait_seconds,
            # outputs, known after create
            "backendServiceName": None, "backendServiceId": None, "healthCheckName": None, "healthCheckType": None,
            "loggingEnabled": None, "negIds": None, "projectNumber": None, "iapAudience": None, "logQuery": None,
        }
        with pickler_restored():
            super().__init__(provider or HealthCheckLoggingProvider(), name, props, opts)
        # Dynamic outputs arrive under the prop names; expose them under Python names too.
        self.backend_service_name = self.backendServiceName  # type: ignore[attr-defined]
        self.backend_service_id = self.backendServiceId  # type: ignore[attr-defined]
        self.health_check_name = self.healthCheckName  # type: ignore[attr-defined]
        self.iap_audience = self.iapAudience  # type: ignore[attr-defined]
        self.log_query = self.logQuery  # type: ignore[attr-defined]
