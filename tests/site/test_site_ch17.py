"""Browser tests of chapter 17's budget explorer: the slider cuts the thoughts it shows.

Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch17/html pytest tests/site/test_site_ch17.py``.
"""

from __future__ import annotations

PATH = "chapters/17-thinking.html"
PREFIX = "thinking budget"


def _figure(tab):
    """The Plotly figure with the budget slider, once it is drawn."""
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


def test_the_budget_slider_cuts_the_thought(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _figure(page)
    before = _state(figure)
    last = before["labels"][-1]
    assert before["active"] == len(before["labels"]) - 1
    assert f"budget {last} tokens" in before["note"] and "thinks:" in before["note"]
    _press(page, figure, "Home")  # no thinking at all
    start = _state(figure)
    assert start["active"] == 0 and start["x"] == [int(before["labels"][0])]
    assert f"budget {start['labels'][0]} tokens" in start["note"]
    assert "(no thought)" in start["note"] and start["note"] != before["note"]
    assert "(no thought)" in start["shown"]
    _press(page, figure, "ArrowRight")
    step = _state(figure)
    assert step["active"] == 1 and step["note"] not in (start["note"], before["note"])
    assert page.problems == []
