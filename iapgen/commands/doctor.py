"""iapgen doctor: read-only checks of a live cluster and project for why a backend is unhealthy."""

from __future__ import annotations

import argparse
import sys

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, AddCommand


def add(add_command: AddCommand) -> None:
    doctor = add_command(
        "doctor", help="check a live cluster and project for why a backend is unhealthy (read-only)",
        description="Check each service of an environment against the live cluster (kubectl, current context) "
        "and project (gcloud, current account): annotations, neg-status, svcneg, NEG endpoints against ready "
        "Pods, backend health, health-check logging, and the server's listen address. Changes nothing.")
    doctor.add_argument("--env", required=True, help="environment in services.yaml, e.g. dev")
    doctor.add_argument("--service", help="only this service")
    doctor.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    doctor.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")


def run(args: argparse.Namespace) -> int:
    from iapgen.operations import doctor
    from iapgen.spec.validate import load_spec

    loaded = load_spec(args.spec)
    _, exposures = loaded.environment(args.env)
    chosen = [e for e in exposures if args.service in (None, e.service.name)]
    if not chosen and not exposures:
        print(f"iapgen doctor: environment {args.env} has no services in {args.spec}: nothing to diagnose",
              file=sys.stderr)
        return EXIT_USAGE
    if not chosen:
        names = ", ".join(e.service.name for e in exposures)
        print(f"iapgen doctor: no service {args.service!r} in {args.env} (services: {names})", file=sys.stderr)
        return EXIT_USAGE
    tools = doctor.Tools()
    try:
        header = f"{args.env}, {doctor.preflight(tools, chosen[0].environment.project)}"
        checks = [check for exposure in chosen for check in doctor.diagnose(tools, exposure)]
    except doctor.DoctorError as err:
        print(f"iapgen doctor: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    sys.stdout.write((doctor.as_json if args.format == "json" else doctor.as_text)(header, checks))
    return EXIT_PROBLEMS if any(c.status == doctor.FAIL for c in checks) else EXIT_OK
