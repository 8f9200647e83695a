"""Browser tests of chapter 12's prompting widget: each point shows its own prompt and answer.

The widget draws, for the measurement, curve and point the reader picks, the curve's bars with
the point marked, its accuracy and interval, and one prompt of that point with the model's
answer. These tests pick by keyboard and menus and compare what is drawn with the page's JSON.
"""

from __future__ import annotations

import pytest

PATH = "chapters/12-talking-to-an-llm.html"


def _open(open_widget):
    return open_widget(PATH, "prompting", ".sbt-pr-summary")


def _pct(x):
    return f"{100 * x:.1f}%"


@pytest.mark.parametrize(
    ("panel", "series", "presses"), [(0, 0, 0), (0, 2, 3), (2, 0, 4)]
)
def test_a_point_shows_its_accuracy_prompt_and_answer(
    open_widget, panel, series, presses
):
    widget, data = _open(open_widget)
    widget.get_by_label("Measurement").select_option(str(panel))
    widget.get_by_label("Curve").select_option(str(series))
    slider = widget.get_by_label("Point")
    slider.focus()
    for _ in range(presses):
        slider.press("ArrowRight")
    points = data["panels"][panel]["series"][series]["points"]
    point = points[min(presses, len(points) - 1)]
    assert widget.locator(".sbt-pr-bar-row").count() == len(points)
    summary = widget.locator(".sbt-pr-summary").inner_text()
    assert f"= {point['x']}: accuracy {_pct(point['value'])}" in summary
    assert f"{_pct(point['low'])} to {_pct(point['high'])}" in summary
    prompt = widget.locator(".sbt-pr-prompt").inner_text()
    assert prompt == point["prompt"]
    answer = widget.locator(".sbt-pr-answer").inner_text()
    assert f"right answer: {point['gold']}" in answer
    marked = widget.locator(".sbt-pr-bar-row.sbt-chosen").inner_text()
    assert _pct(point["value"]) in marked
