"""Fake `kubectl` and `gcloud` for doctor tests: answer from files in $IAPGEN_FAKE_DIR.

Installed into a folder on PATH by tests/test_doctor.py (as `kubectl` and `gcloud`, with this
interpreter in the shebang). Every call is appended to calls.log. A missing fixture answers
like the real tools do for a missing object: an error on stderr and exit status 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def fixture(tool: str, args: list[str]) -> str | None:
    def after(flag: str) -> str:
        return args[args.index(flag) + 1] if flag in args else ""

    if tool == "kubectl":
        if args[:2] == ["config", "current-context"]:
            return "context.txt"
        if args[:2] == ["get", "svc"]:
            return f"svc.{after('-n')}.{args[2]}.json"
        if args[:2] == ["get", "svcneg"]:
            return f"svcneg.{after('-n')}.{after('-l').split('=', 1)[1]}.json"
        if args[0] == "get" and args[1] in ("gateway", "httproute", "healthcheckpolicy", "gcpbackendpolicy"):
            return f"{args[1]}.{after('-n')}.{args[2]}.json"
        if args[:2] == ["get", "pods"]:
            return f"pods.{after('-n')}.json"
        if args[0] == "exec":
            pod = args[args.index(after("-n")) + 1]
            return f"exec.{pod}.{args[args.index('--') + 1]}.txt"
    if tool == "gcloud":
        if args[:2] == ["auth", "list"]:
            return "auth.json"
        if args[:3] == ["compute", "network-endpoint-groups", "list-network-endpoints"]:
            return f"endpoints.{args[3]}.{after('--zone')}.json"
        if args[:3] == ["compute", "backend-services", "list"]:
            return "backend-services.json"
        if args[:3] == ["compute", "backend-services", "get-health"]:
            return f"health.{args[3]}.json"
        if args[:3] == ["compute", "health-checks", "describe"]:
            return f"hc.{args[3]}.json"
    return None


def main() -> int:
    folder = Path(os.environ["IAPGEN_FAKE_DIR"])
    tool, args = Path(sys.argv[0]).name, sys.argv[1:]
    with (folder / "calls.log").open("a") as log:
        log.write(" ".join([tool, *args]) + "\n")
    name = fixture(tool, args)
    path = folder / name if name else None
    if path is None or not path.exists():
        if tool == "kubectl":
            sys.stderr.write(f'Error from server (NotFound): "{" ".join(args[:3])}" not found\n')
        else:
            sys.stderr.write(f"ERROR: (gcloud.{'.'.join(args[:2])}) NOT_FOUND: {' '.join(args[:4])}\n")
        return 1
    sys.stdout.write(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
