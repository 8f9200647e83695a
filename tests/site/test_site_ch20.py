"""Browser tests of chapter 20's feature browser (Plotly bars and a line, one menu).

The figure has two traces per feature (its top contexts as bars, its steering curve), those
of one feature visible; the menu picks the feature, shows its traces and writes its contexts
as the bars' labels. Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch20/html pytest tests/site/test_site_ch20.py``.
"""

from __future__ import annotations

import html

PAGE = "chapters/20-interpretability.html"
GRAPH = "document.querySelector('.sbt-plotly .plotly-graph-div')"


def _open(pg, base):
    pg.goto(f"{base}/{PAGE}", wait_until="load")
    figure = pg.locator(".sbt-plotly").first
    figure.scroll_into_view_if_needed()
    figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
    pg.wait_for_function(
        "() => document.querySelector('.sbt-plotly').dataset.sbtEnhanced"
    )
    return figure


def _visible(pg):
    return pg.evaluate(
        f"() => {GRAPH}.data.flatMap((t, i) => t.visible === true ? [i] : [])"
    )


def _tick_labels(figure):
    return figure.locator(".yaxislayer-above .ytick text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )


def test_the_figure_reads_before_it_is_touched(page, server):
    figure = _open(page, server)
    assert _visible(page) == [0, 1]
    labels = _tick_labels(figure)
    assert labels and any("[" in text for text in labels)
    assert page.problems == []


def test_choosing_a_feature_shows_its_contexts_and_steering(page, server):
    figure = _open(page, server)
    labels = page.evaluate(
        f"() => {GRAPH}.layout.updatemenus[0].buttons.map(b => b.label)"
    )
    assert len(labels) >= 2
    before = _tick_labels(figure)
    figure.locator('select[data-sbt-menu="0"]').select_option(label=labels[1])
    page.wait_for_timeout(300)
    assert _visible(page) == [2, 3]
    after = _tick_labels(figure)
    assert after != before
    expected = page.evaluate(f"() => {GRAPH}.data[2].customdata")
    first = html.unescape(expected[0].replace("<b>", "").replace("</b>", ""))
    assert any(text.startswith(first[:10]) for text in after), (first, after)
    menu = figure.get_by_role("combobox", name="feature")
    assert menu.evaluate("m => m.selectedOptions[0].textContent") == labels[1]
    assert page.problems == []
