"""iapgen lint: anyone's Kubernetes YAML against the GKE load-balancer and IAP traps."""

from __future__ import annotations

import argparse
import sys

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, AddCommand, missing_path


def add(add_command: AddCommand) -> None:
    lint = add_command(
        "lint", help="check Kubernetes YAML (anyone's) for GKE load-balancer and IAP traps",
        description="Check Services, BackendConfigs, Ingresses, FrontendConfigs and the workloads they select, "
        "across every file given, for the traps in docs/gke-behaviour.md. Reads files, folders (recursively) "
        "and '-' for standard input; multi-document YAML and `kind: List` (kubectl get -o yaml, helm template).")
    lint.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, or - for standard input")
    lint.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                      help="text for people (default), json, or sarif for GitHub code scanning")
    lint.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                      help="exit 1 when a finding at or above this severity exists (default: error)")
    lint.add_argument("--no-schemas", dest="schemas", action="store_false",
                      help="do not validate GKE and Gateway API custom resources against their CRD schemas "
                      "(rule CRD_SCHEMA)")


def run(args: argparse.Namespace) -> int:
    from iapgen.lint.command import FORMATS, failed, lint

    if missing_path("lint", args.paths):
        return EXIT_USAGE
    result = lint(args.paths, schemas=args.schemas)
    sys.stdout.write(FORMATS[args.format](result))
    return EXIT_PROBLEMS if failed(result, args.fail_on) else EXIT_OK
