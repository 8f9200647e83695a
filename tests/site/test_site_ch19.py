"""Browser tests of chapter 19's compute explorer: the slider moves the budget and the note.

Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch19/html pytest tests/site/test_site_ch19.py``.
"""

from __future__ import annotations

PATH = "chapters/19-scaling-laws.html"
PREFIX = "compute budget"


def _figure(tab):
    """The Plotly figure with the compute-budget slider, once it is drawn."""
    figures = tab.locator(".sbt-plotly")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
        found = figure.evaluate(
            """(el, prefix) => {
                const gd = el.querySelector('.js-plotly-plot');
                const sliders = (gd && gd.layout.sliders) || [];
                return sliders.some(s => (s.currentvalue.prefix || '').startsWith(prefix));
            }""",
            PREFIX,
        )
        if found:
            return figure
    raise AssertionError(
        f"no Plotly figure with a slider labelled {PREFIX!r} on {PATH}"
    )


def _state(figure):
    return figure.evaluate(
        """el => {
            const gd = el.querySelector('.js-plotly-plot');
            const chosen = gd.data[gd.data.length - 1];
            return {
                x: Array.from(chosen.x),
                labels: gd.layout.sliders[0].steps.map(s => s.label),
                active: gd.layout.sliders[0].active,
                note: (gd.layout.annotations || []).map(a => a.text).join(' '),
                shown: el.querySelector('.main-svg').parentElement.textContent,
            };
        }"""
    )


def _press(tab, figure, key):
    slider = figure.locator("input[type=range][data-sbt-slider]").first
    slider.scroll_into_view_if_needed()
    tab.wait_for_function("el => el.dataset.sbtEnhanced", arg=figure.element_handle())
    slider.focus()
    tab.keyboard.press(key)
    tab.wait_for_timeout(400)


def test_the_budget_slider_moves_the_optimum_and_rewrites_the_note(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _figure(page)
    before = _state(figure)
    assert before["labels"][0] == "1e+09" and before["labels"][-1] == "1e+25"
    assert before["labels"][before["active"]] == "1e+11"
    assert "C = 1.0e+11 FLOPs" in before["note"] and "tokens/param" in before["note"]
    assert "our fit" in before["note"] and "Hoffmann eq. 10" in before["note"]
    _press(page, figure, "End")
    after = _state(figure)
    assert after["active"] == len(after["labels"]) - 1
    assert set(after["x"]) == {1e25}
    assert "C = 1.0e+25 FLOPs" in after["note"] and after["note"] != before["note"]
    assert "C = 1.0e+25 FLOPs" in after["shown"]
    _press(page, figure, "ArrowLeft")
    back = _state(figure)
    assert back["active"] == len(after["labels"]) - 2
    assert "C = 1.0e+24 FLOPs" in back["note"]
