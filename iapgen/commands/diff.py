"""iapgen diff: what a change deploys, per environment, as Markdown for a pull request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, AddCommand


def add(add_command: AddCommand) -> None:
    diff = add_command(
        "diff", help="report what a change deploys, per environment, as Markdown for a pull request",
        description="Compare two render folders (one environment, or render --all-envs output), or the spec at a "
        "git ref with the working tree (--base-ref), and print a Markdown report that fits one GitHub comment.")
    diff.add_argument("folders", nargs="*", metavar="FOLDER", help="BASE and HEAD render folders")
    diff.add_argument("--base-ref", help="render the base from this git ref (e.g. origin/main) instead of BASE")
    diff.add_argument("--spec", default="services.yaml", help="spec file, with --base-ref (default: services.yaml)")


def needs_deploy(args: argparse.Namespace) -> str:
    """--base-ref renders the base with the Pulumi program; two render folders need no Pulumi."""
    return "diff --base-ref" if args.base_ref else ""


def run(args: argparse.Namespace) -> int:
    from iapgen.operations import diff

    try:
        if args.base_ref and not args.folders:
            text = diff.diff_against_ref(args.base_ref, Path(args.spec))
        elif len(args.folders) == 2 and not args.base_ref:
            text = diff.report(Path(args.folders[0]), Path(args.folders[1]))
        else:
            print("iapgen diff: give BASE and HEAD folders, or --base-ref REF", file=sys.stderr)
            return EXIT_USAGE
    except diff.DiffError as err:
        print(f"iapgen diff: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    sys.stdout.write(text)
    return EXIT_OK
