"""The `iapgen` command line.

Every subcommand exits 0 on success, 1 when it found problems, 2 on bad usage, and never
prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from iapgen import __version__
from iapgen.errors import SpecError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


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

    render = add_command(
        "render", help="run the Pulumi program offline and write plan.json, k8s/ and summary.md",
        description="Run the same Pulumi program `pulumi up` runs, offline under the Pulumi SDK's mocks "
        "(no CLI, no credentials), and write plan.json, outputs.json, k8s/*.yaml and summary.md into --out. "
        "--out must be new, empty, or a folder render wrote before.")
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--env", help="Pulumi stack name, e.g. dev; it renders the environment of that name, or the "
                       "one its Pulumi.<stack>.yaml names in iapgen:environment")
    which.add_argument("--all-envs", action="store_true", help="render every environment into OUT/<env>/")
    render.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    render.add_argument("--out", required=True, type=Path, help="output folder, e.g. build/dev")
    render.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    check = add_command("check", help="validate the spec for every environment, deploy nothing",
                                description="Validate services.yaml for every environment; print each "
                                "problem as file:line: field: message [RULE].")
    check.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")

    pin = add_command(
        "pin", help="print the spec with the `ingress: N` lines INGRESS_PIN_REQUIRED asks for",
        description="Print services.yaml to standard output with `ingress: N` added under the name of every "
        "service that INGRESS_PIN_REQUIRED reports (a namespace past the 15 hosts of its first Ingress), and "
        "nothing else changed. Writes no file: iapgen pin > new.yaml && mv new.yaml services.yaml")
    pin.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    pin.add_argument("--base-ref", help="the git ref that is deployed (e.g. origin/main): the services its Ingress 1 "
                     "serves stay there, and services added since are the ones pinned elsewhere")

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
                       "common suffix)")
    adopt.add_argument("--member", action="append", default=[], metavar="PRINCIPAL",
                       help="IAP member of the environment, e.g. group:sre@acme.example (repeat for more; default: "
                       "the spec's)")

    diff = add_command(
        "diff", help="report what a change deploys, per environment, as Markdown for a pull request",
        description="Compare two render folders (one environment, or render --all-envs output), or the spec at a "
        "git ref with the working tree (--base-ref), and print a Markdown report that fits one GitHub comment.")
    diff.add_argument("folders", nargs="*", metavar="FOLDER", help="BASE and HEAD render folders")
    diff.add_argument("--base-ref", help="render the base from this git ref (e.g. origin/main) instead of BASE")
    diff.add_argument("--spec", default="services.yaml", help="spec file, with --base-ref (default: services.yaml)")

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

    doctor = add_command(
        "doctor", help="check a live cluster and project for why a backend is unhealthy (read-only)",
        description="Check each service of an environment against the live cluster (kubectl, current context) "
        "and project (gcloud, current account): annotations, neg-status, svcneg, NEG endpoints against ready "
        "Pods, backend health, health-check logging, and the server's listen address. Changes nothing.")
    doctor.add_argument("--env", required=True, help="environment in services.yaml, e.g. dev")
    doctor.add_argument("--service", help="only this service")
    doctor.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    doctor.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")

    preflight = add_command(
        "preflight", help="check the live project before the first pulumi up (read-only)",
        description="Check the environment's project: the APIs its mode needs, the deployer's permissions for what "
        "it creates, the quotas it would exceed, the cluster (VPC-native, zones) and the Certificate Manager write "
        "quota. Changes nothing. Sources: docs/preflight.md.")
    preflight.add_argument("--env", required=True, help="environment in services.yaml, e.g. dev")
    preflight.add_argument("--spec", default="services.yaml", help="spec file (default: services.yaml)")
    preflight.add_argument("--cluster", help="the cluster's name, when the project has several")
    preflight.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")

    rules_cmd = add_command("rules", help="list every rule iapgen checks",
                                    description="List the rule catalogue: id, severity and what it checks.")
    rules_cmd.add_argument("--markdown", action="store_true",
                           help="print docs/rules.md (each rule with a bad and a good example)")

    add_command("schema", help="print the spec's JSON schema (for the YAML language server)",
                        description="Print the JSON schema of services.yaml to standard output.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"render": _render, "check": _check, "lint": _lint, "import": _import, "token": _token, "curl": _token,
                "diff": _diff, "doctor": _doctor, "preflight": _preflight, "rules": _rules, "schema": _schema,
                "pin": _pin}
    if args.command in ("render", "import") or (args.command == "diff" and args.base_ref):
        # These run the Pulumi program: the base install lacks it (iapgen/extras.py).
        from iapgen.extras import deploy_missing_message

        command = "diff --base-ref" if args.command == "diff" else args.command
        if message := deploy_missing_message(command):
            print(message, file=sys.stderr)
            return EXIT_USAGE
    try:
        return handlers[args.command](args)
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
    except _Terminated:
        return 128 + signal.SIGTERM
    except (MemoryError, RecursionError) as err:  # the input limits should prevent both; never a traceback
        what = "out of memory" if isinstance(err, MemoryError) else "input nested too deeply"
        print(f"iapgen {args.command}: {what}; the input is too large for this machine (see the limits in "
              "docs/design.md#yaml-loading)", file=sys.stderr)
        return EXIT_PROBLEMS


def _schema(args: argparse.Namespace) -> int:
    from iapgen.spec.schema import spec_schema

    print(json.dumps(spec_schema(), indent=2))
    return EXIT_OK


def _lint(args: argparse.Namespace) -> int:
    from iapgen.lint.command import FORMATS, failed, lint

    for path in args.paths:
        if path != "-" and not Path(path).exists():
            print(f"iapgen lint: {path}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    result = lint(args.paths)
    sys.stdout.write(FORMATS[args.format](result))
    return EXIT_PROBLEMS if failed(result, args.fail_on) else EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from iapgen.adopt.command import WRITER, ImportUsageError, Options, run
    from iapgen.render.command import OutputFolderError, check_folder, write

    for path in args.paths:
        if path != "-" and not Path(path).exists():
            print(f"iapgen import: {path}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    try:
        check_folder(args.out, WRITER)  # before reading anything
        result = run(args.paths, Options(args.env, args.project, args.domain, tuple(args.member), args.spec))
        write(args.out, result.files, WRITER)
    except SpecError as err:  # the inputs are not readable YAML: the lines lint prints
        sys.stderr.write(_finding_lines(err.findings))
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
        sys.stdout.write(_finding_lines(result.fixed))
    if result.remaining:
        print(f"lint findings that adoption does not fix ({len(result.remaining)}): see report.md")
    print(f"iapgen import: {result.services} services -> {args.out}/ (services.yaml, report.md, import.json)")
    return EXIT_OK


def _finding_lines(findings: Sequence[Any]) -> str:
    """Findings as `iapgen lint` prints them, without its summary line."""
    from iapgen.lint.command import Result, as_text

    return as_text(Result(list(findings), 0, 0)).rsplit("\n", 2)[0] + "\n"


def _token(args: argparse.Namespace) -> int:
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
    with tempfile.TemporaryDirectory(prefix="iapgen-") as private, _terminated_as_exit():
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
        except _Terminated:
            curl.terminate()
            curl.wait()
            return 128 + signal.SIGTERM


class _Terminated(Exception):
    """SIGTERM arrived: unwind, so that `with` blocks clean up."""


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    def raise_terminated(signum: int, frame: Any) -> None:
        raise _Terminated

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


def _diff(args: argparse.Namespace) -> int:
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


def _doctor(args: argparse.Namespace) -> int:
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


def _preflight(args: argparse.Namespace) -> int:
    from iapgen.operations import preflight

    return preflight.command(args.spec, args.env, args.format, args.cluster, sys.stdout.write)


def _rules(args: argparse.Namespace) -> int:
    from iapgen.lint.docs import catalogue_markdown, catalogue_table

    sys.stdout.write(catalogue_markdown() if args.markdown else catalogue_table())
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from iapgen.spec.validate import load_spec

    loaded = load_spec(args.spec)
    counts = ", ".join(f"{env}: {len(ex)} services" for env, ex in loaded.exposures.items())
    print(f"{args.spec}: ok ({counts})")
    return EXIT_OK


def _pin(args: argparse.Namespace) -> int:
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


def _render(args: argparse.Namespace) -> int:
    from iapgen.render.command import OutputFolderError, check_all_envs_folder, check_folder, render, write
    from iapgen.spec.validate import load_spec

    out: Path = args.out
    try:
        if args.all_envs:
            envs = list(load_spec(args.spec).spec.environments)
            check_all_envs_folder(out, envs)
            targets = [(env, out / env) for env in envs]
        else:
            targets = [(args.env, out)]
        for _, folder in targets:
            check_folder(folder)  # before spending time on the program
        for env, folder in targets:
            rendered = render(args.spec, env)
            write(folder, rendered.files)
            if not args.quiet:
                objects = sum(1 for f in rendered.files if f.startswith("k8s/"))
                target = env if rendered.env == env else f"stack {env}, environment {rendered.env}"
                print(f"iapgen render: {target}: {len(rendered.run.resources)} resources, {objects} Kubernetes "
                      f"objects -> {folder}/ (plan.json, outputs.json, k8s/, runbooks/, summary.md)")
    except OutputFolderError as err:
        print(f"iapgen render: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as err:
        print(f"iapgen render: cannot write {err.filename or out}: {err.strerror}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
