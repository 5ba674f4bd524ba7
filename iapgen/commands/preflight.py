"""iapgen preflight: read-only checks of the live project before the first `pulumi up` (docs/preflight.md)."""

from __future__ import annotations

import argparse
import sys

from iapgen.commands import AddCommand


def add(add_command: AddCommand) -> None:
    preflight = add_command(
        "preflight", help="check the live project before the first pulumi up (read-only)",
        description="Check the environment's project: the APIs its mode needs, the deployer's permissions for what "
        "it creates, the quotas it would exceed, the cluster (VPC-native, zones) and the Certificate Manager write "
        "quota. Changes nothing. Sources: docs/preflight.md.")
    preflight.add_argument("--env", required=True, help="environment in services.yaml, e.g. dev")
    preflight.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    preflight.add_argument("--cluster", help="the cluster's name, when the project has several")
    preflight.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")


def run(args: argparse.Namespace) -> int:
    from iapgen.operations import preflight

    return preflight.command(args.spec, args.env, args.format, args.cluster, sys.stdout.write)
