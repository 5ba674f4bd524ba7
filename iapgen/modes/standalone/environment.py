"""Standalone mode's environment: the zones of the cluster's nodes and its VPC network."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from iapgen.spec.models import Environment, Network, Zones


class StandaloneEnvironment(Environment):
    """`loadBalancer: standalone`: the stack owns the load balancer, in front of standalone NEGs."""

    load_balancer: Literal["standalone"] = Field(description="The stack owns the load balancer, behind "
                                                 "standalone NEGs.")
    # Optional in the model so that a missing one is STANDALONE_FIELD_MISSING with what to write (checks.py).
    zones: Zones | None = Field(None, description="The zones the cluster's nodes run in, e.g. "
                                "[europe-west1-b, europe-west1-c]; one NEG backend per zone.")
    network: Network | None = Field(None, description="The cluster's VPC network name; it gets the firewall rule "
                                    "for Google's health-check and proxy ranges.")
