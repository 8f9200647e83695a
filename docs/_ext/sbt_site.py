"""Sphinx extension of the Step by Token site.

* Serves every script the interactive figures need from the site itself: ``plotly.min.js`` is
  copied from the installed ``plotly`` package, the book's widget scripts from ``stepbytoken``;
  a page loads a script only if one of its figures asks for it (``data-sbt-requires``).
* Drops jupyter-sphinx's Thebe files, which it links on every page but does not ship.
* Refuses remote scripts and stylesheets: the site must work with no network. The CDN scripts
  that jupyter-sphinx adds by default (require.js, the ipywidgets embed script) are dropped; any
  other remote asset fails the build.
* Provides the ``book-contents`` directive: the landing page's table of contents with reading
  times, built from ``docs/_data/outline.json``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

import stepbytoken

OUTLINE = Path(__file__).resolve().parent.parent / "_data" / "outline.json"
PACKAGE_STATIC = Path(stepbytoken.__file__).parent / "book" / "static"
# Scripts jupyter-sphinx adds by default; the site has no ipywidgets, so they are not needed.
DROPPED_REMOTE = ("require.min.js", "@jupyter-widgets/html-manager")
# jupyter-sphinx links its Thebe (live code) files on every page but only ships them when Thebe
# is configured; the site does not use Thebe, which would need a remote kernel anyway.
DROPPED_LOCAL = ("thebelab-helper.js", "thebelab.css")
REQUIRES = re.compile(r'<div class="sbt-interactive[^"]*" [^>]*data-sbt-requires="([\w. -]+)"')


def load_outline() -> list[dict[str, Any]]:
    """The book's parts and chapters (number, slug, title, minutes, summary)."""
    return json.loads(OUTLINE.read_text(encoding="utf-8"))["parts"]


def vendored_files() -> dict[str, Path]:
    """Files copied into ``_static`` at build time, from installed packages."""
    import plotly

    files = {"plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js"}
    files.update({p.name: p for p in PACKAGE_STATIC.iterdir() if p.suffix in (".js", ".css")})
    return files


def copy_vendored(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, source in vendored_files().items():
        shutil.copyfile(source, static / name)


def _is_remote(url: str) -> bool:
    return "://" in url or url.startswith("//")


def page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Add the scripts a page's figures need; drop or refuse remote assets."""
    body = context.get("body", "")
    wanted: list[str] = []
    for names in REQUIRES.findall(body):
        wanted.extend(n for n in names.split() if n not in wanted)
    for name in wanted:
        if name not in vendored_files():
            raise ExtensionError(f"{pagename}: a figure requires {name!r}, which the site lacks")
        if name.endswith(".js"):
            app.add_js_file(name, priority=450)
        elif name.endswith(".css") and name != "sbt-widgets.css":  # that one is on every page
            app.add_css_file(name, priority=450)
    for key in ("script_files", "css_files"):
        kept = []
        for asset in context.get(key, []):
            url = getattr(asset, "filename", str(asset))
            if url.endswith(DROPPED_LOCAL) and not app.config.jupyter_sphinx_thebelab_config:
                continue
            if url and _is_remote(url):
                if any(marker in url for marker in DROPPED_REMOTE):
                    continue
                raise ExtensionError(f"{pagename}: remote asset {url!r}; serve it from the site")
            kept.append(asset)
        context[key] = kept


class BookContents(Directive):
    """The landing page's contents: every part and chapter with its reading time."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        parts = load_outline()
        total = sum(ch["minutes"] for part in parts for ch in part["chapters"])
        written = sum(
            1
            for part in parts
            for ch in part["chapters"]
            if f"chapters/{ch['slug']}" in env.found_docs
        )
        container = nodes.container(classes=["sbt-contents"])
        summary = nodes.paragraph(classes=["sbt-contents-total"])
        summary += nodes.Text(
            f"{len(parts)} parts, {sum(len(p['chapters']) for p in parts)} chapters, "
            f"{total} minutes of reading in all ({written} chapters written so far)."
        )
        container += summary
        for part in parts:
            minutes = sum(ch["minutes"] for ch in part["chapters"])
            section = nodes.container(classes=["sbt-part"])
            heading = nodes.paragraph(classes=["sbt-part-title"])
            heading += nodes.strong(text=f"Part {part['number']} · {part['title']}")
            heading += nodes.Text(f" ({minutes} min)")
            section += heading
            items = nodes.bullet_list(classes=["sbt-chapter-list"])
            for ch in part["chapters"]:
                docname = f"chapters/{ch['slug']}"
                para = nodes.paragraph()
                label = f"{ch['number']:02d} · {ch['title']}"
                if docname in env.found_docs:
                    ref = nodes.reference("", "", internal=True, refuri=docname + ".html")
                    ref += nodes.strong(text=label)
                    para += ref
                else:
                    para += nodes.strong(text=label)
                    para += nodes.Text(" ")
                    para += nodes.inline(text="(coming soon)", classes=["sbt-coming-soon"])
                para += nodes.Text(f" · {ch['minutes']} min. {ch['summary']}")
                items += nodes.list_item("", para)
            section += items
            container += section
        return [container]


def fix_contents_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make the contents' chapter links relative to the page that shows them."""
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if ref.get("internal") and uri.startswith("chapters/") and uri.endswith(".html"):
            ref["refuri"] = app.builder.get_relative_uri(docname, uri[: -len(".html")])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("book-contents", BookContents)
    app.connect("doctree-resolved", fix_contents_links)
    app.connect("html-page-context", page_assets, priority=900)
    app.connect("build-finished", copy_vendored)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
