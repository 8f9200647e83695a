"""Browser tests of chapter 16's interactive figures (two Plotly figures).

The first draws pass@k against k for three assistants, unbiased and naive; its slider picks
k and the title quotes both estimates there. The second is the leaderboard with intervals;
its menu picks the scoring method and the title names the leader. Run against a built site,
e.g. ``SBT_SITE_DIR=_build_ch16/html pytest tests/site/test_site_ch16.py``.
"""

from __future__ import annotations

PAGE = "chapters/16-evaluation.html"


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


def test_the_k_slider_moves_the_line_and_quotes_both_estimates(page, server):
    figure = _open(page, server, 0)
    before = _title(page, 0)
    assert before.startswith("k = 1: ") and "naive" in before
    slider = figure.get_by_role("slider", name="tries k")
    slider.focus()
    for _ in range(9):
        slider.press("ArrowRight")
    page.wait_for_timeout(300)
    after = _title(page, 0)
    assert after.startswith("k = 10: ") and after != before
    assert page.evaluate(f"() => {_graph(0)}.layout.shapes[0].x0") == 10
    assert "k = 10" in figure.locator(".gtitle").first.text_content()
    assert page.problems == []


def test_the_scoring_menu_switches_the_leaderboard(page, server):
    figure = _open(page, server, 1)
    labels = page.evaluate(
        f"() => {_graph(1)}.layout.updatemenus[0].buttons.map(b => b.label)"
    )
    assert labels == [
        "answer text",
        "letter probability",
        "generated letter",
        "arena (Bradley-Terry)",
    ]
    assert _title(page, 1).startswith("answer text: ")
    menu = figure.get_by_role("combobox", name="scoring")
    menu.select_option(label="arena (Bradley-Terry)")
    page.wait_for_timeout(300)
    title = _title(page, 1)
    assert title.startswith("arena (Bradley-Terry): ") and " leads" in title
    visible = page.evaluate(f"() => {_graph(1)}.data.map(t => t.visible)")
    assert visible == [False, False, False, True]
    assert "arena" in figure.locator(".gtitle").first.text_content()
    assert page.problems == []
