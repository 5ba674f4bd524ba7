"""NegReady: wait, within a bound, until GKE has made a Service's standalone NEG in every listed zone.

In standalone mode the stack names each NEG itself (the Service's `exposed_ports` annotation), so
the backend service can list `projects/P/zones/Z/networkEndpointGroups/<name>` without a look-up.
But GKE creates a NEG only once it has synced the Service and Pods are scheduled in that zone
(docs/gke-behaviour.md#neg-created-lazily), and a backend service that names a missing NEG is
refused. This dynamic resource sits between the two: it shows in preview, polls
networkEndpointGroups.get per zone with backoff up to `waitSeconds`, and fails with what to check.

It also reports what only the live NEGs and project know: the NEGs' numeric ids (the
health-check log is indexed by them: docs/gke-behaviour.md#hc-log-query) and the project number
(the IAP audience is /projects/<number>/global/backendServices/<backend id>).
GKE owns the NEGs: deleting this resource deletes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.computeprovider import (
    DEFAULT_WAIT_SECONDS,
    ComputeApiProvider,
    changed_inputs,
    log_query,
    pickler_restored,
    shared,
)
from iapgen.googleapi.compute import ApiError, Client, NotFound

IDENTITY = ("project", "negName")


class NegNotReady(ApiError):
    pass


def neg_group(project: str, zone: str, name: str) -> str:
    """A zonal NEG as a backend service's backend group names it."""
    return f"projects/{project}/zones/{zone}/networkEndpointGroups/{name}"


def made_for(neg: dict[str, Any], namespace: str, service: str) -> bool:
    """Whether a NEG's description is GKE's for this Service (it writes namespace and service-name);
    a NEG without such a description is accepted, since only GKE syncs endpoints into it."""
    try:
        described = json.loads(str(neg.get("description") or ""))
    except ValueError:
        return True
    if not isinstance(described, dict) or "service-name" not in described:
        return True
    return bool(described.get("namespace") == namespace and described.get("service-name") == service)


class NegReadyProvider(ComputeApiProvider):
    """Create/read/update/delete for NegReady."""

    def _find(self, client: Client, props: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The NEGs that exist now, by zone."""
        found = {}
        for zone in props["zones"]:
            try:
                neg = client.network_endpoint_group(str(zone), str(props["negName"]))
            except NotFound:
                continue
            if not made_for(neg, str(props["namespace"]), str(props["service"])):
                raise ApiError(
                    f"NEG {props['negName']} in {zone} was made for another Service ({neg.get('description')}); "
                    f"NEG names are per project and zone: rename the service or the environment, or delete "
                    f"that NEG if nothing uses it")
            found[str(zone)] = neg
        return found

    def _wait(self, client: Client, props: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Poll with backoff until every zone has the NEG, or fail saying what to check."""
        namespace, service, name = str(props["namespace"]), str(props["service"]), str(props["negName"])
        zones = [str(z) for z in props["zones"]]
        timeout = float(props.get("waitSeconds") or DEFAULT_WAIT_SECONDS)

        def probe() -> tuple[bool, dict[str, dict[str, Any]]]:
            found = self._find(client, props)
            return len(found) == len(zones), found

        def give_up(found: dict[str, dict[str, Any]] | None) -> Exception:
            missing = ", ".join(z for z in zones if z not in (found or {}))
            return NegNotReady(
                f"NEG {name} of Service {namespace}/{service} did not appear in zone(s) {missing} of project "
                f"{client.project} within {timeout:.0f}s. GKE creates it once it has synced the Service and "
                f"Pods run in that zone. Check: kubectl get svc {service} -n {namespace} -o jsonpath="
                f"'{{.metadata.annotations.cloud\\.google\\.com/neg-status}}' (empty: not synced; see kubectl "
                f"describe svc {service} -n {namespace} for NEG errors), kubectl get pods -n {namespace} -o wide "
                f"(ready Pods, and on which nodes), kubectl get nodes -L topology.kubernetes.io/zone (does the "
                f"cluster have nodes in {missing}? if not, remove it from the environment's zones); then run "
                f"pulumi up again")

        return self.wait(client, probe, timeout, give_up) or {}

    def _state(self, client: Client, props: dict[str, Any], found: dict[str, dict[str, Any]]) -> dict[str, Any]:
        project = str(props["project"])
        # A project's number never changes: refreshes reuse the one in state instead of asking again.
        number = str(props.get("projectNumber") or shared().project_number(client))
        ids = tuple(sorted(str(neg.get("id", "")) for neg in found.values() if neg.get("id")))
        return {**props, "groups": [neg_group(project, z, str(props["negName"])) for z in props["zones"]],
                "negIds": list(ids), "projectNumber": number, "logQuery": log_query(project, ids)}

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        client = self.client(props)
        state = self._state(client, props, self._wait(client, props))
        return pulumi.dynamic.CreateResult(id_=f"{props['project']}/{props['negName']}", outs=state)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """What is there now: NEG ids as they are (a zone's NEG can be recreated with a new id)."""
        client = self.client(props)
        return pulumi.dynamic.ReadResult(id_, self._state(client, props, self._find(client, props)))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in IDENTITY if str(olds.get(key)) != str(news.get(key))]
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed_inputs(olds, news)), replaces=replaces,
                                         delete_before_replace=False)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        client = self.client(news)
        return pulumi.dynamic.UpdateResult(outs=self._state(client, news, self._wait(client, news)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """GKE owns the NEGs and removes them with the Service's annotation."""


@dataclass(frozen=True)
class NegReadyArgs:
    project: str
    namespace: str
    service: str
    neg_name: str
    zones: Sequence[str]
    wait_seconds: int = DEFAULT_WAIT_SECONDS


class NegReady(pulumi.dynamic.Resource, module="iapgen", name="NegReady"):
    """Every listed zone's NEG of one Service exists; its groups feed the backend service."""

    groups: pulumi.Output[list[str]]
    """projects/<p>/zones/<z>/networkEndpointGroups/<name>, one per listed zone, once they exist."""
    neg_ids: pulumi.Output[list[str]]
    project_number: pulumi.Output[str]
    log_query: pulumi.Output[str]

    def __init__(self, name: str, args: NegReadyArgs, opts: pulumi.ResourceOptions | None = None,
                 provider: NegReadyProvider | None = None):
        props: dict[str, Any] = {
            "project": args.project, "namespace": args.namespace, "service": args.service,
            "negName": args.neg_name, "zones": list(args.zones), "waitSeconds": args.wait_seconds,
            # known from the spec, confirmed by create
            "groups": [neg_group(args.project, z, args.neg_name) for z in args.zones],
            # outputs, known after create
            "negIds": None, "projectNumber": None, "logQuery": None,
        }
        with pickler_restored():
            super().__init__(provider or NegReadyProvider(), name, props, opts)
        self.neg_ids = self.negIds  # type: ignore[attr-defined]
        self.project_number = self.projectNumber  # type: ignore[attr-defined]
        self.log_query = self.logQuery  # type: ignore[attr-defined]
