"""jinja2 templates from templates/ (installed as the package iapgen.templates).

StrictUndefined: a template that names a missing value fails loudly instead of printing
nothing. Logic stays in Python; templates only lay out.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import jinja2


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
    return env


def markdown_cell(value: object) -> str:
    """Free text made safe for one Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
