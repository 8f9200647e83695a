"""The chapter notebooks that Colab and Binder open are up to date with the pages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))
import notebooks  # noqa: E402  (docs/_ext is not a package)

PAGES = sorted(notebooks.CHAPTERS.glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_notebook_matches_its_page(page):
    target = page.with_suffix(".ipynb")
    assert target.exists(), f"{target.name} is missing: run `nox -s notebooks`"
    assert target.read_text(encoding="utf-8") == notebooks.chapter_notebook(page), (
        f"{target.name} is out of date: run `nox -s notebooks`"
    )
