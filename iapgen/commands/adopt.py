"""iapgen import: apps that already run, as services.yaml, report.md and import.json (iapgen/adopt does the work)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, AddCommand, missing_path
from iapgen.errors import SpecError


def add(add_command: AddCommand) -> None:
    adopt = add_command(
        "import", help="turn apps that already run into services.yaml, without recreating them",
        description="Read Kubernetes YAML like lint does (files, folders, - for `kubectl get ... -o yaml`), find "
        "every app exposed through a GKE Ingress or a standalone NEG, and write OUT/services.yaml (live names pinned, "
        "guesses and what the spec cannot express in comments), OUT/report.md (what adoption changes, loudly what "
        "would replace anything) and OUT/import.json (for pulumi import --file). Writes only inside --out.")
    adopt.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, or - for standard input")
    adopt.add_argument("--env", required=True, help="environment (Pulumi stack) the apps run in, e.g. prod")
    adopt.add_argument("--out", required=True, type=Path, help="new or empty folder, or one import wrote before")
    adopt.add_argument("--spec", default="services.yaml", type=Path,
                       help="the project's spec, if any: its environment gives project, domain and IAP members "
                       "(default: services.yaml)")
    adopt.add_argument("--project", help="GCP project id (default: the spec's, else gcp:project of "
                       "Pulumi.<env>.yaml here)")
    adopt.add_argument("--domain", help="the environment's domain (default: the spec's, else the adopted hosts' "
                       "common suffix, never above their registrable domain: mindmend.xyz, not xyz)")
    adopt.add_argument("--member", action="append", default=[], metavar="PRINCIPAL",
                       help="IAP member of the environment, e.g. group:sre@acme.example (repeat for more; default: "
                       "the spec's)")


def needs_deploy(args: argparse.Namespace) -> str:
    return "import"


def run(args: argparse.Namespace) -> int:
    from iapgen.adopt.command import WRITER, ImportUsageError, Options
    from iapgen.adopt.command import run as adopt
    from iapgen.render.command import OutputFolderError, check_folder, write

    if missing_path("import", args.paths):
        return EXIT_USAGE
    try:
        check_folder(args.out, WRITER)  # before reading anything
        result = adopt(args.paths, Options(args.env, args.project, args.domain, tuple(args.member), args.spec))
        write(args.out, result.files, WRITER)
    except SpecError as err:  # the inputs are not readable YAML: the lines lint prints
        sys.stderr.write(finding_lines(err.findings))
        count = len(err.findings)
        print(f"iapgen import: {count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return EXIT_PROBLEMS
    except ImportUsageError as err:
        print(f"iapgen import: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OutputFolderError as err:
        print(f"iapgen import: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as err:
        print(f"iapgen import: cannot write {err.filename or args.out}: {err.strerror}", file=sys.stderr)
        return EXIT_PROBLEMS
    if result.fixed:
        print(f"lint findings of the live objects that the spec fixes ({len(result.fixed)}):")
        sys.stdout.write(finding_lines(result.fixed))
    if result.remaining:
        print(f"lint findings that adoption does not fix ({len(result.remaining)}): see report.md")
    print(f"iapgen import: {result.services} services -> {args.out}/ (services.yaml, report.md, import.json)")
    return EXIT_OK


def finding_lines(findings: Sequence[Any]) -> str:
    """Findings as `iapgen lint` prints them, without its summary line."""
    from iapgen.lint.command import Result, as_text

    return as_text(Result(list(findings), 0, 0)).rsplit("\n", 2)[0] + "\n"
