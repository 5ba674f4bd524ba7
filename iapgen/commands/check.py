"""iapgen check: validate the spec for every environment."""

from __future__ import annotations

import argparse

from iapgen.commands import EXIT_OK, AddCommand


def add(add_command: AddCommand) -> None:
    check = add_command("check", help="validate the spec for every environment, deploy nothing",
                                description="Validate services.yaml for every environment; print each "
                                "problem as file:line: field: message [RULE].")
    check.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")


def run(args: argparse.Namespace) -> int:
    from iapgen.spec.validate import load_spec

    loaded = load_spec(args.spec)
    counts = ", ".join(f"{env}: {len(ex)} services" for env, ex in loaded.exposures.items())
    print(f"{args.spec}: ok ({counts})")
    return EXIT_OK
