"""The `iapgen` command line: the table of subcommands, one module each in iapgen/commands/.

Every subcommand exits 0 on success, 1 when it found problems, 2 on bad usage, and never
prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
from collections.abc import Sequence
from types import ModuleType

from iapgen import __version__
from iapgen.commands import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    adopt,
    check,
    diff,
    doctor,
    lint,
    pin,
    preflight,
    render,
    rules,
    schema,
    token,
)
from iapgen.errors import SpecError

# Command name -> its module, in the order `iapgen --help` lists them (token registers token and curl).
COMMANDS: dict[str, ModuleType] = {
    "render": render, "check": check, "pin": pin, "lint": lint, "import": adopt, "diff": diff, "token": token,
    "curl": token, "doctor": doctor, "preflight": preflight, "rules": rules, "schema": schema,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iapgen", allow_abbrev=False,
        description="Put GKE apps behind a Google Cloud HTTPS load balancer and Identity-Aware Proxy, "
        "from one services.yaml.",
        epilog="Exit status: 0 success, 1 problems found, 2 bad usage.",
    )
    parser.add_argument("--version", action="version", version=f"iapgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # No abbreviated options anywhere: curl's --proxy must never be read as --proxy-authorization.
    add_command = functools.partial(commands.add_parser, allow_abbrev=False)
    for module in dict.fromkeys(COMMANDS.values()):
        module.add(add_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    module = COMMANDS[args.command]
    if needs_deploy := getattr(module, "needs_deploy", None):
        # These run the Pulumi program: the base install lacks it (iapgen/extras.py).
        from iapgen.extras import deploy_missing_message

        if (command := needs_deploy(args)) and (message := deploy_missing_message(command)):
            print(message, file=sys.stderr)
            return EXIT_USAGE
    try:
        return int(module.run(args))
    except SpecError as err:
        print(err, file=sys.stderr)
        count = len(err.findings)
        pins = len({f.field.partition("]")[0] for f in err.findings if f.rule == "INGRESS_PIN_REQUIRED"})
        hint = f"; iapgen pin prints the spec with the {pins} missing `ingress:` line{'s' if pins != 1 else ''} " \
            "added (--base-ref: the revision that is deployed)" if pins and args.command != "pin" else ""
        print(f"iapgen: {count} problem{'s' if count != 1 else ''} found{hint}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (iapgen pin | head): say nothing, and let exit's flush go nowhere
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + getattr(signal, "SIGPIPE", 13)
    except token.Terminated:
        return 128 + signal.SIGTERM
    except (MemoryError, RecursionError) as err:  # the input limits should prevent both; never a traceback
        what = "out of memory" if isinstance(err, MemoryError) else "input nested too deeply"
        print(f"iapgen {args.command}: {what}; the input is too large for this machine (see the limits in "
              "docs/design.md#yaml-loading)", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":
    sys.exit(main())
