"""Standalone mode's spec checks: the zones and network it needs, and GCE names that fit."""

from __future__ import annotations

from iapgen.examplekit import standalone
from iapgen.modes.base import Report
from iapgen.modes.standalone.environment import StandaloneEnvironment
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.layout import NAME_TOO_LONG
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Example, Rule
from iapgen.spec.rules import ZONE_INVALID

STANDALONE_FIELD_MISSING = Rule(
    "STANDALONE_FIELD_MISSING", "A standalone environment must list its zones and name its network and nodes.",
    source="gke-behaviour.md#neg-zones, gke-behaviour.md#hc-source-ranges, design.md#environments",
    why="The stack creates the NEG backends and firewall rule, which need zones and network.",
    fix="List zones and set network.",
    examples=[Example("spec", standalone("    network: gke-vpc\n", ""), standalone())])

ZONES_REGIONS = Rule(
    "ZONES_REGIONS", "A standalone environment's zones are all in one region, as a cluster's nodes are.",
    source="gke-behaviour.md#neg-zones",
    why="A GKE cluster runs in one region, so NEGs never appear in a zone of another: the backend service waits "
    "for them until backendWaitSeconds runs out.",
    fix="List the zones of the cluster's nodes: kubectl get nodes -L topology.kubernetes.io/zone.",
    examples=[Example("spec", standalone("zones: [europe-west1-b, europe-west1-c]",
                                         "zones: [europe-west1-b, us-central1-a]"), standalone())])

NEEDS = (("zones", "the zones of the cluster's nodes, e.g. [europe-west1-b, europe-west1-c]: the backend service "
          "names one NEG per zone"),
         ("network", "the cluster's VPC network name: it gets the firewall rule that admits Google's health checks"),
         ("nodes", "the cluster's nodes, as {tags: [NODE_TAG]} or {serviceAccount: NODES_SA}: the firewall rule "
          "opens the health-check ports on those VMs only, not on every VM of the network"))


def check_environment(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                      report: Report) -> tuple[Exposure, ...]:
    assert isinstance(environment, StandaloneEnvironment)
    for field, why in NEEDS:
        if getattr(environment, field) is None:
            report.environment(env, ("loadBalancer",), f"loadBalancer: standalone needs {field}: {why}; add "
                               f"environments.{env}.{field}", STANDALONE_FIELD_MISSING)
    nodes = environment.nodes
    if nodes is not None and (nodes.tags is None) == (nodes.service_account is None):
        report.environment(env, ("nodes",), "nodes names the cluster's nodes by tags or by serviceAccount: set "
                           "exactly one (a firewall rule targets one or the other)", STANDALONE_FIELD_MISSING)
    seen: set[str] = set()
    for index, zone in enumerate(environment.zones or ()):
        if zone in seen:
            report.environment(env, ("zones", index), f"{zone} is listed twice; a backend service takes each NEG "
                               "once, so list every zone once", ZONE_INVALID)
        seen.add(zone)
    regions = sorted({zone.rsplit("-", 1)[0] for zone in environment.zones or ()})
    if len(regions) > 1:
        report.environment(env, ("zones",), f"zones are in {len(regions)} regions ({', '.join(regions)}); a cluster's "
                           "nodes are in one region, so NEGs never appear in the others and the deploy waits for "
                           "them until backendWaitSeconds: list the zones of the cluster's nodes (kubectl get nodes "
                           "-L topology.kubernetes.io/zone)", ZONES_REGIONS)
    return exposures


def gce_names(env: str, environment: Environment, exposures: tuple[Exposure, ...]) -> dict[str, list[str]]:
    """Every load-balancer object the stack owns is named by iapgen (iapgen/spec/naming.py)."""
    return naming.standalone_gce_names(env, [e.service.name for e in exposures])


def check_exposure(exposure: Exposure, report: Report) -> None:
    neg_name = exposure.neg_name
    if len(neg_name) > naming.GCE_NAME_MAX:
        report.service(exposure, ("name",), f"the NEG, backend service and health check name {neg_name!r} would be "
                       f"{len(neg_name)} characters (GCE allows {naming.GCE_NAME_MAX}); shorten the service name or "
                       "the environment name", NAME_TOO_LONG)
