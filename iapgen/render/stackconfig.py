"""The Pulumi project files iapgen reads: Pulumi.yaml and Pulumi.<stack>.yaml.

`iapgen render` needs what `pulumi up` would see: the project name (the namespace of bare
config keys) and the stack's config. Secrets (`secure:` values) cannot be decrypted offline;
they are passed to the program as a placeholder and marked secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iapgen.errors import SpecError
from iapgen.render.offline import SECRET
from iapgen.spec.filerules import SPEC_SHAPE
from iapgen.spec.yamlsource import load_one

DEFAULT_PROJECT = "iapgen"


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()
    file: str | None = None


def project_name(directory: Path) -> str:
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        return DEFAULT_PROJECT
    document = load_one(path)
    name = document.data.get("name") if isinstance(document.data, dict) else None
    if not isinstance(name, str) or not name:
        raise SpecError.single(str(path), document.start_line, "name", "Pulumi.yaml needs a project name",
                               SPEC_SHAPE)
    return name


def stack_config(directory: Path, stack: str) -> StackConfig:
    """The config of Pulumi.<stack>.yaml in `directory` (empty when the file does not exist)."""
    project = project_name(directory)
    path = directory / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return StackConfig(project, stack)
    document = load_one(path)
    data = document.data if isinstance(document.data, dict) else {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise SpecError.single(str(path), document.line_of(("config",)), "config", "must be a mapping of "
                               "config keys to values", SPEC_SHAPE)
    values: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in raw.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET
            secrets.append(full)
        else:
            values[full] = value if isinstance(value, str) else json.dumps(value, default=str)
    return StackConfig(project, stack, values, tuple(secrets), str(path))
