"""The rules of the load-balancer mode checks (lbchecks.py): the fields each mode needs, and GCE names
that two environments of one project would share."""

from __future__ import annotations

from iapgen.examplekit import standalone, two_standalone_envs
from iapgen.spec.rulebook import Example, Rule

STANDALONE_FIELD_MISSING = Rule(
    "STANDALONE_FIELD_MISSING", "A standalone environment must list its zones and name its network.",
    source="gke-behaviour.md#neg-zones, gke-behaviour.md#hc-source-ranges, design.md#environments",
    examples=[Example("spec", standalone("    network: gke-vpc\n", ""), standalone())])

LB_FIELD_OTHER_MODE = Rule(
    "LB_FIELD_OTHER_MODE", "An environment sets a field that only another loadBalancer mode reads.",
    source="design.md#environments",
    examples=[Example("spec", standalone("    loadBalancer: standalone\n", ""), standalone())])

# dev's service b-c and dev-b's service c would both be iapgen-dev-b-c in project acme-dev.
GCE_NAME_COLLISION = Rule(
    "GCE_NAME_COLLISION", "Two environments in one project would generate the same GCE object name.",
    source="gke-behaviour.md#neg-custom-names, gke-behaviour.md#gce-and-kubernetes-names",
    examples=[Example("spec", two_standalone_envs("acme-dev"), two_standalone_envs("acme-dev-b"))])
