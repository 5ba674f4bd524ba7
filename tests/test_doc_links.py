"""Every relative link and every #anchor in README.md and docs/**/*.md resolves.

Anchors follow GitHub's heading slugs: the heading's text as rendered (code marks and link syntax gone),
lower case, every character other than letters, digits, '-', '_' and space dropped, spaces turned into
'-', and a repeated slug numbered -1, -2, ... Links and headings inside fenced code blocks and code spans
do not count; http(s) and mailto links are not followed (no network).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def _prose(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, with their numbers and with code spans blanked."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)))
    return lines


def slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found: set[str] = set(HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(root: Path, pages: list[Path]) -> list[str]:
    """`page:line: target (why)` for every relative link or anchor in `pages` that does not resolve."""
    broken, cache = [], {}
    for page in pages:
        for number, line in _prose(page.read_text(encoding="utf-8")):
            targets = INLINE_LINK.findall(line) + REFERENCE.findall(line)
            for target in targets:
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or not target:
                    continue  # a URL (https:, mailto:): not ours to check
                path_part, _, fragment = target.partition("#")
                where = (page.parent / path_part).resolve() if path_part else page
                label = f"{page.relative_to(root)}:{number}: {target}"
                if not where.exists():
                    broken.append(f"{label} (no such file)")
                elif fragment:
                    if where.suffix != ".md":
                        broken.append(f"{label} (an anchor into a file that is not Markdown)")
                    elif fragment not in cache.setdefault(where, anchors(where) if where.is_file() else set()):
                        broken.append(f"{label} (no heading with that anchor)")
    return broken


def _pages(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def test_every_relative_link_and_anchor_in_the_docs_resolves() -> None:
    pages = _pages(REPO)
    assert len(pages) > 10 and REPO / "docs" / "modes" / "ingress.md" in pages
    assert broken_links(REPO, pages) == []


def test_the_checker_reports_broken_links_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(
        "# A page: `with code`\n\n## Twice\n\n## Twice\n\n```sh\n# not a heading\n[no](missing.md)\n```\n")
    (tmp_path / "README.md").write_text(
        "# Read me\n\n"
        "[ok](docs/page.md) [ok](docs/page.md#a-page-with-code) [ok](docs/page.md#twice-1) [ok](#read-me)\n"
        "[ok](https://example.com/x#y) `[in code](missing.md)` [ok][ref]\n\n"
        "[gone](docs/gone.md) [bad anchor](docs/page.md#twice-2) [bad](#nowhere)\n"
        "[code heading](docs/page.md#not-a-heading)\n\n"
        "[ref]: docs/page.md#twice\n[badref]: docs/page.md#nope\n")
    assert broken_links(tmp_path, _pages(tmp_path)) == [
        "README.md:6: docs/gone.md (no such file)",
        "README.md:6: docs/page.md#twice-2 (no heading with that anchor)",
        "README.md:6: #nowhere (no heading with that anchor)",
        "README.md:7: docs/page.md#not-a-heading (no heading with that anchor)",
        "README.md:10: docs/page.md#nope (no heading with that anchor)",
    ]


@pytest.mark.parametrize(("heading", "expected"), [
    ("The stack owns it: `loadBalancer: standalone`", "the-stack-owns-it-loadbalancer-standalone"),
    ("When `pulumi up` times out waiting for a NEG", "when-pulumi-up-times-out-waiting-for-a-neg"),
    ("A team's setup", "a-teams-setup"),
    ("Calling apps behind IAP, and the JWT middleware", "calling-apps-behind-iap-and-the-jwt-middleware"),
    ("snake_case and [a link](x.md)", "snake_case-and-a-link"),
])
def test_slugs_follow_github(heading: str, expected: str) -> None:
    assert slug(heading) == expected
