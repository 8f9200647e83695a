"""Sphinx extension of the Step by Token site.

* Serves every script the interactive figures need from the site itself, all copied from
  ``stepbytoken/book/static``: the widget scripts and ``plotly.min.js``, Plotly's cartesian
  partial bundle (1.5 MB instead of the full 4.8 MB; see ``interactive.PLOTLY_BUNDLE``).
  A figure names what it needs (``data-sbt-requires``); only pages with such a figure load a
  file, each once, and the copies that a widget inlines for notebooks (``data-sbt-inline``)
  are removed from the page.
* Ships the weights of the models that live figures run in the browser (``gpt.js``): each
  file of :func:`stepbytoken.book.live.live_model_files` is copied to
  ``_static/models/<name>/model.safetensors``; only pages with a live figure fetch it.
* Lightens every page (``sbt_templates/layout.html``): the theme's ``fontawesome.js`` (1.6 MB
  of SVG icons; the theme's stylesheet already draws its icons with web fonts) and, unless
  search-as-you-type is on, Sphinx's search tools and index are not loaded (search.html has
  its own).
* Drops jupyter-sphinx's Thebe files, which it links on every page but does not ship.
* Refuses remote scripts and stylesheets: the site must work with no network. The CDN scripts
  that jupyter-sphinx adds by default (require.js, the ipywidgets embed script) are dropped; any
  other remote asset fails the build.
* Provides the ``book-contents`` directive: the landing page's contents with reading times and
  the site's navigation (one hidden toctree per part), both from ``docs/_data/outline.json``,
  the one list of the book's chapters.
* Offers each chapter for download as the plain notebook that ``notebooks.py`` makes from it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import stepbytoken

LOGGER = logging.getLogger(__name__)
OUTLINE = Path(__file__).resolve().parent.parent / "_data" / "outline.json"
PACKAGE_STATIC = Path(stepbytoken.__file__).parent / "book" / "static"
# Scripts jupyter-sphinx adds by default; the site has no ipywidgets, so they are not needed.
DROPPED_REMOTE = ("require.min.js", "@jupyter-widgets/html-manager")
# jupyter-sphinx links its Thebe (live code) files on every page but only ships them when Thebe
# is configured; the site does not use Thebe, which would need a remote kernel anyway.
DROPPED_LOCAL = ("thebelab-helper.js", "thebelab.css")
REQUIRES = re.compile(
    r'<div class="sbt-interactive[^"]*" [^>]*data-sbt-requires="([\w. -]+)"'
)
INLINE_COPY = re.compile(r'<(script|style) data-sbt-inline="([\w.-]+)">.*?</\1>', re.S)
TEMPLATES = Path(__file__).resolve().parent / "sbt_templates"


def load_outline() -> list[dict[str, Any]]:
    """The book's parts and chapters (number, slug, title, minutes, summary)."""
    return json.loads(OUTLINE.read_text(encoding="utf-8"))["parts"]


def chapter_docname(chapter: dict[str, Any]) -> str:
    """The Sphinx document name of a chapter of the outline."""
    return f"chapters/{chapter['slug']}"


def vendored_files() -> dict[str, Path]:
    """Files copied into ``_static`` at build time: the package's static files and licenses."""
    suffixes = (".js", ".css", ".txt")
    return {p.name: p for p in sorted(PACKAGE_STATIC.iterdir()) if p.suffix in suffixes}


