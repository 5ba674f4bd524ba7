"""`iapgen diff BASE HEAD`: what a change does, per environment, in GKE terms, for a pull request.

BASE and HEAD are render folders (one environment, or `render --all-envs` output), or the base is
rendered from a git ref. The report: per environment a table of services added, changed and
removed with what changed in words, then a Mermaid diagram of the request path of each new or
changed service, then each changed object's YAML diff, collapsed. It always fits one GitHub
comment: past the limit it drops diffs first, then diagrams, never the tables, and says so.
Secrets never reach a render folder, so they cannot reach the report.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iapgen.gitref import GitRefError, read_at_ref
from iapgen.modes import named
from iapgen.modes.base import DiffService as Service
from iapgen.modes.base import Rendered
from iapgen.templating import render_template

SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x PyYAML's own
COMMENT_LIMIT = 65_536
DIFF_LINES = 60  # per object; longer diffs are cut

LABELS = {"namespace": "namespace", "host": "host", "port": "Service port", "targetPort": "container port",
          "protocol": "protocol", "path": "health check path", "interval": "health check interval",
          "timeout": "health check timeout", "healthy": "healthy threshold", "unhealthy": "unhealthy threshold",
          "iap": "IAP", "logging": "request logging", "ingress": "Ingress (and its static IP)",
          "clusters": "clusters"}


class DiffError(Exception):
    pass


@dataclass
class EnvReport:
    env: str
    rows: list[dict[str, str]] = field(default_factory=list)
    mode_change: dict[str, str] | None = None
    """{"from": ..., "to": ...} when the change moves the environment to another loadBalancer mode."""
    diagrams: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, str]] = field(default_factory=list)


def env_folders(root: Path) -> dict[str, Path]:
    """{environment: render folder} for a single-environment folder or an --all-envs folder."""
    if (root / "plan.json").is_file():
        outputs = json.loads((root / "outputs.json").read_text())
        return {str(outputs.get("environment") or root.name): root}
    if not root.is_dir():
        raise DiffError(f"{root} is not a render folder (no plan.json); run iapgen render first")
    found = {p.name: p for p in sorted(root.iterdir()) if (p / "plan.json").is_file()}
    if not found:
        raise DiffError(f"{root} holds no render output (no plan.json in it or its folders)")
    return found


def k8s_texts(folder: Path | None) -> dict[str, str]:
    if folder is None or not (folder / "k8s").is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted((folder / "k8s").rglob("*.yaml"))}


def mode(folder: Path | None) -> str | None:
    """The environment's loadBalancer mode as rendered (outputs of the default mode carry none)."""
    if folder is None:
        return None
    return named(json.loads((folder / "outputs.json").read_text()).get("loadBalancer")).name


def services(folder: Path | None) -> dict[str, Service]:
    """Each service's reviewable facts, read back from the rendered objects and plan by the folder's mode."""
    if folder is None:
        return {}
    texts = k8s_texts(folder)
    loaded = [yaml.load(t, Loader=SAFE_LOADER) for t in texts.values()]
    plan = json.loads((folder / "plan.json").read_text())
    members: dict[str, set[str]] = {}
    for entry in plan:
        if entry["type"].endswith(":WebBackendServiceIamMember") and entry["parent"]:
            members.setdefault(entry["parent"].split("/")[0], set()).add(entry["inputs"].get("member", "?"))
    rendered = Rendered(loaded, {(o["kind"], o["metadata"]["name"]): o for o in loaded}, plan, members, list(texts))
    return named(mode(folder)).diff_services(rendered)


def changes(old: Service, new: Service) -> list[str]:
    said = [f"{LABELS[key]} {old.facts.get(key)} -> {new.facts.get(key)}" for key in LABELS
            if old.facts.get(key) != new.facts.get(key)]
    said += [f"IAP member {m} added" for m in sorted(new.members - old.members)]
    said += [f"IAP member {m} removed" for m in sorted(old.members - new.members)]
    return said


def describe(service: Service) -> str:
    f = service.facts
    return (f"{f['host']}: {f['protocol']} :{f['port']} -> Pod :{f['targetPort']}, health check {f['path']}, "
            f"IAP {f['iap']}" + (f" ({len(service.members)} members)" if service.members else "")
            + (f", on Ingress {f['ingress']}" if "ingress" in f else "")
            + (f", in clusters {f['clusters']}" if "clusters" in f else ""))


