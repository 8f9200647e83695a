"""Browser tests of chapter 14's rank explorer: the slider swaps the LoRA bars and the title.

Run against a built site:
``SBT_SITE_DIR=_build_ch14/html pytest tests/site/test_site_ch14.py``.
"""

from __future__ import annotations

PATH = "chapters/14-specializing-a-model.html"


def _rank_figure(tab):
    """The Plotly figure whose slider is labelled "LoRA rank", once it is drawn."""
    figures = tab.locator(".sbt-plotly")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
        found = figure.evaluate(
            """el => {
                const gd = el.querySelector('.js-plotly-plot');
                const sliders = (gd && gd.layout.sliders) || [];
                return sliders.some(s => (s.currentvalue.prefix || '').startsWith('LoRA rank'));
            }"""
        )
        if found:
            return figure
    raise AssertionError(f"no Plotly figure with a 'LoRA rank' slider on {PATH}")


def _state(figure):
    return figure.evaluate(
        """el => {
            const gd = el.querySelector('.js-plotly-plot');
            return {
                att: Array.from(gd.data[0].y),
                all: Array.from(gd.data[1].y),
                full: Array.from(gd.data[2].y),
                active: gd.layout.sliders[0].active,
                title: gd.layout.title.text,
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


def test_the_rank_slider_changes_the_lora_bars_and_the_title(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _rank_figure(page)
    before = _state(figure)
    assert before["title"].startswith("rank 4:") and "rank 4:" in before["shown"]
    _press(page, figure, "End")  # the largest rank
    large = _state(figure)
    assert large["title"].startswith("rank 16:") and large["active"] == 2
    assert large["att"][0] > before["att"][0]  # a larger rank trains a larger share
    assert large["all"][0] > before["all"][0]
    assert large["full"] == before["full"]  # full fine-tuning does not move
    _press(page, figure, "Home")
    small = _state(figure)
    assert small["title"].startswith("rank 1:") and small["att"][0] < before["att"][0]
    assert page.problems == []
