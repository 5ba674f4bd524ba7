"""`iapgen render`: run the Pulumi program offline and write what it would deploy.

Writes, inside the output folder only:
- plan.json     every registered resource: type token, logical name, parent, inputs;
- outputs.json  the stack outputs ("<computed>" where only a deploy can know them);
- k8s/<namespace>/<kind>-<name>.yaml  every Kubernetes object, for kubectl --dry-run (k8s/<cluster>/<namespace>/...
                for the objects of a mode that deploys to several clusters, one folder per cluster);
- summary.md    what the environment exposes and how, for humans;
- runbooks/<service>.md  the on-call runbook for each service.

The folder must be new, empty, or one that render wrote before: render keeps a list of the
files it wrote and refuses a folder that holds anything else, so it never overwrites or
deletes a user's files.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import pickletools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.program import build
from iapgen.modes import mode_of
from iapgen.modes.base import SummaryInput
from iapgen.render.offline import SECRET, OfflineRun, Registration, run_offline
from iapgen.render.stackconfig import StackConfig, stack_config
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.validate import LoadedSpec, load_spec

MANIFEST = ".iapgen-render.json"
RENDER = "iapgen render"
_DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same output, ~10x faster
_TOP_KEYS = ("apiVersion", "kind", "metadata", "spec")
_META_KEYS = ("name", "namespace", "labels", "annotations")


@dataclass(frozen=True)
class Rendered:
    env: str
    files: dict[str, str]
    run: OfflineRun


def render(spec_path: str, env: str) -> Rendered:
    """Validate the spec, run the program for `env` offline and lay out every output file."""
    loaded = load_spec(spec_path)
    config = stack_config(Path(spec_path).resolve().parent, env)
    values = {**config.values, "iapgen:spec": spec_path}
    # The same build() that `pulumi up` runs through deploy(), on the spec validated above. It picks
    # the environment (iapgen:environment, else the stack name; ENV_UNKNOWN if the spec lacks it) and
    # exports its choice, which the summary and runbooks follow.
    run = run_offline(lambda: build(loaded), project=config.project, stack=env, config=values,
                      secret_keys=list(config.secret_keys))
    environment = str(run.outputs["environment"])
    return Rendered(environment, lay_out(loaded, environment, config, run), run)


def lay_out(loaded: LoadedSpec, env: str, config: StackConfig, run: OfflineRun) -> dict[str, str]:
    files: dict[str, str] = {
        "plan.json": json.dumps(plan(run), indent=2) + "\n",
        "outputs.json": json.dumps(run.outputs, indent=2, sort_keys=True) + "\n",
    }
    for registration in ordered(run.resources):
        obj = kubernetes_object(registration)
        # Secrets are not written: their values come from stack config at deploy time only.
        if obj is not None and obj["kind"] != "Secret":
            meta = obj["metadata"]
            cluster = naming.provider_cluster(registration.provider)  # a mode that deploys to several clusters
            folder = f"k8s/{cluster}/" if cluster else "k8s/"
            path = f"{folder}{meta.get('namespace', '_cluster')}/{obj['kind'].lower()}-{meta['name']}.yaml"
            files[path] = yaml.dump(obj, Dumper=_DUMPER, sort_keys=False, default_flow_style=False)
    environment, exposures = loaded.environment(env)
    mode = mode_of(environment)
    for exposure in exposures:
        files[f"runbooks/{exposure.service.name}.md"] = mode.runbook(exposure)
    files["summary.md"] = mode.summary(SummaryInput(env, environment, exposures, run.outputs, {
        "spec_file": loaded.file, "stack_file": config.file,
        "services": [_service_view(e, run.outputs) for e in exposures], "resource_count": len(run.resources),
        "object_count": sum(1 for f in files if f.startswith("k8s/"))}))
    return files


def provider_name(serialized: Any) -> str:
    """The class a pickled dynamic provider is, read from the pickle's first global without running it."""
    try:
        strings: list[str] = []
        for opcode, arg, _ in pickletools.genops(base64.b64decode(str(serialized))):
            if opcode.name == "GLOBAL":
                return f"<dynamic provider: {str(arg).replace(' ', '.')}>"
            if opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                return f"<dynamic provider: {strings[-2]}.{strings[-1]}>"
            if isinstance(arg, str):
                strings.append(arg)
    except (ValueError, binascii.Error):
        pass
    return "<dynamic provider>"


def plan(run: OfflineRun) -> list[dict[str, Any]]:
    """Every registration, each component followed by its children (registration order is async)."""
    return [{"type": r.type, "name": r.name, "parent": r.parent, "inputs": reviewable(r)}
            for r in ordered(run.resources)]


def reviewable(registration: Registration) -> dict[str, Any]:
    """Inputs as a reviewer should see them: Secret values masked, the pickled dynamic provider named."""
    inputs = _sorted(registration.inputs)  # protobuf map order varies between processes
    if "__provider" in inputs:
        inputs["__provider"] = provider_name(inputs["__provider"])
    if registration.type == "kubernetes:core/v1:Secret":
        for key in ("data", "stringData"):
            if isinstance(inputs.get(key), dict):
                inputs[key] = {k: SECRET for k in inputs[key]}  # stringData is secret already; data too
    return inputs


def ordered(resources: list[Registration]) -> list[Registration]:
    kinds = {r.name: r.type for r in resources if not r.custom}

    def key(r: Registration) -> tuple[str, str, int, str, str]:
        root = r.parent or r.name
        return kinds.get(root, r.type), root, 0 if r.parent is None else 1, r.type, r.name

    return sorted(resources, key=key)


