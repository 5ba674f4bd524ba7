"""The repository stands alone: docs exist, every cited docs anchor resolves, nothing points into ../shared."""

from __future__ import annotations

import re
import subprocess

from iapgen.spec import rules
from tests.conftest import REPO

CITATION = re.compile(r"(gke-behaviour|design)\.md#([a-z0-9][a-z0-9-]*)")
# Only the tests that read the team's third-party corpus may name it (they skip without it).
CORPUS_READERS = {"tests/test_lint.py", "tests/fuzz.py", "tests/test_docs.py", "tests/test_k8s_schemas.py"}


def _anchors(doc: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'."""
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    return {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            for line in text.splitlines() if line.startswith("#")}


def _tracked(*patterns: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *patterns],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [p for p in out.splitlines() if (REPO / p).is_file()]


def test_every_cited_docs_anchor_exists() -> None:
    anchors = {"gke-behaviour": _anchors("gke-behaviour.md"), "design": _anchors("design.md")}
    missing = []
    for path in _tracked("*.py", "*.md", "*.j2"):
        for match in CITATION.finditer((REPO / path).read_text(encoding="utf-8", errors="replace")):
            if match.group(2) not in anchors[match.group(1)]:
                missing.append(f"{path}: {match.group(0)}")
    assert missing == []


def test_every_rule_cites_our_own_docs() -> None:
    from iapgen.lint import checks  # noqa: F401  (registers the manifest rules)

    for rule in rules.CATALOGUE.values():
        for source in rule.source.split(","):
            assert CITATION.fullmatch(source.strip()), f"{rule.id}: {rule.source!r}"


def test_nothing_but_the_corpus_tests_points_into_shared() -> None:
    offenders = [path for path in _tracked("*.py", "*.md", "*.j2", "Makefile", "*.toml", "*.yml", "*.yaml")
                 if "../shared" in (REPO / path).read_text(encoding="utf-8", errors="replace")
                 and path not in CORPUS_READERS]
    assert offenders == []
