"""`iapgen import`: turn apps that already run into a spec, and say what adopting them changes.

Reads manifests with lint's loader, finds the exposed apps, writes services.yaml (comments on
every guessed value and on what the spec cannot express), renders it offline with the same
program `pulumi up` runs, and writes report.md (live against rendered, replacements first) and
import.json (for `pulumi import --file`). Writes only inside --out, like render.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.program import build
from iapgen.adopt import compare, domains, prewrite, specgen
from iapgen.adopt.discover import Skipped, find_apps
from iapgen.adopt.yamlout import spec_text
from iapgen.errors import Finding, SpecError
from iapgen.lint import checks
from iapgen.lint.manifests import Obj, load
from iapgen.render.command import kubernetes_object, ordered
from iapgen.render.offline import run_offline
from iapgen.render.stackconfig import DEFAULT_PROJECT, stack_config
from iapgen.spec import iaprules, rules
from iapgen.spec.models import Environment
from iapgen.spec.validate import load_spec
from iapgen.spec.yamlsource import parse_all
from iapgen.templating import render_template

WRITER = "iapgen import"
USAGE = ("usage: iapgen import PATH... --env ENV --out DIR [--project PROJECT_ID] [--domain DOMAIN] "
         "[--member PRINCIPAL]... [--spec services.yaml]")


class ImportUsageError(Exception):
    """What the command needs and the inputs do not tell (the project, members), or an argument that is not
    what it must be: exit 2."""


def check_options(options: Options) -> None:
    """The arguments, before any input is read: one usage error naming the flag, never findings at lines of
    a services.yaml that is not on disk, and nothing raw reaches the written YAML."""
    checks_: list[tuple[str, str, Callable[[str], str | None]]] = [("--env", options.env, rules.check_env_name)]
    if options.project is not None:
        checks_.append(("--project", options.project, rules.check_project_id))
    if options.domain is not None:
        checks_.append(("--domain", options.domain, rules.check_host))
    for member in options.members:
        checks_ += [("--member", member, iaprules.check_member_public),
                    ("--member", member, iaprules.check_member_prefix)]
    for flag, value, check in checks_:
        if not isinstance(value, str) or any(not c.isprintable() for c in value):
            raise ImportUsageError(f"{flag} {value!r}: control characters are not allowed\n{USAGE}")
        message = check(value)
        if message:
            raise ImportUsageError(f"{flag} {value!r}: {' '.join(message.split())}\n{USAGE}")


@dataclass(frozen=True)
class Options:
    env: str
    project: str | None = None
    domain: str | None = None
    members: tuple[str, ...] = ()
    spec: Path | None = None  # the project's services.yaml: its environment gives what the manifests cannot


@dataclass(frozen=True)
class Imported:
    files: dict[str, str]
    services: int
    fixed: list[Finding]
    remaining: list[Finding]


def run(paths: list[str], options: Options, stdin: bytes | None = None) -> Imported:
    check_options(options)
    loaded = load(paths, stdin)
    if loaded.findings:
        raise SpecError(loaded.findings)
    ctx = checks.Context(loaded.objects)
    apps, skipped = find_apps(ctx)
    sources = ", ".join(p if p != "-" else "standard input" for p in paths)
    refused: list[Skipped] = []
    while True:  # each round adopts fewer apps: those the spec refuses for what they carry are left out
        entries, more = specgen.build(ctx, apps, options.env)
        if not entries:
            raise ImportUsageError(f"no app can be adopted: {refused[0].ref}: {refused[0].reason}" if refused else
                                   "found no app exposed through a GKE Ingress (host -> Service) or a standalone "
                                   "NEG (cloud.google.com/neg exposed_ports) in the inputs")
        environment, env_comments = _environment(entries, options)
        text = spec_text([f"Written by iapgen import from {sources} for environment {options.env}.",
                          "Read report.md before deploying: it lists what adoption changes and what it cannot "
                          "keep."], options.env, environment, env_comments, entries)
        # Validated and rendered from memory: nothing is written outside --out, not even a temporary file.
        try:
            loaded_spec = prewrite.validated(text, options.env, environment, env_comments)
            break
        except prewrite.ChoiceError as err:
            raise ImportUsageError(str(err)) from None
        except prewrite.Unfit as err:
            unfit = [e for e in entries if e.name in err.refused]
            if not unfit:  # a finding at a service import did not write: never loop on it
                raise ImportUsageError(f"the spec import built is refused ({err}); this is a bug in iapgen import, "
                                       "please report it") from None
            refused += [Skipped(e.app.service.ref, err.refused[e.name]) for e in unfit]
            apps = [a for a in apps if all(a is not e.app for e in unfit)]
    skipped += more + refused
    run_ = run_offline(lambda: build(loaded_spec), project=DEFAULT_PROJECT, stack=options.env,
                       config={"iapgen:spec": "services.yaml"}, secret_keys=[])
    objects = [o for o in (kubernetes_object(r) for r in ordered(run_.resources)) if o is not None]
    objects = [o for o in objects if o["kind"] != "Secret"]
    live = {(o.kind, o.namespace, o.name): o for o in loaded.objects}
    fixed, remaining = _lint_changes(loaded.objects, objects)
    comparison = compare.compare(live, objects, entries, options.env)
    addresses = {e.values["names"]["staticIp"] for e in entries if e.values.get("names", {}).get("staticIp")}
    plan = compare.import_file(run_.resources, live, str(environment["project"]), addresses)
    report = render_template(
        "adopt_report.md.j2", env=options.env, sources=sources, entries=entries, comparison=comparison,
        skipped=skipped, fixed=fixed, remaining=remaining, imported=len([r for r in plan["resources"] if "id" in r]),
        guesses=[(f"environments.{options.env}", f"{k}: {v}") for k, v in env_comments.items() if "GUESSED" in v]
        + [(e.name, g) for e in entries for g in e.guesses])
    files = {"services.yaml": text, "report.md": report, "import.json": json.dumps(plan, indent=2) + "\n"}
    return Imported(files, len(entries), fixed, remaining)


def _environment(entries: list[specgen.Entry], options: Options) -> tuple[dict[str, Any], dict[str, str]]:
    comments: dict[str, str] = {}
    known = _known_environment(options)
    where = f"from {options.spec} environments.{options.env}"
    project = options.project or (known.project if known else None)
    comments["project"] = "from --project" if options.project else where
    if not project:
        project = stack_config(Path.cwd(), options.env).values.get("gcp:project")
        comments["project"] = f"from Pulumi.{options.env}.yaml (gcp:project)"
    if not project:
        raise ImportUsageError(f"say which GCP project {options.env} runs in: --project PROJECT_ID (or run in the "
                               f"Pulumi project, whose services.yaml or Pulumi.{options.env}.yaml names it)")
    hosts = [str(e.values["host"]) for e in entries if "host" in e.values]
    domain = options.domain or (known.domain if known else None)
    comments["domain"] = "from --domain" if options.domain else where
    if not domain:
        guessed = domains.guess(hosts)
        if guessed is None:
            why = "no adopted app has a host" if not hosts else "every adopted host is a public suffix itself"
            raise ImportUsageError(f"{why}, so there is no domain to guess for services without a host: pass "
                                   "--domain DOMAIN")
        domain = guessed.domain
        comments["domain"] = f"GUESSED: {guessed.why}; only services without host use it"
    environment: dict[str, Any] = {"project": project, "domain": domain}
    members = list(options.members) or (list(known.iap.members) if known else [])
    on = [e.name for e in entries if e.values.get("iap", {}).get("enabled", True)]
    if on and not members:
        raise ImportUsageError(f"IAP will be on for {', '.join(on)}, and who may pass is in IAM, not in the "
                               "manifests: pass --member PRINCIPAL for each (e.g. --member group:sre@acme.example; "
                               "gcloud iap web get-iam-policy lists today's)")
    if members:
        environment["iap"] = {"members": members}
        comments["iap.members"] = "from --member" if options.members else where
    return environment, comments


def _known_environment(options: Options) -> Environment | None:
    """The environment as the project's spec defines it, when there is one that validates."""
    if options.spec is None or not options.spec.is_file():
        return None
    try:
        return load_spec(options.spec).spec.environments.get(options.env)
    except SpecError:
        return None  # `iapgen check` reports it; import does not need it


def _lint_changes(live: list[Obj], rendered: list[dict[str, Any]]) -> tuple[list[Finding], list[Finding]]:
    """Lint findings of the live objects: those the rendered objects no longer have, and those that stay."""
    before = checks.run(live)
    replaced = {(o["kind"], o["metadata"].get("namespace", "default"), o["metadata"]["name"]) for o in rendered}
    text = "---\n".join(json.dumps(o) + "\n" for o in rendered)
    documents = parse_all(text, "rendered")
    after_objects = [Obj(d, (), d.data) for d in documents if isinstance(d.data, dict)]
    # What the spec renders replaces its live namesake; everything else (workloads, objects not adopted) stays.
    after_objects += [o for o in live if (o.kind, o.namespace, o.name) not in replaced]
    after = {(f.field, f.rule) for f in checks.run(after_objects)}
    fixed: list[Finding] = []
    remaining: list[Finding] = []
    for finding in sorted(before, key=lambda f: (f.file, f.line or 0, f.rule)):
        kind, _, rest = finding.field.partition(" ")
        namespace, _, name = rest.partition("/")
        adopted = (kind, namespace, name) in replaced
        (fixed if adopted and (finding.field, finding.rule) not in after else remaining).append(finding)
    return fixed, remaining
