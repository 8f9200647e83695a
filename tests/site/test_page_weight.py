"""How much script a chapter page makes the reader download, and that lighter pages still draw.

Each chapter page is opened in a fresh browser tab (empty cache) and left alone until the network
is idle: every script it fetched by then (``resource_type == "script"``, bodies as served) is
what the reader waits for before they can interact. Plotly's library comes only with pages that
have a Plotly figure, as the book's partial bundle; MathJax only with pages that have math.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

MEDIAN_SCRIPT_BUDGET = 3_000_000  # bytes of scripts for the median chapter page

# For each Plotly figure: the trace types it asked for, and the types and module Plotly found.
PLOTLY_TRACES = """() => [...document.querySelectorAll('.sbt-plotly .js-plotly-plot')].map(gd => ({
  id: gd.id,
  svg: gd.querySelectorAll('.main-svg').length,
  asked: (gd.data || []).map(t => ({type: t.type || 'scatter', visible: t.visible})),
  drawn: (gd._fullData || []).map(t => ({type: t.type, module: !!t._module, visible: t.visible})),
}))"""


def load_quietly(browser: Any, url: str) -> tuple[dict[str, int], list[str], Any]:
    """Open ``url`` in a fresh context; return {script URL: bytes}, problems, and the context."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    responses: list[Any] = []
    problems: list[str] = []
    tab.on(
        "console", lambda m: m.type == "error" and problems.append(f"console: {m.text}")
    )
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("response", lambda r: responses.append(r))
    tab.goto(url, wait_until="networkidle")
    scripts = {
        r.url.split("?")[0]: len(r.body())
        for r in responses
        if r.request.resource_type == "script" and r.ok
    }
    return scripts, problems, (context, tab)


def script_bytes(browser: Any, server: str, path: str) -> dict[str, int]:
    scripts, _, (context, _) = load_quietly(browser, f"{server}/{path}")
    context.close()
    return scripts


def chapter_paths(site: Any) -> list[str]:
    return sorted(
        p.relative_to(site).as_posix() for p in (site / "chapters").glob("*.html")
    )


def test_median_chapter_page_loads_at_most_3_mb_of_scripts(browser, server, site):
    sizes = {}
    for path in chapter_paths(site):
        scripts = script_bytes(browser, server, path)
        html = (site / path).read_text(encoding="utf-8")
        names = {url.rsplit("/", 1)[-1] for url in scripts}
        # Plotly's library only where a figure needs it; MathJax only where there is math
        assert ("plotly.min.js" in names) == ("sbt-plotly" in html), path
        if 'class="math' not in html:
            assert not any("mathjax" in url for url in scripts), path
        sizes[path] = sum(scripts.values())
    assert sizes, "no chapter pages"
    median = statistics.median(sizes.values())
    table = "\n".join(f"{p}: {n / 1e6:.2f} MB" for p, n in sizes.items())
    assert median <= MEDIAN_SCRIPT_BUDGET, (
        f"median {median / 1e6:.2f} MB of scripts:\n{table}"
    )


def test_pages_never_load_the_full_plotly_bundle(browser, server, site):
    """The site's plotly.min.js is the book's partial bundle, not the 4.8 MB full one."""
    from stepbytoken.book.interactive import PLOTLY_BUNDLE

    served = (site / "_static" / "plotly.min.js").read_text(encoding="utf-8")
    assert (
        f"plotly.js (cartesian - minified) v{PLOTLY_BUNDLE['version']}" in served[:200]
    )
    assert (site / "_static" / "plotly.min.js.LICENSE.txt").exists()


def test_every_plotly_figure_of_the_site_draws_with_the_bundle(browser, server, site):
    """Every trace of every Plotly figure is drawn by a module of the bundle: a trace type the
    partial bundle lacks would be dropped by Plotly (no module), which this test catches."""
    pages = [
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site)
        .as_posix()
        .startswith(("_static/", "_modules/", "_sources/"))
        and 'class="plotly-graph-div"' in p.read_text(encoding="utf-8")
    ]
    assert pages, "no page of the site has a Plotly figure"
    checked = 0
    for path in sorted(pages):
        _, problems, (context, tab) = load_quietly(browser, f"{server}/{path}")
        figures = tab.evaluate(PLOTLY_TRACES)
        context.close()
        assert figures, f"{path}: Plotly figures did not draw"
        for fig in figures:
            where = f"{path} #{fig['id']}"
            assert fig["svg"] >= 1, f"{where}: no SVG drawn"
            assert len(fig["drawn"]) == len(fig["asked"]), where
            for asked, drawn in zip(fig["asked"], fig["drawn"], strict=True):
                # a type missing from the bundle is drawn as a scatter trace, silently
                what = f"{where}: {asked['type']} drawn as {drawn['type']}"
                assert drawn["type"] == asked["type"] and drawn["module"], what
                # hidden only where the figure hides it
                if asked["visible"] is not False:
                    assert drawn["visible"] is not False, f"{where}: a trace is hidden"
            checked += 1
        assert problems == [], f"{path}: {problems}"
    assert checked >= len(pages)


# Every visible Font Awesome icon: its glyph (CSS ::before), its font, whether that font loaded.
ICONS = """async () => {
  await document.fonts.ready;
  return [...document.querySelectorAll('i[class*="fa-"]')]
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    .map(el => {
      const before = getComputedStyle(el, '::before');
      const family = before.fontFamily.split(',')[0].replace(/"/g, '').trim();
      const weight = before.fontWeight;
      const box = el.getBoundingClientRect();
      return {icon: el.className, glyph: before.content, family, size: box.width * box.height,
              loaded: document.fonts.check(`${weight} 16px "${family}"`, before.content)};
    });
}"""


def test_theme_icons_draw_without_fontawesome_js(browser, server, site):
    """The theme's icons are drawn by its stylesheet's web fonts, so fontawesome.js can go."""
    path = chapter_paths(site)[0]
    scripts, problems, (context, tab) = load_quietly(browser, f"{server}/{path}")
    icons = tab.evaluate(ICONS)
    context.close()
    assert not any("fontawesome" in url for url in scripts)
    assert len(icons) >= 5, icons  # search, menu, download, full screen, theme, ...
    for icon in icons:
        assert icon["glyph"] not in ("none", "normal", '""'), icon
        assert icon["family"].startswith("Font Awesome") and icon["loaded"], icon
        assert icon["size"] > 0, icon
    assert problems == []


def test_search_still_works_without_the_search_index_on_every_page(
    browser, server, site
):
    """Chapter pages no longer load the search index; the search page finds a chapter."""
    path = chapter_paths(site)[0]
    scripts, _, (context, tab) = load_quietly(browser, f"{server}/{path}")
    assert not any(url.endswith("searchindex.js") for url in scripts)
    tab.keyboard.press("Control+k")
    tab.locator("#pst-search-dialog input[name=q]").fill("attention")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/search.html?q=attention*")
    # results arrive one by one (API entries before pages) after the whole index is read,
    # which takes a while on a busy machine: wait for the chapter's own
    # (a pattern, not a string: has_text="..." would also match "attention" in API names)
    chapter = tab.locator(
        "#search-results li a", has_text=re.compile("Attention")
    ).first
    try:
        chapter.wait_for(timeout=90_000)
    finally:
        found = tab.locator("#search-results li a").all_text_contents()
        context.close()
    assert any("Attention" in text for text in found), found
