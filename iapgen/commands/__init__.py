"""One module per `iapgen` command: `add` declares its arguments, `run` carries it out (iapgen/cli.py is the table).

A module imports only the standard library and light iapgen modules at import time; what a command needs
beyond that (the Pulumi program, the lint engine, google-auth) it imports inside `run`, so `iapgen --help`
and the base install stay light (tests/test_light_imports.py). A command that needs the deploy extra says
so with `needs_deploy(args)`, which returns the command's name as users typed it, or "".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

# Adds one subcommand: argparse's add_parser, with abbreviated options off.
AddCommand = Callable[..., argparse.ArgumentParser]


def missing_path(command: str, paths: Sequence[str]) -> bool:
    """Say so (and return True) when a PATH argument other than - does not exist."""
    for path in paths:
        if path != "-" and not Path(path).exists():
            print(f"iapgen {command}: {path}: no such file or folder", file=sys.stderr)
            return True
    return False
