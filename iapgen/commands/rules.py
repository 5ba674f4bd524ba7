"""iapgen rules: the rule catalogue, as a table or as docs/rules.md."""

from __future__ import annotations

import argparse
import sys

from iapgen.commands import EXIT_OK, AddCommand


def add(add_command: AddCommand) -> None:
    rules_cmd = add_command("rules", help="list every rule iapgen checks",
                                    description="List the rule catalogue: id, severity and what it checks.")
    rules_cmd.add_argument("--markdown", action="store_true",
                           help="print docs/rules.md (each rule with a bad and a good example)")


def run(args: argparse.Namespace) -> int:
    from iapgen.lint.docs import catalogue_markdown, catalogue_table

    sys.stdout.write(catalogue_markdown() if args.markdown else catalogue_table())
    return EXIT_OK
