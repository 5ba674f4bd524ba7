"""The iapgen policy pack: one policy per rule of iapgen's catalogue, built by iapgen.policy.pack.

Run it with `pulumi preview --policy-pack <this folder>` from any Pulumi program (docs/policy-pack.md).
"""

from pulumi_policy import PolicyPack

from iapgen.policy.pack import pack_arguments

PolicyPack(**pack_arguments())
