"""Multi-cluster Gateway mode's spec checks: the fleet (members unique, the config cluster one of them, every
service's clusters members), plus single-cluster Gateway's rules on IAP, health-check paths and names, which
apply unchanged (the same policies, in the config cluster)."""

from __future__ import annotations

from iapgen.errors import show
from iapgen.lint import examples_multicluster as mc_examples
from iapgen.modes.base import Report
from iapgen.modes.gateway import checks as gateway_checks
from iapgen.modes.multicluster.environment import fleet
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Rule

MC_CLUSTER_DUPLICATE = Rule(
    "MC_CLUSTER_DUPLICATE",
    "Multi-cluster Gateway: each fleet member is listed once, by a unique name and kubeconfig "
    "context.",
    source="gke-behaviour.md#mc-fleet-members",
    why="Two members would share a render folder or a kubeconfig context.",
    fix="List each member once, by a unique name and context.",
    examples=mc_examples.EXAMPLES["MC_CLUSTER_DUPLICATE"])


@MC_CLUSTER_DUPLICATE.check
def check_cluster_unique(kind: str, value: str, first: int) -> str:
    return (f"cluster {kind} {show(value)} is already used by clusters[{first}]; each member is listed once "
            "(its name names its render folder and services' `clusters:`, its context the cluster iapgen deploys "
            "to): remove the duplicate or rename it")


MC_CONFIG_CLUSTER = Rule(
    "MC_CONFIG_CLUSTER",
    "Multi-cluster Gateway: configCluster is one of the environment's clusters.",
    source="gke-behaviour.md#mc-config-cluster",
    why="The Gateway, routes and policies would have no cluster to go to.",
    fix="Name one of the environment's clusters.",
    examples=mc_examples.EXAMPLES["MC_CONFIG_CLUSTER"])


@MC_CONFIG_CLUSTER.check
def check_config_cluster(config: str, members: list[str]) -> str | None:
    if config in members:
        return None
    return (f"configCluster {show(config)} is not one of the environment's clusters ({', '.join(members)}); the "
            "Gateway, routes and policies go to the config cluster, which must be a fleet member iapgen deploys "
            "to: name one of them")


MC_SERVICE_CLUSTER = Rule(
    "MC_SERVICE_CLUSTER",
    "Multi-cluster Gateway: a service's clusters are members of its environment, each listed once.",
    source="gke-behaviour.md#mc-fleet-members",
    why="A service would be exported from a cluster iapgen does not deploy to.",
    fix="List only the environment's clusters, each once.",
    examples=mc_examples.EXAMPLES["MC_SERVICE_CLUSTER"])


@MC_SERVICE_CLUSTER.check
def check_service_clusters(chosen: tuple[str, ...], members: list[str]) -> str | None:
    unknown = [c for c in chosen if c not in members]
    if unknown:
        return (f"clusters {', '.join(map(show, unknown))} {'is' if len(unknown) == 1 else 'are'} not in the "
                f"environment's clusters ({', '.join(members)}); list members only, or add the cluster to the "
                "environment")
    repeated = sorted({c for c in chosen if chosen.count(c) > 1})
    if repeated:
        return f"clusters lists {', '.join(repeated)} more than once; list each member once"
    return None


def check_exposure(exposure: Exposure, report: Report) -> None:
    gateway_checks.check_exposure(exposure, report)
    if exposure.service.clusters is not None:
        members = [c.name for c in fleet(exposure.environment).clusters]
        message = check_service_clusters(exposure.service.clusters, members)
        if message:
            report.service(exposure, ("clusters",), message, MC_SERVICE_CLUSTER)


def check_environment(env: str, environment: Environment, exposures: tuple[Exposure, ...],
                      report: Report) -> tuple[Exposure, ...]:
    gateway_checks.check_environment(env, environment, exposures, report)
    clusters = fleet(environment).clusters
    for kind in ("name", "context"):
        first: dict[str, int] = {}
        for index, cluster in enumerate(clusters):
            value = getattr(cluster, kind)
            if value in first:
                report.environment(env, ("clusters", index, kind), check_cluster_unique(kind, value, first[value]),
                                   MC_CLUSTER_DUPLICATE)
            first.setdefault(value, index)
    message = check_config_cluster(fleet(environment).config_cluster, [c.name for c in clusters])
    if message:
        report.environment(env, ("configCluster",), message, MC_CONFIG_CLUSTER)
    return exposures


gce_names = gateway_checks.gce_names  # one Gateway's names, whatever the number of clusters
