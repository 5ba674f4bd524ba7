"""iapgen schema: the spec's JSON schema."""

from __future__ import annotations

import argparse
import json

from iapgen.commands import EXIT_OK, AddCommand


def add(add_command: AddCommand) -> None:
    add_command("schema", help="print the spec's JSON schema (for the YAML language server)",
                        description="Print the JSON schema of services.yaml to standard output.")


def run(args: argparse.Namespace) -> int:
    from iapgen.spec.schema import spec_schema

    print(json.dumps(spec_schema(), indent=2))
    return EXIT_OK
