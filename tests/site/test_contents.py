"""The landing page's contents and the navigation, built by Sphinx from docs/_data/outline.json.

A small Sphinx project with two chapter pages is built with the site's extension (``sbt_site``):
the written chapters become resolved cross-references and toctree entries, the others say
"coming soon", and a chapter missing from the outline is a build warning.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "docs" / "_ext")!r})
extensions = ["myst_parser", "sbt_site"]
exclude_patterns = ["_build"]
"""
INDEX = "# Book\n\n## Contents\n\n```{book-contents}\n```\n"


def build(src: Path) -> tuple[str, str]:
    """Build ``src`` to HTML; return the landing page's HTML and the warnings."""
    from sphinx.application import Sphinx

    warnings = io.StringIO()
    app = Sphinx(
        str(src),
        str(src),
        str(src / "_build"),
        str(src / "_build" / ".doctrees"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    return (src / "_build" / "index.html").read_text(
        encoding="utf-8"
    ), warnings.getvalue()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "conf.py").write_text(CONF)
    (tmp_path / "index.md").write_text(INDEX)
    (tmp_path / "chapters").mkdir()
    for slug, title in (("01-predicting-one-word", "One"), ("04-attention", "Four")):
        (tmp_path / "chapters" / f"{slug}.md").write_text(f"# {title}\n\nText.\n")
    return tmp_path


def test_contents_links_the_written_chapters_and_lists_the_rest(project):
    html, warnings = build(project)
    assert warnings == ""
    assert 'href="chapters/01-predicting-one-word.html"' in html
    assert 'href="chapters/04-attention.html"' in html
    assert html.count("(coming soon)") == 19
    assert (
        "21 chapters, 189 minutes of reading in all (2 chapters written so far)" in html
    )


def test_navigation_has_one_caption_per_part_with_written_chapters(project):
    html, _ = build(project)
    nav = html[html.index('<div class="sphinxsidebarwrapper">') :]
    assert "Part I · The basics" in nav and "Part II · Inside the machine" in nav
    assert "Part III" not in nav
    assert nav.index("chapters/01-predicting-one-word.html") < nav.index(
        "chapters/04-attention"
    )


def test_a_chapter_missing_from_the_outline_is_a_warning(project):
    (project / "chapters" / "99-unplanned.md").write_text("# Unplanned\n")
    _, warnings = build(project)
    assert "99-unplanned" in warnings and "toctree" in warnings
