"""Standalone mode's environment: the zones of the cluster's nodes and its VPC network."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from iapgen.spec.models import Environment, Model, Network, Zones

NetworkTag = Annotated[str, Field(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=63)]
ServiceAccount = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.gserviceaccount\.com$", max_length=254)]


class Nodes(Model):
    """The cluster's nodes, as the health-check firewall rule targets them: one of the two."""

    tags: Annotated[tuple[NetworkTag, ...], Field(min_length=1, max_length=64, strict=False)] | None = Field(
        None, description="Network tags every node of the cluster carries, e.g. [gke-apps-1a2b3c4d-node] "
        "(gcloud compute instances describe NODE --format='value(tags.items)').")
    service_account: ServiceAccount | None = Field(
        None, description="The nodes' service account, e.g. gke-nodes@acme-dev.iam.gserviceaccount.com.")


class StandaloneEnvironment(Environment):
    """`loadBalancer: standalone`: the stack owns the load balancer, in front of standalone NEGs."""

    load_balancer: Literal["standalone"] = Field(description="The stack owns the load balancer, behind "
                                                 "standalone NEGs.")
    # Optional in the model so that a missing one is STANDALONE_FIELD_MISSING with what to write (checks.py).
    zones: Zones | None = Field(None, description="The zones the cluster's nodes run in, e.g. "
                                "[europe-west1-b, europe-west1-c]; one NEG backend per zone.")
    network: Network | None = Field(None, description="The cluster's VPC network name; it gets the firewall rule "
                                    "for Google's health-check and proxy ranges.")
    nodes: Nodes | None = Field(None, description="The cluster's nodes (network tags or service account): the "
                                "firewall rule opens the health-check ports on these VMs only.")
