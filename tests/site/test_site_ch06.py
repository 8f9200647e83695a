"""Browser tests of chapter 6's interactive figures: the two Plotly sliders respond to the reader.

Run against a built site, e.g. ``SBT_SITE_DIR=/tmp/ch06/html pytest tests/site/test_site_ch06.py``.
"""

from __future__ import annotations

PATH = "chapters/06-how-it-learns.html"


def _slider_figure(tab, prefix):
    """The Plotly figure whose slider's label starts with ``prefix``, once it is drawn."""
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
            prefix,
        )
        if found:
            return figure
    raise AssertionError(
        f"no Plotly figure with a slider labelled {prefix!r} on {PATH}"
    )


def _state(figure, trace):
    return figure.evaluate(
        """(el, trace) => {
            const gd = el.querySelector('.js-plotly-plot');
            return {
                x: Array.from(gd.data[trace].x),
                y: Array.from(gd.data[trace].y),
                active: gd.layout.sliders[0].active,
                title: (gd.layout.title && gd.layout.title.text) || '',
                notes: (gd.layout.annotations || []).map(a => a.text),
                shown: el.querySelector('.main-svg').parentElement.textContent,
            };
        }""",
        trace,
    )


def _click_slider(tab, figure, fraction):
    """Move the figure's slider (an HTML range that stands for Plotly's) to its start (0) or
    end (1) with the keyboard, as a reader would."""
    slider = figure.locator("input[type=range][data-sbt-slider]").first
    slider.scroll_into_view_if_needed()
    tab.wait_for_function("el => el.dataset.sbtEnhanced", arg=figure.element_handle())
    slider.focus()
    tab.keyboard.press("Home" if fraction < 0.5 else "End")
    tab.wait_for_timeout(400)


def test_learning_rate_slider_changes_the_path(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _slider_figure(page, "learning rate")
    before = _state(figure, 1)
    assert "learning rate 0.1:" in before["title"]
    _click_slider(page, figure, 0.0)  # the smallest learning rate: a short crawl
    small = _state(figure, 1)
    assert small["active"] == 0 and small["x"] != before["x"]
    assert "learning rate 0.005:" in small["title"] and "0.005" in small["shown"]
    _click_slider(page, figure, 1.0)  # the largest: the path blows up
    large = _state(figure, 1)
    assert large["x"] != small["x"] and "diverges" in large["title"]
    # far outside the drawn area
    assert max(abs(v) for v in large["x"] + large["y"]) > 10
    assert page.problems == []


def test_training_step_slider_changes_the_sample(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _slider_figure(page, "sample after step")
    before = _state(figure, 2)
    assert before["notes"] and before["notes"][0].startswith("<b>step 150</b>")
    _click_slider(page, figure, 0.0)
    first = _state(figure, 2)
    assert first["active"] == 0 and first["x"] == [0]
    assert (
        first["notes"][0].startswith("<b>step 0</b>")
        and first["notes"] != before["notes"]
    )
    assert "step 0" in first["shown"] and first["shown"] != before["shown"]
    assert page.problems == []
