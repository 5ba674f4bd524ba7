"""iapgen pin: the spec with the `ingress: N` lines INGRESS_PIN_REQUIRED asks for, on standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, AddCommand


def add(add_command: AddCommand) -> None:
    pin = add_command(
        "pin", help="print the spec with the `ingress: N` lines INGRESS_PIN_REQUIRED asks for",
        description="Print services.yaml to standard output with `ingress: N` added under the name of every "
        "service that INGRESS_PIN_REQUIRED reports (a namespace past the 15 hosts of its first Ingress), and "
        "nothing else changed. Writes no file: iapgen pin > new.yaml && mv new.yaml services.yaml")
    pin.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    pin.add_argument("--base-ref", help="the git ref that is deployed (e.g. origin/main): the services its Ingress 1 "
                     "serves stay there, and services added since are the ones pinned elsewhere")


def run(args: argparse.Namespace) -> int:
    from iapgen.gitref import GitRefError, read_at_ref
    from iapgen.spec.pinning import add_pins

    base = None
    if args.base_ref is not None:
        if not args.base_ref.strip():  # "$DEPLOYED_SHA" unset in CI: never fall back to spec order silently
            print("iapgen pin: --base-ref is empty; give the revision that is deployed (e.g. origin/main), or leave "
                  "the option out", file=sys.stderr)
            return EXIT_PROBLEMS
        try:
            base = (read_at_ref(args.base_ref, Path(args.spec)).spec, f"{args.base_ref}:{args.spec}")
        except GitRefError as err:
            print(f"iapgen pin: {err}", file=sys.stderr)
            return EXIT_PROBLEMS
    text, added = add_pins(Path(args.spec), args.spec, base)
    if hasattr(sys.stdout, "buffer"):  # the spec's own UTF-8, whatever the terminal's encoding
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode())
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
    print(f"iapgen pin: {added} `ingress:` line{'s' if added != 1 else ''} added to {args.spec}'s text on standard "
          "output; the file itself is unchanged", file=sys.stderr)
    return EXIT_OK
