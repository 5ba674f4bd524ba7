"""YAML loading that remembers where every value came from and refuses what it should.

PyYAML's own loaders silently keep the last of two duplicate keys, expand alias bombs into
gigabytes and lose line numbers. This module composes the node graph with libyaml (which
caps nesting depth) and builds plain Python values itself, so that it can:

- record the line of every key and list item (`Document.line_of`),
- reject duplicate keys, recursive aliases, unknown tags and non-UTF-8 input,
- bound the work by the limits of iapgen.spec.yamllimits: file size, nesting depth, the number of
  values per document after alias expansion, and the number of values per file. A text long enough
  to cross a limit has its values counted from libyaml's event stream first, so it is refused at the
  first value over the limit, before anything is composed or built in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iapgen.errors import SpecError, show
from iapgen.spec import yamllimits as limits
from iapgen.spec.filerules import FILE_UNREADABLE, SPEC_SHAPE, YAML_DUPLICATE_KEY, YAML_SYNTAX, YAML_TOO_LARGE
from iapgen.spec.rulebook import Rule
from iapgen.spec.yamllimits import (
    FileTooLarge,
    TooLarge,
    count_nodes,
    expanded_size,
    may_exceed,
    too_many_documents,
)

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_INT_TAG = "tag:yaml.org,2002:int"

Loc = tuple[str | int, ...]


@dataclass
class Document:
    """One YAML document: its plain value and the line of every path within it."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    start_line: int = 1

    def line_of(self, loc: Loc) -> int:
        """Line of the deepest recorded prefix of `loc` (a key path into `data`)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return self.start_line


class _ResolveOnce:
    """Remembers the implicit tag of each plain scalar: manifests repeat the same few thousand values, and
    resolving one (a regular expression per candidate tag) is the largest cost of composing."""

    _tags: dict[tuple[Any, ...], str]

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)  # type: ignore[misc]
        key = (value, implicit)
        tags = self.__dict__.setdefault("_tags", {})
        tag = tags.get(key)
        if tag is None:
            if len(tags) > 4096:
                tags.clear()
            tag = tags[key] = super().resolve(kind, value, implicit)  # type: ignore[misc]
        return tag


class _FastLoader(_ResolveOnce, _Loader):
    """libyaml's own composer, for texts that cannot reach the limits."""


_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # scalars only: its collection state is never used


