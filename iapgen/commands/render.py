"""iapgen render: the Pulumi program offline, into plan.json, outputs.json, k8s/, runbooks/ and summary.md."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from iapgen.commands import EXIT_OK, EXIT_PROBLEMS, AddCommand


def add(add_command: AddCommand) -> None:
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


def needs_deploy(args: argparse.Namespace) -> str:
    return "render"


def run(args: argparse.Namespace) -> int:
    # The Pulumi SDKs' modules are large and all live to the end: collecting garbage while they load only walks
    # them again and again (about a twentieth of a one-service render). The run itself pauses it too.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from iapgen.render.command import OutputFolderError, check_all_envs_folder, check_folder, render, write
        from iapgen.spec.validate import load_spec
    finally:
        if enabled:
            gc.enable()

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
