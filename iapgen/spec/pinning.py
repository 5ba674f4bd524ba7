"""`iapgen pin`: the spec's text with the `ingress: N` lines that INGRESS_PIN_REQUIRED asks for.

A namespace past 15 hosts needs a pin on every service beyond Ingress 1 (layout.py says why). A spec
written before that, or a large one written by hand, can lack hundreds of them; this adds each one as
a line under the service's `name:`, leaving every other byte of the file as it was, and validates the
result before handing it back. It writes nothing: the caller prints the text.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from iapgen.errors import Finding, SpecError
from iapgen.spec.validate import missing_pins
from iapgen.spec.yamlsource import one_document, read_text

RULE = "INGRESS_PIN_REQUIRED"
LINE = re.compile(r"[^\n]*\n|[^\n]+$")
# `name:` as the first key of a block mapping, optionally after the list item's dash; its value on that line.
NAME_LINE = re.compile(r"""^(?P<lead>[ ]*(?:-[ ]+)?)(?P<key>name|"name"|'name')[ ]*:[ ]+(?P<value>[^|>\s#{\[].*)$""")


def add_pins(path: Path, display: str | None = None) -> tuple[str, int]:
    """(the spec's text with the missing pins added, how many); SpecError when one cannot be added."""
    name = display or str(path)
    text = read_text(path, name)
    document = one_document(text, name)
    pins = missing_pins(document)
    lines = LINE.findall(text)  # YAML's line breaks; str.splitlines also breaks at \f, \v and others
    problems: list[Finding] = []
    inserts: dict[int, str] = {}  # 0-based line index -> the line to add after it
    added: dict[int, int] = {}  # service index -> its pin
    for index, numbers in sorted(pins.items()):
        service = document.data["services"][index]["name"]
        line = document.line_of(("services", index, "name"))
        where = f"services[{service}]"
        wanted = set(numbers.values())
        if len(wanted) > 1:
            # One line pins every environment: where one needs no pin, it would move the service off Ingress 1.
            per_env = ", ".join(f"{'none' if n is None else n} in {env}" for env, n in sorted(numbers.items()))
            problems.append(Finding(name, line, where, f"needs a different Ingress per environment ({per_env}): "
                                    "pin it under overrides: by hand", RULE))
            continue
        (number,) = wanted
        assert number is not None  # every service here needs a pin somewhere
        # YAML also breaks lines at a lone \r, NEL and U+2028; such a file may not line up with ours.
        match = NAME_LINE.match(lines[line - 1].rstrip("\r\n")) if line <= len(lines) else None
        if match is None:
            problems.append(Finding(name, line, where, f"name: is not a one-line key of a block mapping here; "
                                    f"add `ingress: {number}` to this service by hand", RULE))
            continue
        ending = "\r\n" if lines[line - 1].endswith("\r\n") else "\n"
        inserts[line - 1] = f"{' ' * len(match.group('lead'))}ingress: {number}{ending}"
        added[index] = number
    if problems:
        raise SpecError(problems)
    if lines and not lines[-1].endswith("\n") and len(lines) - 1 in inserts:
        lines[-1] += "\n"
    pinned = "".join(line + inserts.get(i, "") for i, line in enumerate(lines))
    expected = copy.deepcopy(document.data)
    for index, number in added.items():
        expected["services"][index]["ingress"] = number
    _check(pinned, name, expected)
    return pinned, len(inserts)


def _check(text: str, name: str, expected: object) -> None:
    """The pinned text parses to the spec plus exactly the pins, and asks for no more of them."""
    document = one_document(text, name)
    left = missing_pins(document)
    if document.data != expected or left:
        lines: list[int | None] = [document.line_of(("services", index, "name")) for index in sorted(left)] or [None]
        raise SpecError([Finding(name, line, "", "iapgen pin could not add the pins without changing something "
                                 "else; add `ingress:` by hand where iapgen check asks", RULE) for line in lines])
