"""The CRD schemas iapgen ships (iapgen/lint/schemas): GKE's and Gateway API's custom resources.

Each file is `<group>/<kind>_<version>.json`, the `openAPIV3Schema` of one served version of the CRD plus
`x-gvk` and `x-source` (its provenance; all of them in SOURCES.json, with licences in SOURCES.md). `iapgen lint`
validates with them (iapgen.lint.structural, iapgen.lint.cel); the tests' own validator (tests/k8s_schemas.py)
reads the same files through this module.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# keys the project adds to the published schema; not part of it
ADDED_KEYS = ("$schema", "title", "x-gvk", "x-source")


@functools.cache
def index() -> dict[tuple[str, str, str], str]:
    """(group, version, kind) -> file, from SOURCES.json (read once)."""
    entries = json.loads((SCHEMA_DIR / "SOURCES.json").read_text())
    return {(e["group"], e["version"], e["kind"]): e["file"] for e in entries}


def groups() -> frozenset[str]:
    return frozenset(group for group, _, _ in index())


def schema_path(group: str, version: str, kind: str) -> Path | None:
    file = index().get((group, version, kind))
    return SCHEMA_DIR / file if file else None


@functools.cache
def raw_schema(group: str, version: str, kind: str) -> dict[str, Any] | None:
    """The file as shipped (published schema plus the added keys), or None when iapgen has none."""
    path = schema_path(group, version, kind)
    if path is None:
        return None
    raw: dict[str, Any] = json.loads(path.read_text())
    gvk = raw.get("x-gvk")
    if gvk and (gvk["group"], gvk["version"], gvk["kind"]) != (group, version, kind):
        return None
    return raw


def published(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema as its CRD publishes it, without the keys iapgen adds."""
    return {k: v for k, v in raw.items() if k not in ADDED_KEYS}


def source(raw: dict[str, Any]) -> str:
    """Where a schema comes from, for messages: repository@commit."""
    upstream = raw.get("x-source") or {}
    return f"{upstream.get('repo', '?')}@{str(upstream.get('commit', ''))[:10]}"
