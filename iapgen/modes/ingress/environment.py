"""Ingress mode's environment: only the fields every mode has (GKE's Ingress controller makes the rest)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from iapgen.spec.models import Environment


class IngressEnvironment(Environment):
    """`loadBalancer: ingress` (the default): one GKE Ingress per namespace, 15 hosts each."""

    load_balancer: Literal["ingress"] = Field("ingress", description="GKE Ingress creates the load balancer "
                                              "(the default).")
