"""Browser tests of chapter 21's sliders: the denoising steps and the guidance scale.

Run against a built site, e.g.
``SBT_SITE_DIR=_build_ch21/html pytest tests/site/test_site_ch21.py``.
"""

from __future__ import annotations

import pytest

PATH = "chapters/21-diffusion.html"


def _figure(tab, prefix):
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


def _state(figure):
    return figure.evaluate(
        """el => {
            const gd = el.querySelector('.js-plotly-plot');
            const images = gd.data.filter(d => d.type === 'image');
            return {
                title: gd.layout.title.text,
                active: gd.layout.sliders[0].active,
                labels: gd.layout.sliders[0].steps.map(s => s.label),
                first: images[0].source,
                marker: gd.data[gd.data.length - 1].x
                    ? Array.from(gd.data[gd.data.length - 1].x) : null,
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


def test_the_steps_slider_walks_from_noise_to_the_pictures(page, server):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _figure(page, "steps taken")
    start = _state(figure)
    assert start["active"] == 0 and start["labels"][0] == "0"
    assert "after 0 of 20 steps" in start["title"] and "after 0 of 20" in start["shown"]
    _press(page, figure, "End")
    end = _state(figure)
    assert end["active"] == len(end["labels"]) - 1
    assert "after all 20 steps" in end["title"] and end["first"] != start["first"]
    _press(page, figure, "ArrowLeft")
    back = _state(figure)
    assert "after 19 of 20 steps" in back["title"]
    assert page.problems == []


@pytest.mark.parametrize("presses", [1, 3])
def test_the_guidance_slider_swaps_samples_scores_and_marker(page, server, presses):
    page.goto(f"{server}/{PATH}", wait_until="load")
    figure = _figure(page, "guidance scale")
    start = _state(figure)
    assert start["labels"][0] == "0" and start["title"].startswith("s = 0:")
    _press(page, figure, "Home")
    for _ in range(presses):
        _press(page, figure, "ArrowRight")
    moved = _state(figure)
    label = moved["labels"][presses]
    assert moved["active"] == presses and moved["title"].startswith(f"s = {label}:")
    assert moved["first"] != start["first"]
    assert moved["marker"] == [float(label), float(label)]
    assert page.problems == []
