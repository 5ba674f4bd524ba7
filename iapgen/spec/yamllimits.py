"""How much YAML iapgen reads, and the checks that hold a text to it before anything is built.

The limits bound the work of reading anyone's YAML: file size, nesting depth, values per document
after alias expansion, values per file and documents per file. Two checks run on a text before its
values are built (iapgen.spec.yamlsource builds them, and bounds what it builds by the same limits):

- `count_nodes` counts values from libyaml's event stream, for texts long enough to cross a limit
  (`may_exceed`), and stops at the first value over it;
- `expanded_size` sizes a composed document with its aliases expanded, without expanding them.
"""

from __future__ import annotations

from typing import Any

import yaml

from iapgen.errors import SpecError

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 500_000  # values in one document, aliases expanded
MAX_FILE_NODES = 1_000_000  # values in one file, all documents together
MAX_DOCUMENTS = 50_000  # documents in one file (each costs more than its values)

try:
    from yaml._yaml import CParser as _Parser  # libyaml, as CSafeLoader uses it
except ImportError:  # PyYAML built without libyaml
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class FileTooLarge(SpecError):
    """The file as a whole is over a limit: reading it in parts would not help."""


class TooLarge(Exception):
    """A text over a limit, found before its values were built; `mark` is where (None if unknown)."""

    def __init__(self, mark: Any, message: str, whole_file: bool):
        super().__init__(message)
        self.mark, self.message, self.whole_file = mark, message, whole_file


def too_many_documents() -> str:
    return f"more than {MAX_DOCUMENTS:,} documents in one file; split it into several files"


_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def count_nodes(text: str) -> None:
    """Raise TooLarge at the first node over a limit, from libyaml's event stream alone: nothing is
    composed or built, so a 16 MiB flat list is refused after reading its first 500,000 values."""
    parser = _Parser(text)
    in_file = in_document = documents = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind in _NODE_EVENTS:
                in_file += 1
                in_document += 1
                mark = getattr(event, "start_mark", None)
                if in_document > MAX_NODES:
                    raise TooLarge(mark, f"a document of more than {MAX_NODES:,} values "
                                    "(one huge list or mapping); split it", False)
                if in_file > MAX_FILE_NODES:
                    raise TooLarge(mark, f"more than {MAX_FILE_NODES:,} values in one file "
                                    "(all its documents together); split it into several files", True)
            elif kind is yaml.DocumentStartEvent:
                in_document = 0
                documents += 1
                if documents > MAX_DOCUMENTS:
                    raise TooLarge(getattr(event, "start_mark", None), too_many_documents(), True)
            elif kind is yaml.StreamEndEvent:
                return
    except yaml.YAMLError:
        return  # the composer reports syntax errors, with their lines
    finally:
        parser.dispose()


def may_exceed(text: str) -> bool:
    """Whether `text` could compose to more than MAX_FILE_NODES nodes. Every node is introduced by a
    document start, a line break or one of `[{,:-?`, and each of those introduces at most three
    (`- a: b` is a list, a mapping and two scalars behind two indicators); only texts above the bound
    pay for counting events before they are composed."""
    return 3 * (sum(text.count(c) for c in "[{,:-?\n") + 1) > MAX_FILE_NODES


def expanded_size(root: yaml.Node) -> float:
    """How many values `root` becomes once every alias is expanded, without expanding anything.

    Each distinct node is sized once (aliases share node objects), so a billion-laughs document
    is measured in microseconds. A node that contains itself counts as infinite.
    """
    sizes: dict[int, float] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(c), float("inf")) for c in children)
            continue
        if key in active:
            sizes[key] = float("inf")  # recursive alias; the builder names it
            continue
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
