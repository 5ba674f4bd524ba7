"""jinja2 templates from templates/ (installed as the package iapgen.templates).

StrictUndefined: a template that names a missing value fails loudly instead of printing
nothing. Logic stays in Python; templates only lay out.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import jinja2

from iapgen.errors import printable


@functools.cache
def environment() -> jinja2.Environment:
    folder = importlib.resources.files("iapgen.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = markdown_cell
    env.filters["md"] = markdown_text
    return env


def markdown_cell(value: object) -> str:
    """Free text made safe for one Markdown table cell."""
    return " ".join(printable(" ".join(str(value).split())).split()).replace("|", "\\|")


MARKDOWN_SPECIAL = "\\`*_[]<#~"


def markdown_text(value: object) -> str:
    """Text from live objects as one line of plain Markdown: whitespace collapsed, control characters
    escaped, and every character Markdown reads as markup backslash-escaped (no headings, bold or links)."""
    text = " ".join(printable(" ".join(str(value).split())).split())
    out = []
    for i, c in enumerate(text):
        inside_word = c == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        out.append("\\" + c if c in MARKDOWN_SPECIAL and not inside_word else c)  # snake_case is no emphasis
    return "".join(out)


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
