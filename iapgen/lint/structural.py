"""Validate an object against a CRD's structural schema, as the API server does, without jsonschema.

The subset the shipped schemas use (iapgen/lint/schemas): type, properties, required, additionalProperties,
unknown fields (rejected by strict field validation, else pruned), enum, minimum/maximum (and the OpenAPI v3.0
boolean exclusive bounds), minLength/maxLength, pattern, format ipv4/ipv6, minItems/maxItems,
minProperties/maxProperties, nullable, x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields,
list-type set/map uniqueness, oneOf/anyOf/allOf/not (value validations only, as structural schemas allow),
defaults (applied before validating, as the API server does), and x-kubernetes-validations (CEL, iapgen.lint.cel).

Each schema compiles once into a tree of `Node`s; validating a document walks it once.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iapgen.lint import cel

Path = tuple[str | int, ...]
# A value still to be filled in (envsubst's $VAR and ${VAR}, Helm's and Jinja's {{ }}): not judged
PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_]|\{\{")
TYPE_NAMES = {"object": "an object", "array": "a list", "string": "a string", "integer": "an integer",
              "number": "a number", "boolean": "a boolean"}


@dataclass(frozen=True)
class Violation:
    path: Path
    message: str
    cel_rule: str | None = None  # the x-kubernetes-validations rule, for CEL findings
    cel_error: bool = False  # the rule could not be evaluated on this object (e.g. no such key)


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value) if value is None or isinstance(value, bool | int | float) else repr(value)


def did_you_mean(name: str, choices: list[str]) -> str | None:
    """The choice `name` most likely misspells: same letters in another case or order, or a close match."""
    folded = name.lower()
    for choice in choices:
        if choice.lower() == folded or sorted(choice.lower()) == sorted(folded):
            return choice
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(folded, [c.lower() for c in choices], n=1, cutoff=0.6)
        found = [c for c in choices if found and c.lower() == found[0]][:1]
    return found[0] if found else None


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None  # an ECMA construct Python lacks: not judged rather than misjudged


class Node:
    """One compiled schema node."""

    __slots__ = ("all_of", "any_of", "cel", "defaults", "enum", "extra", "format", "int_or_string", "items",
                 "junction", "keys", "list_type", "max", "max_items", "max_len", "max_props", "min", "min_items",
                 "min_len", "min_props", "not_", "nullable", "one_of", "open", "pattern", "properties", "required",
                 "type", "xmax", "xmin")

    def __init__(self, schema: dict[str, Any], junction: bool = False):
        self.junction = junction  # a branch of oneOf/anyOf/allOf/not: constrains values, rejects no fields
        self.type = schema.get("type")
        self.nullable = bool(schema.get("nullable"))
        self.int_or_string = bool(schema.get("x-kubernetes-int-or-string"))
        self.enum = schema.get("enum")
        self.min, self.max = schema.get("minimum"), schema.get("maximum")
        self.xmin, self.xmax = schema.get("exclusiveMinimum") is True, schema.get("exclusiveMaximum") is True
        self.min_len, self.max_len = schema.get("minLength"), schema.get("maxLength")
        self.min_items, self.max_items = schema.get("minItems"), schema.get("maxItems")
        self.min_props, self.max_props = schema.get("minProperties"), schema.get("maxProperties")
        self.pattern = _pattern(schema["pattern"]) if "pattern" in schema else None
        self.format = schema.get("format") if schema.get("format") in ("ipv4", "ipv6") else None
        self.required = schema.get("required") or []
        self.properties = {k: Node(v) for k, v in (schema.get("properties") or {}).items()}
        self.defaults = {k: v["default"] for k, v in (schema.get("properties") or {}).items() if "default" in v}
        extra = schema.get("additionalProperties")
        self.extra = Node(extra) if isinstance(extra, dict) else None
        self.open = bool(schema.get("x-kubernetes-preserve-unknown-fields")) or extra is True or (
            not self.properties and self.extra is None)
        self.items = Node(schema["items"]) if isinstance(schema.get("items"), dict) else None
        self.list_type = schema.get("x-kubernetes-list-type")
        self.keys = schema.get("x-kubernetes-list-map-keys") or []
        self.one_of = [Node(s, True) for s in schema.get("oneOf") or []]
        self.any_of = [Node(s, True) for s in schema.get("anyOf") or []]
        self.all_of = [Node(s, True) for s in schema.get("allOf") or []]
        self.not_ = Node(schema["not"], True) if isinstance(schema.get("not"), dict) else None
        self.cel = [(r["rule"], r.get("message") or "") for r in schema.get("x-kubernetes-validations") or []
                    if not cel.is_transition_rule(r["rule"])]

    # ------------------------------------------------------------------ defaults
    def defaulted(self, value: Any) -> Any:
        """`value` with the schema's defaults filled in; the same object when there are none to add."""
        if isinstance(value, dict):
            out = value
            for name, default in self.defaults.items():
                if name not in value:
                    if out is value:
                        out = dict(value)
                    out[name] = copy.deepcopy(default)
            for name, sub in self.properties.items():
                if name in out:
                    filled = sub.defaulted(out[name])
                    if filled is not out[name]:
                        if out is value:
                            out = dict(value)
                        out[name] = filled
            if self.extra is not None:
                for name, item in list(out.items()):
                    if name not in self.properties:
                        filled = self.extra.defaulted(item)
                        if filled is not item:
                            if out is value:
                                out = dict(value)
                            out[name] = filled
            return out
        if isinstance(value, list) and self.items is not None:
            filled_items = [self.items.defaulted(item) for item in value]
            return filled_items if any(a is not b for a, b in zip(filled_items, value, strict=True)) else value
        return value

    # ------------------------------------------------------------------ validation
    def check(self, value: Any, path: Path) -> Iterator[Violation]:
        """Every violation in `value` (already defaulted), parents first, CEL rules after their node's schema."""
        if (value is None and self.nullable) or (isinstance(value, str) and PLACEHOLDER.search(value)):
            return
        found_here = False
        for violation in self._value_checks(value, path):
            found_here = True
            yield violation
        if found_here:
            return
        nested: list[Violation] = []
        if isinstance(value, dict):
            nested += self._object(value, path)
        elif isinstance(value, list):
            nested += self._array(value, path)
        yield from nested
        if self.cel and not nested:  # the API server runs a node's rules only on a value of the right shape
            yield from self._cel(value, path)

    def _value_checks(self, value: Any, path: Path) -> Iterator[Violation]:
        if self.int_or_string:
            if not (isinstance(value, str) or _type_ok(value, "integer")):
                yield Violation(path, f"must be an integer or a string, not {show(value)}")
                return
        elif self.type and not _type_ok(value, self.type):
            yield Violation(path, f"must be {TYPE_NAMES.get(self.type, self.type)}, not {show(value)}")
            return
        if self.enum is not None and value not in self.enum:
            choices = [str(c) for c in self.enum]
            hint = did_you_mean(value, choices) if isinstance(value, str) else None
            yield Violation(path, f"{show(value)} is not one of {', '.join(choices)}"
                                  + (f" (did you mean {show(hint)}?)" if hint else ""))
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.min is not None and (value <= self.min if self.xmin else value < self.min):
                yield Violation(path, f"{show(value)} is below the minimum, {'more than ' if self.xmin else ''}"
                                      f"{self.min}")
            if self.max is not None and (value >= self.max if self.xmax else value > self.max):
                yield Violation(path, f"{show(value)} is above the maximum, {'less than ' if self.xmax else ''}"
                                      f"{self.max}")
        elif isinstance(value, str):
            if self.min_len is not None and len(value) < self.min_len:
                yield Violation(path, f"{show(value)} is shorter than {self.min_len} characters")
            if self.max_len is not None and len(value) > self.max_len:
                yield Violation(path, f"is longer than {self.max_len} characters ({len(value)})")
            if self.pattern is not None and not self.pattern.search(value):
                yield Violation(path, f"{show(value)} does not match the pattern {self.pattern.pattern}")
            if self.format is not None and not _is_ip(value, self.format):
                yield Violation(path, f"{show(value)} is not an {self.format} address")
        elif isinstance(value, list):
            if self.min_items is not None and len(value) < self.min_items:
                yield Violation(path, f"needs at least {self.min_items} item{'s' * (self.min_items != 1)}, "
                                      f"has {len(value)}")
            if self.max_items is not None and len(value) > self.max_items:
                yield Violation(path, f"allows at most {self.max_items} items, has {len(value)}")
        elif isinstance(value, dict):
            if self.min_props is not None and len(value) < self.min_props:
                yield Violation(path, f"needs at least {self.min_props} fields, has {len(value)}")
            if self.max_props is not None and len(value) > self.max_props:
                yield Violation(path, f"allows at most {self.max_props} fields, has {len(value)}")
        yield from self._junctions(value, path)

    def _junctions(self, value: Any, path: Path) -> Iterator[Violation]:
        if self.one_of:
            matching = sum(1 for branch in self.one_of if branch.matches(value))
            if matching != 1:
                yield Violation(path, f"must match exactly one of {len(self.one_of)} alternatives, matches {matching}"
                                      + "".join(self._first_reason(self.one_of, value)))
        if self.any_of and not any(branch.matches(value) for branch in self.any_of):
            yield Violation(path, f"matches none of {len(self.any_of)} alternatives"
                                  + "".join(self._first_reason(self.any_of, value)))
        for branch in self.all_of:
            yield from branch.check(value, path)
        if self.not_ is not None and self.not_.matches(value):
            yield Violation(path, f"{show(value)} is a value this field excludes")

    @staticmethod
    def _first_reason(branches: list[Node], value: Any) -> Iterator[str]:
        for branch in branches:
            for violation in branch.check(value, ()):
                yield f" ({dotted(violation.path) + ': ' if violation.path else ''}{violation.message})"
                return

    def matches(self, value: Any) -> bool:
        return next(iter(self.check(value, ())), None) is None

    def _object(self, value: dict[str, Any], path: Path) -> Iterator[Violation]:
        for name in self.required:
            if name not in value:
                yield Violation(path, f"{show(name)} is required")
        for name, item in value.items():
            sub = self.properties.get(name)
            if sub is None:
                sub = self.extra
            if sub is not None:
                yield from sub.check(item, (*path, name))
            elif not self.open and not self.junction:
                allowed = list(self.properties)
                hint = did_you_mean(str(name), allowed)
                yield Violation((*path, name), f"unknown field {show(name)}"
                                + (f" (did you mean {show(hint)}?)" if hint else "")
                                + f"; {dotted(path) or 'the object'} allows: {', '.join(allowed)}")

    def _array(self, value: list[Any], path: Path) -> Iterator[Violation]:
        if self.items is not None:
            for i, item in enumerate(value):
                yield from self.items.check(item, (*path, i))
        if self.list_type in ("set", "map"):
            seen: set[str] = set()
            for i, item in enumerate(value):
                if self.list_type == "map" and isinstance(item, dict):
                    key = json.dumps([item.get(k) for k in self.keys], sort_keys=True)
                    what = ", ".join(f"{k}={show(item.get(k))}" for k in self.keys)
                else:
                    key = json.dumps(item, sort_keys=True)
                    what = show(item)
                if key in seen:
                    yield Violation((*path, i), f"duplicate entry ({what}): the list allows each "
                                                f"{'key' if self.list_type == 'map' else 'value'} once")
                seen.add(key)

    def _cel(self, value: Any, path: Path) -> Iterator[Violation]:
        # Manifests repeat the same small values (a path match, a backendRef): each node's rules run once per
        # distinct value, remembered by the value's repr (bounded).
        key = (id(self), repr(value))
        found = _CEL_SEEN.get(key) if len(key[1]) <= MAX_MEMO_REPR else None
        if found is None:
            found = list(self._run_cel(value))
            if len(key[1]) <= MAX_MEMO_REPR:
                if len(_CEL_SEEN) >= MAX_MEMO:
                    _CEL_SEEN.clear()
                _CEL_SEEN[key] = found
        for violation in found:
            yield Violation(path, violation.message, violation.cel_rule, violation.cel_error)

    def _run_cel(self, value: Any) -> Iterator[Violation]:
        path: Path = ()
        for rule, message in self.cel:
            try:
                if cel.evaluate(rule, value):
                    continue
                yield Violation(path, message or f"fails the rule {rule}", rule)
            except cel.CelError as e:
                yield Violation(path, f"the CRD's rule cannot be evaluated on this value ({e})"
                                      + (f"; it checks: {message}" if message else ""), rule, cel_error=True)


