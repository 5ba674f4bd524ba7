"""iapgen token and iapgen curl: an ID token for an IAP-protected app, alone or handed to curl."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, AddCommand


def add(add_command: AddCommand) -> None:
    for command, text in (("token", "print an ID token for an IAP-protected app (a person or a service account)"),
                          ("curl", "run curl with the IAP bearer token: iapgen curl [options] URL [curl args]")):
        sub = add_command(command, help=text, description=text + ". People: --user (a desktop OAuth "
                                  "client allowed for programmatic access; signs in once, then refreshes silently). "
                                  "Service accounts: Application Default Credentials or --impersonate-service-account.")
        target = sub.add_mutually_exclusive_group()
        target.add_argument("--audience", help="the IAP OAuth client id the token is for")
        target.add_argument("--service", help="a service of services.yaml (with --env): its environment's "
                            "iap.oauthClientId")
        sub.add_argument("--env", help="environment of --service")
        sub.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
        sub.add_argument("--user", action="store_true", help="a token for you, through the desktop OAuth client")
        sub.add_argument("--login", action="store_true", help="with --user: sign in again in the browser")
        sub.add_argument("--client-id", default=os.environ.get("IAPGEN_CLIENT_ID"),
                         help="desktop OAuth client id (or IAPGEN_CLIENT_ID, or ~/.config/iapgen/client.json)")
        sub.add_argument("--client-secret", default=os.environ.get("IAPGEN_CLIENT_SECRET"),
                         help="desktop OAuth client secret (or IAPGEN_CLIENT_SECRET)")
        sub.add_argument("--impersonate-service-account", metavar="SA", help="a token for this service account")
        if command == "curl":
            sub.add_argument("--proxy-authorization", action="store_true",
                             help="send Proxy-Authorization (when the app itself uses Authorization)")
            sub.add_argument("url", help="the URL; iapgen's options go before it, curl's after it")
            sub.add_argument("curl_args", nargs=argparse.REMAINDER, help="passed to curl as they are")


def run(args: argparse.Namespace) -> int:
    from iapgen.access import token as iaptoken

    try:
        audience = _audience(args)
        if args.user:
            client = _desktop_client(args)
            token = iaptoken.UserTokens(client).id_token(audience, force_login=args.login)
        else:
            token = iaptoken.service_account_token(audience, args.impersonate_service_account)
    except iaptoken.TokenError as err:
        print(f"iapgen {args.command}: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.command == "token":
        print(token)
        return EXIT_OK
    header = "Proxy-Authorization" if args.proxy_authorization else "Authorization"
    # The header goes through a 0600 file in a private folder (-H @file): never in the process list, and
    # curl keeps its own standard input (for -d @-). The folder goes on every way out, SIGTERM included.
    with tempfile.TemporaryDirectory(prefix="iapgen-") as private, terminated_as_exit():
        path = Path(private) / "header"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{header}: Bearer {token}\n")
        try:
            curl = subprocess.Popen(["curl", "-H", f"@{path}", args.url, *args.curl_args])
        except FileNotFoundError:
            print("iapgen curl: curl is not installed; use iapgen token and your own client", file=sys.stderr)
            return EXIT_PROBLEMS
        try:
            return curl.wait()
        except Terminated:
            curl.terminate()
            curl.wait()
            return 128 + signal.SIGTERM


class Terminated(Exception):
    """SIGTERM arrived: unwind, so that `with` blocks clean up."""


@contextlib.contextmanager
def terminated_as_exit() -> Iterator[None]:
    def raise_terminated(signum: int, frame: Any) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread: signals go elsewhere, nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _audience(args: argparse.Namespace) -> str:
    from iapgen.access.token import TokenError
    from iapgen.spec.validate import load_spec

    if args.audience:
        return str(args.audience)
    if not (args.service and args.env):
        raise TokenError("say which app: --audience IAP_CLIENT_ID, or --env ENV --service NAME")
    environment, exposures = load_spec(args.spec).environment(args.env)
    if args.service not in {e.service.name for e in exposures}:
        raise TokenError(f"no service {args.service!r} in {args.env} "
                         f"(services: {', '.join(e.service.name for e in exposures) or 'none'})")
    if not environment.iap.oauth_client_id:
        raise TokenError(f"{args.env} uses the Google-managed OAuth client, whose audience iapgen cannot know: pass "
                         "--audience with the OAuth client id your IAP settings allow as a programmatic client")
    return environment.iap.oauth_client_id


def _desktop_client(args: argparse.Namespace) -> Any:
    from iapgen.access.token import DesktopClient, TokenError, config_dir

    if args.client_id and args.client_secret:
        return DesktopClient(args.client_id, args.client_secret)
    path = config_dir() / "client.json"
    try:
        data = json.loads(path.read_text())
        return DesktopClient(str(data["client_id"]), str(data["client_secret"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise TokenError("--user needs a desktop OAuth client: --client-id and --client-secret, IAPGEN_CLIENT_ID and "
                         f"IAPGEN_CLIENT_SECRET, or {path} with client_id and client_secret") from None