def compare_env(env: str, base: Path | None, head: Path | None) -> EnvReport:
    report = EnvReport(env)
    old_mode, new_mode = mode(base), mode(head)
    if old_mode and new_mode and old_mode != new_mode:
        report.mode_change = {"from": old_mode, "to": new_mode}
    old, new = services(base), services(head)
    for name in sorted(set(old) | set(new)):
        if name not in old:
            report.rows.append({"service": name, "change": "added", "what": describe(new[name])})
        elif name not in new:
            report.rows.append({"service": name, "change": "removed", "what": describe(old[name])})
        else:
            said = changes(old[name], new[name])
            if said:
                report.rows.append({"service": name, "change": "changed", "what": "; ".join(said)})
    for row in report.rows:
        if row["change"] != "removed":
            report.diagrams.append({"service": row["service"], **new[row["service"]].facts})
    before, after = k8s_texts(base), k8s_texts(head)
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            lines = list(difflib.unified_diff(before.get(path, "").splitlines(), after.get(path, "").splitlines(),
                                              f"base/{path}", f"head/{path}", lineterm=""))
            cut = len(lines) > DIFF_LINES
            text = "\n".join(lines[:DIFF_LINES]) + (f"\n... {len(lines) - DIFF_LINES} more lines" if cut else "")
            report.diffs.append({"path": path, "text": text})
    return report


def report(base_root: Path, head_root: Path, limit: int = COMMENT_LIMIT) -> str:
    try:
        bases, heads = env_folders(base_root), env_folders(head_root)
        envs = [compare_env(env, bases.get(env), heads.get(env)) for env in sorted(set(bases) | set(heads))]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, yaml.YAMLError) as err:
        raise DiffError(f"a render folder is damaged or incomplete ({type(err).__name__}); render both revisions "
                        "again with iapgen render") from None
    return fit(envs, limit)


def fit(envs: list[EnvReport], limit: int) -> str:
    """Everything if it fits; else drop diffs, then diagrams (never table rows) and say what was left out."""
    keep_diagrams = [list(e.diagrams) for e in envs]
    keep_diffs = [list(e.diffs) for e in envs]
    dropped = {"diagrams": 0, "diffs": 0}

    def build() -> str:
        return render_template("diff.md.j2", envs=[
            {"env": e.env, "rows": e.rows, "mode_change": e.mode_change, "diagrams": keep_diagrams[i],
             "diffs": keep_diffs[i]}
            for i, e in enumerate(envs)], dropped=dropped)

    text = build()
    for kind, kept in (("diffs", keep_diffs), ("diagrams", keep_diagrams)):
        while len(text) > limit and any(kept):
            longest = max(range(len(kept)), key=lambda i: len(kept[i]))
            # drop about half of what is left in the fullest environment, then measure again
            remove = max(1, len(kept[longest]) // 2)
            del kept[longest][-remove:]
            dropped[kind] += remove
            text = build()
    return text


def render_ref(ref: str, spec: Path, into: Path) -> Path:
    """Render every environment of the spec as it was at git `ref` (with that ref's stack configs)."""
    from iapgen.render.command import render, write
    from iapgen.spec.validate import load_spec

    try:
        at_ref = read_at_ref(ref, spec)
    except GitRefError as err:
        raise DiffError(str(err)) from None
    checkout = into / "spec"
    checkout.mkdir(parents=True)
    (checkout / spec.name).write_text(at_ref.spec)
    for name, text in at_ref.stack_configs.items():
        (checkout / name).write_text(text)
    out = into / "base"
    for env in load_spec(checkout / spec.name, f"{ref}:{spec}").spec.environments:
        write(out / env, render(str(checkout / spec.name), env).files)
    return out


def diff_against_ref(ref: str, spec: Path) -> str:
    from iapgen.render.command import render, write
    from iapgen.spec.validate import load_spec

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = render_ref(ref, spec, root)
        head = root / "head"
        for env in load_spec(spec).spec.environments:
            write(head / env, render(str(spec), env).files)
        return report(base, head)
