"""Browser tests of chapter 15's interactive figures (two Plotly figures with one menu each).

The first figure shows a picture and the class token's attention over its patches in every
block and head; its menu picks the picture. The second is CLIP's similarity matrix between
held-out pictures and shape prompts; its menu picks the prompt template and the title quotes
the zero-shot accuracy. Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch15/html pytest tests/site/test_site_ch15.py``.
"""

from __future__ import annotations

PAGE = "chapters/15-reading-images.html"


def _graph(k):
    return f"document.querySelectorAll('.sbt-plotly .plotly-graph-div')[{k}]"


def _open(pg, base, k):
    pg.goto(f"{base}/{PAGE}", wait_until="load")
    figure = pg.locator(".sbt-plotly").nth(k)
    figure.scroll_into_view_if_needed()
    figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
    pg.wait_for_function(
        f"() => document.querySelectorAll('.sbt-plotly')[{k}].dataset.sbtEnhanced"
    )
    return figure


def _title(pg, k):
    return pg.evaluate(f"() => {_graph(k)}.layout.title.text")


def test_the_picture_menu_changes_picture_maps_and_title(page, server):
    figure = _open(page, server, 0)
    labels = page.evaluate(
        f"() => {_graph(0)}.layout.updatemenus[0].buttons.map(b => b.label)"
    )
    assert len(labels) >= 2 and labels[0] in _title(page, 0)
    maps_before = page.evaluate(f"() => {_graph(0)}.data.slice(1).map(t => t.z)")
    menu = figure.get_by_role("combobox", name="picture")
    menu.select_option(label=labels[1])
    page.wait_for_timeout(300)
    assert labels[1] in _title(page, 0)
    maps_after = page.evaluate(f"() => {_graph(0)}.data.slice(1).map(t => t.z)")
    assert maps_after != maps_before
    assert all(len(z) == 4 and len(z[0]) == 4 for z in maps_after)
    visible = figure.locator(".gtitle").first.text_content()
    assert labels[1].split()[1] in visible
    assert page.problems == []


def test_the_template_menu_changes_scores_and_accuracy(page, server):
    figure = _open(page, server, 1)
    labels = page.evaluate(
        f"() => {_graph(1)}.layout.updatemenus[0].buttons.map(b => b.label)"
    )
    assert len(labels) >= 3
    before = (_title(page, 1), page.evaluate(f"() => {_graph(1)}.data[0].z"))
    menu = figure.get_by_role("combobox", name="template")
    menu.focus()
    menu.press("End")  # the keyboard reaches the last template
    page.wait_for_timeout(300)
    menu.select_option(label=labels[-1])
    page.wait_for_timeout(300)
    title = _title(page, 1)
    assert labels[-1] in title and title != before[0]
    assert page.evaluate(f"() => {_graph(1)}.data[0].z") != before[1]
    assert "%" in figure.locator(".gtitle").first.text_content()
    assert page.problems == []
