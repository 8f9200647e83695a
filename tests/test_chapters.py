"""Cheap static checks of the chapter pages.

Running the chapters is the reader's check (tests/reader/test_reader.py): each chapter runs once
in the site build and once there, in a plain environment.
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHAPTERS = sorted((DOCS / "chapters").glob("[0-9][0-9]-*.md"))


def code_cells(page: Path) -> list[str]:
    """The sources of a MyST page's code cells, in order."""
    return [
        c.source
        for c in jupytext.read(page, fmt="md:myst").cells
        if c.cell_type == "code"
    ]


def test_every_chapter_has_code():
    assert CHAPTERS, "no chapter pages found"
    for page in CHAPTERS:
        assert sum(src.count("\n") + 1 for src in code_cells(page)) > 20, page.name


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_has_no_magics(page):
    for line in "\n".join(code_cells(page)).splitlines():
        assert not line.lstrip().startswith(("%", "!")), (
            f"{page.name}: IPython syntax: {line}"
        )


def test_every_chapter_page_is_in_the_outline():
    outline = json.loads((DOCS / "_data" / "outline.json").read_text(encoding="utf-8"))
    chapters = [ch for part in outline["parts"] for ch in part["chapters"]]
    assert [ch["number"] for ch in chapters] == list(range(1, len(chapters) + 1))
    slugs = {ch["slug"]: ch["number"] for ch in chapters}
    for page in CHAPTERS:
        assert page.stem in slugs, f"{page.name} is not in docs/_data/outline.json"
        assert int(page.stem[:2]) == slugs[page.stem], page.name
