"""Gateway mode's environment: where its one GKE Gateway lives."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from iapgen.spec.gateway import DEFAULT_NAMESPACE
from iapgen.spec.models import Environment, Model, Namespace


class GatewayOptions(Model):
    """Where the environment's one GKE Gateway lives."""

    namespace: Namespace = Field(DEFAULT_NAMESPACE, description="Namespace of the shared Gateway (default "
                                 f"{DEFAULT_NAMESPACE}).")
    create_namespace: bool = Field(True, description="true: the stack creates the namespace (pulumi up fails if it "
                                   "exists already rather than take it over) and never deletes it; false: it exists "
                                   "already, made by someone else, and the stack creates no Namespace object.")


class GatewayEnvironment(Environment):
    """`loadBalancer: gateway`: one GKE Gateway for the environment; IAP needs iap.oauthClientId."""

    load_balancer: Literal["gateway"] = Field(description="One GKE Gateway for the environment.")
    gateway: GatewayOptions = Field(default_factory=GatewayOptions, description="Where the shared Gateway "
                                    "lives, e.g. {namespace: iapgen-gateway}.")


def options_of(environment: Environment) -> GatewayOptions:
    """The `gateway` options of an environment of this mode (or of another that has the same `gateway` field)."""
    options = getattr(environment, "gateway", None)
    assert isinstance(options, GatewayOptions)
    return options


def creates_namespace(environment: Environment) -> bool:
    """Whether the stack creates the gateway namespace (gateway.createNamespace)."""
    return options_of(environment).create_namespace


def namespace_of(environment: Environment) -> str:
    """The gateway namespace."""
    return options_of(environment).namespace
