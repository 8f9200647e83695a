"""Browser tests of chapter 4's interactive attention map (Plotly heatmap with two menus).

The figure has one heatmap trace per (layer, head) of the reference model, exactly one visible;
the first menu chooses the head (toggles visibility), the second chooses the example text
(restyles the tokens and weights of every trace). Run against a built site, e.g.
``SBT_SITE_DIR=/tmp/ch04/html pytest tests/site/test_site_ch04.py``.
"""

from __future__ import annotations

PAGE = "chapters/04-attention.html"
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


def _choose(pg, figure, menu, label):
    """Choose the option called ``label`` in the figure's menu number ``menu`` (an HTML select
    that stands for Plotly's menu)."""
    figure.locator(f'select[data-sbt-menu="{menu}"]').select_option(label=label)
    pg.wait_for_timeout(300)


def test_head_menu_shows_one_head_at_a_time(page, server):
    figure = _open(page, server)
    names = page.evaluate(f"() => {GRAPH}.data.map(t => t.name)")
    before = _visible(page)
    assert len(before) == 1 and len(names) > 1
    target = 0 if before[0] != 0 else 1
    _choose(page, figure, 0, names[target])
    after = _visible(page)
    assert after == [target]
    weights = page.evaluate(
        f"() => [{GRAPH}.data[{before[0]}].z, {GRAPH}.data[{target}].z]"
    )
    assert weights[0] != weights[1], "two heads show identical attention weights"
    menu = figure.get_by_role("combobox", name="head")
    assert menu.evaluate("m => m.selectedOptions[0].textContent") == names[target]
    assert page.problems == []


def test_text_menu_changes_the_tokens_of_every_head(page, server):
    figure = _open(page, server)
    labels = page.evaluate(
        f"() => {GRAPH}.layout.updatemenus[1].buttons.map(b => b.label)"
    )
    assert len(labels) >= 2
    tokens_before = page.evaluate(f"() => {GRAPH}.data[0].x")
    _choose(page, figure, 1, labels[-1])
    tokens = page.evaluate(f"() => {GRAPH}.data.map(t => t.x)")
    assert tokens[0] != tokens_before
    assert all(t == tokens[0] for t in tokens)
    # every row of the new weights covers the tokens up to and including the query (causal)
    z = page.evaluate(f"() => {GRAPH}.data[0].z")
    assert [len(row) for row in z] == list(range(1, len(tokens[0]) + 1))
    assert all(abs(sum(row) - 100) <= len(row) for row in z)  # per cent, rounded
    assert len(_visible(page)) == 1  # the chosen head stays the only one shown
    assert page.problems == []


def test_hover_names_the_query_token_the_key_token_and_the_weight(page, server):
    figure = _open(page, server)
    box = figure.locator(".nsewdrag").first.bounding_box()
    # the lower-left half of the map holds the allowed (query, earlier key) pairs
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.8 * box["height"])
    label = figure.locator(".hoverlayer")
    page.wait_for_timeout(300)
    text = label.text_content()
    assert "→" in text and "%" in text and "head" in text
