"""The rules about a file itself, raised by the loaders (yamlsource.py) before any spec or manifest rule:
the file cannot be read, is not YAML, repeats a key, or is too large; and SPEC_SHAPE, which the loaders and
pydantic's errors (findings.py) both raise: a field is missing, of the wrong type, or unknown."""

from __future__ import annotations

from iapgen.examplekit import svc
from iapgen.spec.rulebook import Example, Rule

FILE_UNREADABLE = Rule(
    "FILE_UNREADABLE", "The spec or manifest file cannot be read.",
    source="design.md#yaml-loading",
    why="iapgen cannot check what it cannot read.", fix="Pass the path of a readable file.",
    no_example="this rule is about a path that cannot be read (missing, a folder, no permission).")

YAML_SYNTAX = Rule(
    "YAML_SYNTAX", "The file is not valid YAML (syntax, encoding, tags, recursive aliases).",
    source="design.md#yaml-loading",
    why="The file cannot be parsed.", fix="Fix the YAML at the line given (indent with spaces, save as UTF-8).",
    examples=[Example("file", "services:\n\t- name: web\n", "services:\n  - name: web\n")])

YAML_DUPLICATE_KEY = Rule(
    "YAML_DUPLICATE_KEY", "A mapping repeats a key; YAML would silently keep the last one.",
    source="design.md#yaml-loading",
    why="YAML would silently keep only the last value.", fix="Remove the duplicate key.",
    examples=[Example("file", "a:\n  port: 80\n  port: 443\n", "a:\n  port: 443\n")])

YAML_TOO_LARGE = Rule(
    "YAML_TOO_LARGE", "The file is too large, too deep or expands too far (alias bombs).",
    source="design.md#yaml-loading",
    why="Bounded input keeps every command fast and safe.", fix="Split the file or remove repeated aliases.",
    examples=[Example("file", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)),
        "a: &a [1, 2]\nb: *a\n")])

SPEC_SHAPE = Rule(
    "SPEC_SHAPE", "A field is missing, of the wrong type, or unknown.",
    source="design.md#the-spec-file",
    why="iapgen cannot use a spec it cannot read.", fix="Fix the field the finding names.",
    examples=[Example("service", svc("  helthCheck: {path: /healthz}\n"),
                           svc("  healthCheck: {path: /healthz}\n"))])
