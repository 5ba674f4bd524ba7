"""The rules of the load-balancer mode checks (lbchecks.py): the fields each mode needs, and GCE names
that two environments of one project would share."""

from __future__ import annotations

from iapgen.examplekit import standalone, two_standalone_envs
from iapgen.spec.rulebook import Example, Rule

STANDALONE_FIELD_MISSING = Rule(
    "STANDALONE_FIELD_MISSING", "A standalone environment must list its zones and name its network.",
    source="gke-behaviour.md#neg-zones, gke-behaviour.md#hc-source-ranges, design.md#environments",
    why="The stack creates the NEG backends and firewall rule, which need zones and network.",
    fix="List zones and set network.",
    examples=[Example("spec", standalone("    network: gke-vpc\n", ""), standalone())])

LB_FIELD_OTHER_MODE = Rule(
    "LB_FIELD_OTHER_MODE", "An environment sets a field that only another loadBalancer mode reads.",
    source="design.md#environments",
    why="The field would be ignored, which usually means the wrong mode.",
    fix="Remove the field, or set the loadBalancer that reads it.",
    examples=[Example("spec", standalone("    loadBalancer: standalone\n", ""), standalone())])

# dev's service b-c and dev-b's service c would both be iapgen-dev-b-c in project acme-dev.
GCE_NAME_COLLISION = Rule(
    "GCE_NAME_COLLISION", "Two environments in one project would generate the same GCE object name.",
    source="gke-behaviour.md#neg-custom-names, gke-behaviour.md#gce-and-kubernetes-names",
    why="Both stacks would create and fight over the same GCE object.",
    fix="Rename a service or an environment, or give one its own project.",
    examples=[Example("spec", two_standalone_envs("acme-dev"), two_standalone_envs("acme-dev-b"))])