def copy_vendored(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, source in vendored_files().items():
        shutil.copyfile(source, static / name)


def copy_live_models(app: Sphinx, exc: Exception | None) -> None:
    """Copy each live model's weights to ``_static/models/<name>/model.safetensors``."""
    if exc is not None or app.builder.format != "html":
        return
    from stepbytoken.artifacts import MODEL_FILE
    from stepbytoken.book.live import live_model_files

    for name, source in live_model_files().items():
        target = Path(app.outdir) / "_static" / "models" / name / MODEL_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def drop_scripts(html_text: str, *names: str) -> str:
    r"""``html_text`` without the ``<script src=...>`` elements of the named files.

    Examples
    --------
    >>> str(drop_scripts('<p></p>\n  <script defer src="../x/a.js?v=1"></script>\n', "a.js"))
    '<p></p>\n'
    """
    from markupsafe import Markup

    for name in names:
        pattern = rf'[ \t]*<script [^>]*src="[^"]*\b{re.escape(name)}(\?[^"]*)?"[^>]*></script>\n?'
        html_text = re.sub(pattern, "", str(html_text))
    return Markup(html_text)


def add_templates(app: Sphinx, config: Any) -> None:
    """Put the site's own templates (``sbt_templates``) before the theme's."""
    config.templates_path = [*config.templates_path, str(TEMPLATES)]


def add_template_filters(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None:
        environment.filters["sbt_drop_scripts"] = drop_scripts


def is_remote(url: str) -> bool:
    return "://" in url or url.startswith("//")


def page_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Load the files a page's figures need, once; drop inline copies; refuse remote assets."""
    body = context.get("body", "")
    available = vendored_files()
    for name in {match.group(2) for match in INLINE_COPY.finditer(body)}:
        if name not in available:
            raise ExtensionError(
                f"{pagename}: a figure inlines {name!r}, which the site lacks"
            )
    context["body"] = body = INLINE_COPY.sub("", body)
    wanted: list[str] = []
    for names in REQUIRES.findall(body):
        wanted.extend(n for n in names.split() if n not in wanted)
    for name in wanted:
        if name not in available:
            raise ExtensionError(
                f"{pagename}: a figure requires {name!r}, which the site lacks"
            )
        if name.endswith(".js"):
            app.add_js_file(name, priority=450)
        # that one is on every page
        elif name.endswith(".css") and name != "sbt-widgets.css":
            app.add_css_file(name, priority=450)
    thebe = getattr(app.config, "jupyter_sphinx_thebelab_config", None)
    for key in ("script_files", "css_files"):
        kept = []
        for asset in context.get(key, []):
            url = getattr(asset, "filename", str(asset))
            if url.endswith(DROPPED_LOCAL) and not thebe:
                continue
            if url and is_remote(url):
                if any(marker in url for marker in DROPPED_REMOTE):
                    continue
                raise ExtensionError(
                    f"{pagename}: remote asset {url!r}; serve it from the site"
                )
            kept.append(asset)
        context[key] = kept


class BookContents(SphinxDirective):
    """The landing page's contents, and the navigation: every part and chapter of the outline.

    Written chapters are cross-references (``std:doc``), so Sphinx resolves them and warns about
    broken ones; each part also becomes a hidden toctree of its written chapters.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(OUTLINE))
        contents_docs(self.env).add(self.env.docname)
        parts = load_outline()
        chapters = [ch for part in parts for ch in part["chapters"]]
        written = [ch for ch in chapters if chapter_docname(ch) in self.env.found_docs]
        container = nodes.container(classes=["sbt-contents"])
        summary = nodes.paragraph(classes=["sbt-contents-total"])
        summary += nodes.Text(
            f"{len(parts)} parts, {len(chapters)} chapters, "
            f"{sum(ch['minutes'] for ch in chapters)} minutes of reading in all "
            f"({len(written)} chapters written so far)."
        )
        container += summary
        toctrees = []
        for part in parts:
            container += self.part_section(part)
            docnames = [chapter_docname(ch) for ch in part["chapters"] if ch in written]
            if docnames:
                toctrees.append(
                    self.toctree(f"Part {part['number']} · {part['title']}", docnames)
                )
        return [container, *toctrees]

    def part_section(self, part: dict[str, Any]) -> nodes.Element:
        minutes = sum(ch["minutes"] for ch in part["chapters"])
        section = nodes.container(classes=["sbt-part"])
        heading = nodes.paragraph(classes=["sbt-part-title"])
        heading += nodes.strong(text=f"Part {part['number']} · {part['title']}")
        heading += nodes.Text(f" ({minutes} min)")
        section += heading
        items = nodes.bullet_list(classes=["sbt-chapter-list"])
        for ch in part["chapters"]:
            para = nodes.paragraph()
            label = f"{ch['number']:02d} · {ch['title']}"
            if chapter_docname(ch) in self.env.found_docs:
                ref = addnodes.pending_xref(
                    "",
                    refdomain="std",
                    reftype="doc",
                    reftarget=f"/{chapter_docname(ch)}",
                    refexplicit=True,
                    refwarn=True,
                    refdoc=self.env.docname,
                )
                ref += nodes.inline(label, label)
                para += nodes.strong("", "", ref)
            else:
                para += nodes.strong(text=label)
                para += nodes.Text(" ")
                para += nodes.inline(text="(coming soon)", classes=["sbt-coming-soon"])
            para += nodes.Text(f" · {ch['minutes']} min. {ch['summary']}")
            items += nodes.list_item("", para)
        section += items
        return section

    def toctree(self, caption: str, docnames: list[str]) -> nodes.Element:
        """A hidden toctree, as the ``toctree`` directive makes it."""
        tree = addnodes.toctree()
        tree["parent"] = self.env.docname
        tree["entries"] = [(None, name) for name in docnames]
        tree["includefiles"] = list(docnames)
        tree["maxdepth"] = -1
        tree["caption"] = caption
        tree["glob"] = False
        tree["hidden"] = True
        tree["includehidden"] = False
        tree["numbered"] = 0
        tree["titlesonly"] = False
        self.set_source_info(tree)
        return nodes.compound("", tree, classes=["toctree-wrapper"])


def contents_docs(env: BuildEnvironment) -> set[str]:
    """The documents that hold a ``book-contents`` directive (kept in the environment)."""
    if not hasattr(env, "sbt_contents_docs"):
        env.sbt_contents_docs = set()
    return env.sbt_contents_docs


def reread_contents(
    app: Sphinx, env: BuildEnvironment, added, changed, removed
) -> list[str]:
    """Re-read the contents when a chapter page appears or disappears."""
    return sorted(contents_docs(env)) if added or removed else []


def purge_contents(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    contents_docs(env).discard(docname)


def merge_contents(
    app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment
) -> None:
    contents_docs(env).update(contents_docs(other))


def offer_plain_notebooks(app: Sphinx, exc: Exception | None) -> None:
    """Replace the executed notebooks that the download button offers by plain ones."""
    if exc is not None or app.builder.format != "html":
        return
    import notebooks

    executed = Path(app.outdir).parent / "jupyter_execute"
    for part in load_outline():
        for ch in part["chapters"]:
            target = Path(app.outdir) / "_sources" / f"{chapter_docname(ch)}.ipynb"
            page = Path(app.srcdir) / f"{chapter_docname(ch)}.md"
            if not (page.exists() and target.exists()):
                continue
            try:
                target.write_text(
                    notebooks.chapter_notebook(page, executed), encoding="utf-8"
                )
            except (OSError, ValueError) as error:
                LOGGER.warning(
                    f"no plain notebook for {page.name}: {error}", type="sbt"
                )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("book-contents", BookContents)
    app.connect("config-inited", add_templates)
    app.connect("builder-inited", add_template_filters)
    app.connect("env-get-outdated", reread_contents)
    app.connect("env-purge-doc", purge_contents)
    app.connect("env-merge-info", merge_contents)
    app.connect("html-page-context", page_assets, priority=900)
    app.connect("build-finished", copy_vendored)
    app.connect("build-finished", copy_live_models)
    app.connect("build-finished", offer_plain_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