def _is_ip(text: str, version: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.version == (4 if version == "ipv4" else 6)


SKIPPED_TOP_LEVEL = ("apiVersion", "kind", "metadata", "status")
MAX_MEMO = 4096  # remembered values, per memo
MAX_MEMO_REPR = 4096  # characters of a value's repr, at most, for it to be remembered
_CEL_SEEN: dict[tuple[int, str], list[Violation]] = {}
_DOCUMENTS_SEEN: dict[tuple[int, str], list[Violation]] = {}
MAX_DOCUMENTS, MAX_DOCUMENT_REPR = 1024, 16384  # the documents memo: at most 16 MiB of keys


def compile_root(schema: dict[str, Any]) -> Node:
    """A CRD version's openAPIV3Schema, compiled for `validate`: apiVersion, kind, metadata and status are left
    out (metadata is ObjectMeta, checked elsewhere; status is the controller's), and so are top-level rules,
    which read metadata or compare with oldSelf."""
    root = Node({k: v for k, v in schema.items() if k != "x-kubernetes-validations"})
    root.required = [name for name in root.required if name not in SKIPPED_TOP_LEVEL]
    root.properties = {k: v for k, v in root.properties.items() if k not in SKIPPED_TOP_LEVEL}
    root.defaults = {k: v for k, v in root.defaults.items() if k not in SKIPPED_TOP_LEVEL}
    return root


def validate(root: Node, obj: dict[str, Any]) -> list[Violation]:
    """Every violation of an object against a root from `compile_root`."""
    body = {k: v for k, v in obj.items() if k not in SKIPPED_TOP_LEVEL}
    # the same object in many namespaces (metadata aside, they are equal) is validated once (bounded)
    key = (id(root), repr(body))
    found = _DOCUMENTS_SEEN.get(key)
    if found is None:
        found = list(root.check(root.defaulted(body), ()))
        if len(key[1]) <= MAX_DOCUMENT_REPR:
            if len(_DOCUMENTS_SEEN) >= MAX_DOCUMENTS:
                _DOCUMENTS_SEEN.clear()
            _DOCUMENTS_SEEN[key] = found
    return found
