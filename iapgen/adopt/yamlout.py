"""services.yaml text for adopted apps, with a comment beside every value that needs one.

PyYAML writes no comments, so the layout is written here; each scalar and flow mapping is
dumped by PyYAML, so quoting is always right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from iapgen.adopt.specgen import Entry
from iapgen.errors import printable

COMMENT_COLUMN = 40


def flow(value: Any) -> str:
    """One value as YAML flow text: quoted when needed, mappings and lists inline."""
    text: str = yaml.safe_dump([value], default_flow_style=True, width=1 << 20, sort_keys=False)
    return text.strip()[1:-1]


def comment(text: str) -> str:
    """One YAML comment line: whitespace collapsed, control characters escaped (YAML refuses most of them)."""
    return "# " + " ".join(printable(" ".join(text.split())).split())


def _line(indent: int, key: str, value: Any, note: str | None) -> list[str]:
    head = f"{' ' * indent}{key}:" + ("" if value is None else f" {flow(value)}")
    if note:
        head = head.ljust(COMMENT_COLUMN) + "  " + comment(note)
    return [head]


def _mapping(indent: int, values: dict[str, Any], comments: dict[str, str], prefix: str,
             flow_keys: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key not in flow_keys:
            lines += _line(indent, key, None, comments.get(path))
            lines += _mapping(indent + 2, value, comments, f"{path}.", flow_keys)
        else:
            lines += _line(indent, key, value, comments.get(path))
    return lines


def spec_text(header: Sequence[str], env: str, environment: dict[str, Any], env_comments: dict[str, str],
              entries: Sequence[Entry]) -> str:
    lines = [comment(h) for h in header]
    lines += ["environments:", f"  {env}:"]
    lines += _mapping(4, environment, env_comments, "", flow_keys=("members",))
    lines.append("")
    lines.append("services:" + ("" if entries else " []"))
    for entry in entries:
        app = entry.app
        via = f"GKE Ingress {app.ingress.ref.split(' ', 1)[1]}" if app.ingress else "standalone NEG"
        lines.append(f"  {comment(f'{app.service.ref}, port {app.port.name or app.port.port}, through {via}')}")
        body = _mapping(4, entry.values, entry.comments, "", flow_keys=("selector",))
        body[0] = "  - " + body[0][4:]
        lines += body
        written = {k for k, v in entry.values.items()} | {f"{k}.{sub}" for k, v in entry.values.items()
                                                            if isinstance(v, dict) for sub in v}
        lines += [f"    {comment(f'{path} (unset): {text}')}" for path, text in entry.comments.items()
                  if path not in written]
        lines += [f"    {comment('not in the spec: ' + text)}" for text in entry.unsupported]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
