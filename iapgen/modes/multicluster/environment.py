"""Multi-cluster Gateway mode's environment: the fleet members that run the services, the config cluster that
holds the Gateway, and where that Gateway lives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from iapgen.modes.gateway.environment import GatewayOptions
from iapgen.spec.models import Environment, Model, Name

Context = Annotated[str, Field(min_length=1, max_length=253)]


class Cluster(Model):
    """One fleet member: how iapgen names it (its render folder, `clusters:` of a service) and how kubectl
    reaches it."""

    name: Name = Field(description="Short name of the member, e.g. west; what services list in `clusters:`.")
    context: Context = Field(description="The kubeconfig context of the member's cluster, e.g. "
                             "gke_acme-prod_europe-west1_apps-west.")


class MulticlusterEnvironment(Environment):
    """`loadBalancer: multicluster-gateway`: one multi-cluster Gateway over a GKE fleet; IAP needs
    iap.oauthClientId."""

    load_balancer: Literal["multicluster-gateway"] = Field(
        description="One multi-cluster GKE Gateway for the environment, over the fleet's clusters.")
    clusters: Annotated[tuple[Cluster, ...], Field(min_length=1, max_length=50, strict=False)] = Field(
        description="The fleet members that run the services, e.g. [{name: west, context: gke_...}]; a "
        "service runs in every one unless it lists `clusters:`.")
    config_cluster: Name = Field(description="The member that holds the Gateway, the HTTPRoutes and the policies "
                                 "(the fleet's config cluster for multi-cluster Gateway), e.g. west.")
    gateway: GatewayOptions = Field(default_factory=GatewayOptions, description="Where the Gateway lives in the "
                                    "config cluster, e.g. {namespace: iapgen-gateway}.")


def fleet(environment: Environment) -> MulticlusterEnvironment:
    """An environment of this mode, typed."""
    assert isinstance(environment, MulticlusterEnvironment)
    return environment