class _Builder:
    """Turns a composed node graph into plain values, recording lines as it goes."""

    def __init__(self, file: str, lines: dict[Loc, int], budget: list[int] | None = None, aliases: bool = False,
                 first_line: int = 1):
        self.file = file
        self.first_line = first_line  # line of the text's first line in the file (lint splits broken files)
        self.lines = lines
        self.nodes = 0
        self.budget = budget if budget is not None else [limits.MAX_FILE_NODES]  # values left for the whole file
        self.aliases = aliases
        self.active: set[int] = set()
        self.constructor = _CONSTRUCTOR

    def fail(self, node: yaml.Node, message: str, rule: Rule = YAML_SYNTAX) -> SpecError:
        return SpecError.single(self.file, node.start_mark.line + self.first_line, "", message, rule)

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.nodes += 1
        self.budget[0] -= 1
        if self.nodes > limits.MAX_NODES:
            raise self.fail(node, f"document expands to more than {limits.MAX_NODES:,} values" +
                            (" (an alias bomb?); remove repeated aliases" if self.aliases else "; split it"),
                            YAML_TOO_LARGE)
        if self.budget[0] < 0:
            aliases = " with their aliases" if self.aliases else ""
            raise FileTooLarge.single(self.file, node.start_mark.line + self.first_line, "",
                                      f"the documents of this file expand to more than "
                                      f"{limits.MAX_FILE_NODES:,} values{aliases}; split it into several files",
                                      YAML_TOO_LARGE)
        if len(loc) > limits.MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {limits.MAX_DEPTH} levels", YAML_TOO_LARGE)
        self.lines.setdefault(loc, node.start_mark.line + self.first_line)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise self.fail(node, "recursive alias: a value contains itself", YAML_SYNTAX)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ_TAG:
                    raise self.fail(node, f"unsupported YAML tag {show(node.tag)}")
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                if node.tag != _MAP_TAG:
                    raise self.fail(node, f"unsupported YAML tag {show(node.tag)}")
                return self.mapping(node, loc)
            raise self.fail(node, "unsupported YAML node")
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        constructor = self.constructor.yaml_constructors.get(node.tag)
        if node.tag == _INT_TAG and len(node.value) > 64:
            raise self.fail(node, f"a number of {len(node.value)} digits is too large for any setting",
                            YAML_TOO_LARGE)
        if constructor is None:
            raise self.fail(node, f"unsupported YAML tag {show(node.tag)}")
        try:
            return constructor(self.constructor, node)
        except (yaml.YAMLError, ValueError, OverflowError) as err:
            raise self.fail(node, f"cannot read value {show(node.value)}: {' '.join(str(err).split())}") from None

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        explicit_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                for source in self.merge_sources(value_node, loc):
                    for key, value in source.items():
                        merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain scalars")
            key = self.scalar(key_node)
            try:
                hash(key)
            except TypeError:
                raise self.fail(key_node, f"mapping key {show(key)} cannot be used as a key") from None
            line = key_node.start_mark.line + self.first_line
            if key in explicit_lines:
                raise SpecError.single(
                    self.file, line, _dotted((*loc, key)),
                    f"duplicate key {show(key)} (first at line {explicit_lines[key]}); "
                    "YAML would silently keep only the last one", YAML_DUPLICATE_KEY)
            explicit_lines[key] = line
            child: Loc = (*loc, key)
            self.lines[child] = line
            result[key] = self.build(value_node, child)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def merge_sources(self, node: yaml.Node, loc: Loc) -> Iterator[dict[Any, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            value = self.build(source, loc)
            if not isinstance(value, dict):
                raise self.fail(source, "a '<<' merge key needs a mapping or a list of mappings")
            yield value


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text with the size cap; errors name the file."""
    name = display or str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(limits.MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError.single(name, None, "", "file not found", FILE_UNREADABLE) from None
    except IsADirectoryError:
        raise SpecError.single(name, None, "", "is a directory, not a file", FILE_UNREADABLE) from None
    except OSError as err:
        raise SpecError.single(name, None, "", f"cannot read: {err.strerror}", FILE_UNREADABLE) from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    if len(raw) > limits.MAX_BYTES:
        raise SpecError.single(name, None, "", f"larger than {limits.MAX_BYTES // (1024 * 1024)} MiB; "
                               "refusing to read it", YAML_TOO_LARGE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SpecError.single(name, line, "", f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
                               f"{err.start}); save the file as UTF-8", YAML_SYNTAX) from None
    return text.removeprefix("\ufeff")


def parse_all(text: str, name: str, first_line: int = 1, budget: list[int] | None = None) -> list[Document]:
    """Every document in `text`, each with its line map. Empty documents are skipped. `first_line` is
    the line of the text's first line in the file; `budget` the values the file may still hold.

    Each document is built as soon as it is composed, so its node graph dies young: holding
    thousands of graphs at once costs more in garbage collection than the parsing itself.
    """
    documents = []
    has_anchor = "&" in text
    budget = budget if budget is not None else [limits.MAX_FILE_NODES]
    loader = None
    try:
        if may_exceed(text):
            count_nodes(text)
        loader = _FastLoader(text)
        composed = 0
        while loader.check_node():
            node = loader.get_node()
            composed += 1
            if composed > limits.MAX_DOCUMENTS:
                raise TooLarge(node.start_mark if node is not None else None, too_many_documents(), True)
            if node is not None:
                documents.append(_document(node, name, has_anchor, budget, first_line))
    except TooLarge as err:
        line = err.mark.line + first_line if err.mark else None
        raise (FileTooLarge if err.whole_file else SpecError).single(name, line, "", err.message,
                               YAML_TOO_LARGE) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + first_line if mark else None
        problem = err.problem or err.context or "invalid YAML"
        hint = "; YAML does not allow tabs for indentation" if "\\t" in problem else ""
        raise SpecError.single(name, line, "", f"YAML syntax error: {problem}{hint}", YAML_SYNTAX) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + first_line if isinstance(err.position, int) else None
        raise SpecError.single(name, line, "", f"contains a character YAML does not allow (#x{err.character:04x}); "
                               "remove it or save the file as plain UTF-8 text", YAML_SYNTAX) from None
    except yaml.YAMLError as err:
        raise SpecError.single(name, None, "", f"YAML error: {' '.join(str(err).split())}", YAML_SYNTAX) from None
    except RecursionError:
        raise SpecError.single(name, None, "", f"nesting deeper than {limits.MAX_DEPTH} levels",
                               YAML_TOO_LARGE) from None
    finally:
        if loader is not None:
            loader.dispose()
    return documents


def _document(node: yaml.Node, name: str, has_anchor: bool, budget: list[int] | None = None,
              first_line: int = 1) -> Document:
    # Without an anchor ('&') nothing is shared, so the expanded size is the node count the
    # builder bounds anyway; only texts that could hold aliases pay for the graph walk.
    size = expanded_size(node) if has_anchor else 0
    if size == float("inf"):
        raise SpecError.single(name, node.start_mark.line + first_line, "", "recursive alias: a value contains itself",
                               YAML_SYNTAX)
    if size > limits.MAX_NODES:
        raise SpecError.single(name, node.start_mark.line + first_line, "", f"document expands to more than "
                               f"{limits.MAX_NODES:,} values (an alias bomb?); remove repeated aliases",
                               YAML_TOO_LARGE)
    lines: dict[Loc, int] = {}
    data = _Builder(name, lines, budget, has_anchor, first_line).build(node, ())
    return Document(name, data, lines, node.start_mark.line + first_line)


def load_one(path: Path, display: str | None = None) -> Document:
    """The single YAML document in a file (a spec, a stack config)."""
    name = display or str(path)
    return one_document(read_text(path, name), name)


def one_document(text: str, name: str) -> Document:
    """The single YAML document of a file's text."""
    documents = parse_all(text, name)
    if not documents:
        raise SpecError.single(name, None, "", "the file is empty; see services.yaml in the iapgen "
                               "repository for an example", SPEC_SHAPE)
    if len(documents) > 1:
        raise SpecError.single(name, documents[1].start_line, "", "holds more than one YAML document "
                               "('---'); keep one spec per file", SPEC_SHAPE)
    return documents[0]
