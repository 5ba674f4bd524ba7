"""Hostile and odd YAML: a one-line error with a location and exit 1, never a traceback or a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from iapgen.spec import yamllimits, yamlsource
from tests.conftest import base_spec, run_cli, write_spec

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

CASES = [
    ("alias-bomb", BILLION_LAUGHS, "YAML_TOO_LARGE", 1),
    ("recursive-alias", "environments: &x {dev: *x}\n", "YAML_SYNTAX", 1),
    ("tab-indent", "environments:\n\tdev: {}\n", "YAML_SYNTAX", 2),
    ("unclosed-flow", "environments: {dev: [\n", "YAML_SYNTAX", 2),
    ("python-tag", "environments: !!python/object/apply:os.system [echo hi]\n", "YAML_SYNTAX", 1),
    ("custom-tag", "environments: !vault secret/dev\n", "YAML_SYNTAX", 1),
    ("duplicate-key", "environments: {}\nservices: []\nenvironments: {}\n", "YAML_DUPLICATE_KEY", 3),
    ("duplicate-nested-key", "a:\n  b: 1\n  b: 2\n", "YAML_DUPLICATE_KEY", 3),
    ("empty", "", "SPEC_SHAPE", None),
    ("only-comments", "# nothing here\n", "SPEC_SHAPE", None),
    ("two-documents", "environments: {}\n---\nservices: []\n", "SPEC_SHAPE", 3),
    ("top-level-list", "- environments\n", "SPEC_SHAPE", 1),
    ("scalar", "hello\n", "SPEC_SHAPE", 1),
    ("deep-nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", None, None),
    ("deep-block-nesting", "".join(" " * i + "k:\n" for i in range(200)), "YAML_TOO_LARGE", None),
    ("list-key", "? [a, b]\n: 1\n", "YAML_SYNTAX", 1),
    ("null-environments", "environments:\nservices: []\n", "SPEC_SHAPE", 1),
    ("huge-int", "environments: {}\nservices: [{port: 1" + "0" * 5000 + "}]\n", "YAML_TOO_LARGE", 2),
]


@pytest.mark.parametrize(("text", "rule", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_yaml_is_one_clear_error(tmp_path: Path, text: str, rule: str | None, line: int | None) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run_cli("check", "--spec", path)
    assert time.monotonic() - started < 5
    assert result.code == 1, result
    first = result.err.splitlines()[0]
    assert first.startswith(f"{path}:"), first
    if rule:
        assert f"[{rule}]" in result.err, result.err
    if line:
        assert first.startswith(f"{path}:{line}:"), first
    assert max(len(line) for line in result.err.splitlines()) < 500


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_bytes(b"environments:\n  dev: {project: caf\xe9}\n")
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    assert result.err.startswith(f"{path}:2: not UTF-8 text (byte 0xe9")
    assert "[YAML_SYNTAX]" in result.err


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write_spec(tmp_path, base_spec())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_cli("check", "--spec", path).code == 0


def test_file_over_size_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    with path.open("wb") as handle:
        handle.write(b"# " + b"x" * (yamllimits.MAX_BYTES + 10) + b"\n")
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    assert "[YAML_TOO_LARGE]" in result.err


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_spec(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "services.yaml"
    if kind == "directory":
        path.mkdir()
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    assert "[FILE_UNREADABLE]" in result.err


def test_anchors_and_merge_keys_are_supported(tmp_path: Path) -> None:
    path = write_spec(tmp_path, """\
environments:
  dev: {project: acme-dev, domain: dev.acme.example, iap: {members: [group:eng@acme.example]}}
services:
  - &web
    name: a
    namespace: web
    selector: {app: a}
    port: 443
    targetPort: 8443
    protocol: HTTPS
    healthCheck: {path: /healthz}
  - <<: *web
    name: b
    selector: {app: b}
    healthCheck: {path: /ready, port: 443}
""")
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    # The merged service keeps its own keys over the anchor's, and errors point at its own lines.
    assert result.err.startswith(f"{path}:15: services[b].healthCheck.port: 443 is the Service port"), result.err
    path.write_text(path.read_text().replace(", port: 443}", "}"))
    assert run_cli("check", "--spec", path).code == 0


def test_line_map_points_at_keys_and_items() -> None:
    doc = yamlsource.parse_all("a:\n  b:\n    - 1\n    - c: 2\n", "t.yaml")[0]
    assert doc.line_of(("a",)) == 1
    assert doc.line_of(("a", "b")) == 2
    assert doc.line_of(("a", "b", 1)) == 4
    assert doc.line_of(("a", "b", 1, "c")) == 4
    assert doc.line_of(("a", "missing", "deeper")) == 1