def kubernetes_object(registration: Registration) -> dict[str, Any] | None:
    """The Kubernetes object a registration creates, keys in the order people read them."""
    if not registration.custom or not registration.type.startswith("kubernetes:"):
        return None
    inputs = registration.inputs
    metadata = dict(inputs.get("metadata") or {})
    ordered_meta = {k: _sorted(metadata[k]) for k in _META_KEYS if k in metadata}
    ordered_meta.update({k: _sorted(v) for k, v in sorted(metadata.items()) if k not in _META_KEYS})
    obj: dict[str, Any] = {"apiVersion": inputs["apiVersion"], "kind": inputs["kind"], "metadata": ordered_meta}
    for key in _TOP_KEYS[3:]:
        if key in inputs:
            obj[key] = _sorted(inputs[key])
    for key, value in sorted(inputs.items()):
        if key not in _TOP_KEYS:
            obj[key] = _sorted(value)
    return obj


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _service_view(exposure: Exposure, outputs: Mapping[str, Any]) -> dict[str, Any]:
    service = exposure.service
    hc = service.health_check
    return {
        "name": service.name,
        "namespace": service.namespace,
        "url": exposure.url,
        "host": exposure.host,
        "port": service.port,
        "port_name": exposure.port_name,
        "target_port": service.target_port,
        "protocol": service.protocol,
        "hc": hc,
        "iap": service.iap,
        "members": exposure.members,
        "bound": exposure.bound_members,
        "ip": outputs.get("services", {}).get(service.name, {}).get("ip", "<computed>"),
        "neg": exposure.neg_name,
        "request_logging": exposure.request_logging_text,
    }


# --- writing ------------------------------------------------------------------------------


class OutputFolderError(Exception):
    """The output folder cannot be used without touching files iapgen did not write."""


def write(out: Path, files: Mapping[str, str], writer: str = RENDER) -> None:
    """Replace what `writer` (render, or import) wrote before in `out` with `files`; refuse anything else."""
    previous = check_folder(out, writer)
    out.mkdir(parents=True, exist_ok=True)
    # Record every file render may leave behind before touching any, so an interrupted run
    # (disk full, Ctrl-C) leaves a folder the next render still recognises as its own.
    _write_manifest(out, sorted(set(previous) | set(files)), writer)
    for rel in previous:
        target = out / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
    _remove_empty_parents(out, previous)
    for rel, text in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    _write_manifest(out, sorted(files), writer)


def _write_manifest(out: Path, files: list[str], writer: str) -> None:
    (out / MANIFEST).write_text(json.dumps({"writer": writer, "files": files}, indent=1) + "\n")


def check_folder(out: Path, writer: str = RENDER) -> list[str]:
    """The files a previous run of `writer` wrote in `out`; raises if `out` holds anything else."""
    if out.is_symlink():
        raise OutputFolderError(f"--out {out} is a symbolic link; name a real folder")
    if not out.exists():
        return []
    if not out.is_dir():
        raise OutputFolderError(f"--out {out} is a file, not a folder")
    previous: list[str] = []
    manifest = out / MANIFEST
    if manifest.is_file() and not manifest.is_symlink():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            recorded, recorded_writer = data["files"], data.get("writer", RENDER)
            previous = [str(p) for p in recorded if isinstance(p, str)]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, RecursionError):
            raise OutputFolderError(f"{manifest} is damaged; delete {out} yourself or choose another "
                                    "--out") from None
        if recorded_writer != writer:
            raise OutputFolderError(f"refusing to write into {out}: {recorded_writer} wrote it; choose a new or "
                                    "empty folder for --out")
    allowed = {os.path.normpath(p) for p in previous if _inside(out, p)} | {MANIFEST}
    # Walked lazily, one folder at a time, stopping at the first foreign entry: `--out /` must not read the
    # whole filesystem before it is refused.
    for folder, dirs, files in os.walk(out):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder) / name
            rel = os.path.normpath(path.relative_to(out))
            if path.is_symlink() or (path.is_file() and rel not in allowed) or not (path.is_file() or path.is_dir()):
                raise OutputFolderError(
                    f"refusing to write into {out}: it holds {rel}, which {writer} did not write; "
                    "choose a new or empty folder for --out")
    return [p for p in previous if os.path.normpath(p) != MANIFEST and _inside(out, p)]


def _inside(out: Path, rel: str) -> bool:
    """Whether a recorded path stays inside `out` (a tampered list must not steer deletions)."""
    path = Path(rel)
    if path.is_absolute() or ".." in path.parts:
        return False
    return (out / path).resolve().is_relative_to(out.resolve())


def check_all_envs_folder(out: Path, envs: list[str]) -> None:
    """--all-envs writes OUT/<env>/ for each environment: OUT may hold nothing else."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputFolderError(f"--out {out} must be a folder")
    if not out.exists():
        return
    for entry in sorted(out.iterdir()):
        if entry.name not in envs or entry.is_symlink() or not entry.is_dir():
            raise OutputFolderError(f"refusing to write into {out}: it holds {entry.name}, which is not an "
                                    f"environment folder iapgen render writes ({', '.join(envs)})")


def _remove_empty_parents(out: Path, previous: list[str]) -> None:
    """Remove folders that held render's own files and are now empty; a user's empty folder stays."""
    folders = {parent for rel in previous for parent in (out / rel).parents
               if parent != out and parent.is_relative_to(out)}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
