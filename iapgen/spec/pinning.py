"""`iapgen pin`: the spec's text with the `ingress: N` lines that INGRESS_PIN_REQUIRED asks for.

A namespace past 15 hosts needs a pin on every service beyond Ingress 1 (layout.py says why). A spec
written before that, or a large one written by hand, can lack hundreds of them; this adds each one as
a line under the service's `name:`, leaving every other byte of the file as it was, and parses the
result again: it must be the spec plus exactly those pins. It writes nothing: the caller prints the text.

Which services stay on Ingress 1 is the one choice here. Without a base, the first 15 unpinned of a
namespace in spec order stay, which is where iapgen puts them, so a spec unchanged since it was deployed
keeps everyone where they are. With `base` (the spec as deployed, e.g. from `--base-ref origin/main`),
the services Ingress 1 serves in the base stay first, so a service inserted above them is the one pinned.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from iapgen.errors import Finding, SpecError, show
from iapgen.spec.layout import INGRESS_PIN_REQUIRED
from iapgen.spec.validate import missing_pins, on_ingress_one
from iapgen.spec.yamlsource import one_document, read_text

RULE = INGRESS_PIN_REQUIRED
BOM = "\ufeff"
LINE = re.compile(r"[^\n]*\n|[^\n]+$")
# `name:` as a key of a block mapping (optionally after the list item's dash), its whole one-line value a
# DNS label (plain or quoted), then at most a comment: nothing of the mapping continues on this line.
NAME_LINE = re.compile(r"""^(?P<lead>[ ]*(?:-[ ]+)?)(?:name|"name"|'name')[ ]*:[ ]+"""
                       r"""(?:[a-z0-9-]+|"[a-z0-9-]+"|'[a-z0-9-]+')[ ]*(?:[ ]#.*)?$""")


def add_pins(path: Path, display: str | None = None, base: tuple[str, str] | None = None) -> tuple[str, int]:
    """(the spec's text with the missing pins added, how many); SpecError when one cannot be added.
    `base`: (text, name) of the spec as deployed, whose Ingress 1 services stay there first."""
    name = display or str(path)
    text = read_text(path, name)
    with path.open("rb") as handle:
        bom = BOM if handle.read(3) == BOM.encode() else ""  # read_text drops it; the output keeps it
    document = one_document(text, name)
    keep = on_ingress_one(one_document(*base)) if base is not None else None
    pins = missing_pins(document, keep)
    lines = LINE.findall(text)  # YAML's line breaks; str.splitlines also breaks at \f, \v and others
    newline = "\r\n" if "\r\n" in text else "\n"  # the file's own line ending
    problems: list[Finding] = []
    inserts: dict[int, str] = {}  # 0-based line index -> the line to add after it
    added: dict[int, int] = {}  # service index -> its pin
    for index, numbers in sorted(pins.items()):
        raw: dict[str, Any] = document.data["services"][index]
        line = document.line_of(("services", index, "name"))
        where = f"services[{raw['name']}]"
        why = _cannot_pin(raw, numbers)
        number = next((n for n in numbers.values() if n is not None), 0)
        # YAML also breaks lines at a lone \r, NEL and U+2028; such a file may not line up with ours.
        match = NAME_LINE.match(lines[line - 1].rstrip("\r\n")) if line <= len(lines) else None
        if why is None and match is None:
            why = f"its name: is not a one-line key of a block mapping; add `ingress: {number}` to it by hand"
        if why is not None or match is None:
            problems.append(Finding(name, line, where, why or "", RULE))
            continue
        inserts[line - 1] = f"{' ' * len(match.group('lead'))}ingress: {number}{newline}"
        added[index] = number
    if problems:
        raise SpecError(problems)
    if not inserts:
        return bom + text, 0
    if lines and not lines[-1].endswith("\n") and len(lines) - 1 in inserts:
        lines[-1] += newline
    pinned = "".join(line + inserts.get(i, "") for i, line in enumerate(lines))
    expected = copy.deepcopy(document.data)
    for index, number in added.items():
        expected["services"][index]["ingress"] = number
    refusal = [Finding(name, document.line_of(("services", i, "name")), "", "iapgen pin could not add `ingress:` "
                       "here without changing the spec otherwise; add it by hand where iapgen check asks", RULE)
               for i in sorted(added)]
    _check(pinned, name, expected, keep, refusal)
    return bom + pinned, len(inserts)


def _cannot_pin(raw: dict[str, Any], numbers: dict[str, int | None]) -> str | None:
    """Why one line under the service's name would not pin it as asked, or None."""
    wanted = set(numbers.values())
    if len(wanted) > 1:
        # One line pins every environment: where one needs no pin, it would move the service off Ingress 1.
        per_env = ", ".join(f"{'none' if n is None else n} in {env}" for env, n in sorted(numbers.items()))
        return f"needs a different Ingress per environment ({per_env}): pin it under overrides: by hand"
    if "ingress" in raw:
        return f"already has ingress: {_yaml(raw['ingress'])}; set the number iapgen check asks for by hand"
    for env, number in numbers.items():
        override = (raw.get("overrides") or {}).get(env) or {}
        if number is not None and "ingress" in override:
            return f"its override for {env} sets ingress: {_yaml(override['ingress'])}; pin it there by hand"
    return None


def _yaml(value: Any) -> str:
    return "null" if value is None else show(value)


def _check(text: str, name: str, expected: object, keep: Any, refusal: list[Finding]) -> None:
    """The pinned text parses to the spec plus exactly the pins and asks for no more of them; else `refusal`
    (the text's own line numbers and errors would point at lines the user's file does not have)."""
    try:
        document = one_document(text, name)
        if document.data == expected and not missing_pins(document, keep):
            return
    except SpecError:
        pass
    raise SpecError(refusal)
