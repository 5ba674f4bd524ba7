"""Overrides merged into services, and pydantic's validation errors turned into one-line findings at
the line the user wrote: the field path as written in YAML, the closest known key for a typo."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from iapgen.errors import Finding, show
from iapgen.spec import rules
from iapgen.spec.filerules import SPEC_SHAPE
from iapgen.spec.rulebook import Rule
from iapgen.spec.yamlsource import Document, Loc


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Maps merge key by key; lists and scalars in the override replace the base's."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


# --- pydantic errors -> findings -----------------------------------------------------------

_TYPE_NAMES = {
    "int_type": "an integer", "string_type": "a string", "bool_type": "true or false",
    "dict_type": "a mapping", "tuple_type": "a list", "list_type": "a list", "model_type": "a mapping",
}


def translate(err: ValidationError, document: Document, model: type[BaseModel], base: Loc,
               override: tuple[Loc, dict[str, Any]] | None = None) -> list[Finding]:
    findings = []
    for item in err.errors(include_url=False):
        rel: Loc = tuple(item["loc"])
        loc: Loc = (*base, *rel)
        if override is not None and _inside(override[1], rel):
            loc = (*override[0], *rel)
        raw = _get(document.data, loc)
        message, rule = _describe(item, raw, model, rel)
        findings.append(Finding(document.file, document.line_of(loc), field_path(loc, document), message, rule))
    return findings


def _describe(item: Any, raw: Any, model: type[BaseModel], rel: Loc) -> tuple[str, Rule]:
    kind = item["type"]
    if kind in rules.CATALOGUE:
        return item["ctx"]["message"], rules.CATALOGUE[kind]
    if kind == "missing":
        field = _field_info(model, rel)
        doc = field.description if field is not None and field.description else ""
        if doc[:2].istitle():  # "How the ..." -> "how the ...", but "GCP ..." stays
            doc = doc[0].lower() + doc[1:]
        return (f"is required: {doc}" if doc else "is required"), SPEC_SHAPE
    if kind == "extra_forbidden":
        known = _known_keys(model, rel[:-1])
        close = difflib.get_close_matches(str(rel[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known fields: {', '.join(known)}"
        return f"unknown field {show(rel[-1])}{hint}", SPEC_SHAPE
    if kind in _TYPE_NAMES or kind.endswith("_type"):
        expected = _TYPE_NAMES.get(kind, kind.removesuffix("_type"))
        hint = ""
        if isinstance(raw, bool) and kind == "string_type":
            hint = "; YAML reads unquoted yes/no/on/off/true/false as booleans, quote the value"
        elif isinstance(raw, str) and kind == "int_type":
            hint = "; remove the quotes"
        return f"must be {expected}, not {_type_word(raw)} {show(raw)}{hint}", SPEC_SHAPE
    if kind in ("too_long", "string_too_long"):
        return f"is too long: {item['msg'].lower()}", SPEC_SHAPE
    if kind == "too_short":
        return f"must not be empty: {item['msg'].lower()}", SPEC_SHAPE
    return f"{item['msg']}", SPEC_SHAPE


def _type_word(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "mapping"}.get(type(value), type(value).__name__)


def _inside(tree: Any, rel: Loc) -> bool:
    """Whether the override itself sets the value at `rel` (or a parent of it that is not a map)."""
    node = tree
    for part in rel:
        if not isinstance(node, dict):
            return True
        if part not in node:
            return False
        node = node[part]
    return True


def _get(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def field_path(loc: Loc, document: Document) -> str:
    """services[argocd].healthCheck.port: service list items are named by their name when known."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            label: Any = part
            if loc[:i] == ("services",):
                name = _get(document.data, (*loc[:i + 1], "name"))
                if isinstance(name, str) and len(name) <= 63 and name.isprintable():
                    label = name
            out += f"[{label}]"
        elif _PLAIN_KEY.fullmatch(str(part)):
            out += f".{part}" if out else str(part)
        else:  # keys with spaces, newlines or odd characters are quoted and shortened
            out += f"[{show(str(part))}]"
    return out


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_./:-]{1,63}$")


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the value at `loc` (walking fields, list items and map values)."""
    current: Any = model
    for part in loc:
        current = _strip(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _by_alias(current, str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (tuple, list, dict):
            current = [a for a in typing.get_args(current) if a is not Ellipsis][-1]
        else:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(annotation: Any) -> Any:
    """Annotated[X, ...] and X | None -> X."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Annotated or (origin in (typing.Union, types.UnionType) and len(args) == 1):
            annotation = args[0]
        else:
            return annotation


def _by_alias(model: type[BaseModel], alias: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == alias:
            return field
    return None


def _known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    target = _model_at(model, loc)
    if target is None:
        return []
    return [field.alias or name for name, field in target.model_fields.items()]


def _field_info(model: type[BaseModel], rel: Loc) -> Any:
    parent = _model_at(model, rel[:-1])
    return _by_alias(parent, str(rel[-1])) if parent is not None else None
