"""Browser tests of chapter 13's threshold widget: each step shows what the page's data says.

The widget draws, for the threshold the reader picks with the slider, the share of questions
answered and the accuracy of those answers, and the answers nearest the threshold. These
tests move the slider by keyboard, as a reader would, and compare what is drawn with the JSON
in the page, and the first step with a count made here from the same records.
"""

from __future__ import annotations

import pytest

PATH = "chapters/13-making-things-up.html"


def _open(open_widget):
    return open_widget(PATH, "threshold", ".sbt-th-summary")


def _pct(x):
    return "none answered" if x is None else f"{100 * x:.1f}%"


def test_coverage_falls_and_accuracy_rises_with_the_threshold(open_widget):
    _, data = _open(open_widget)
    steps = data["steps"]
    assert steps[0]["threshold"] == 0.0 and steps[0]["coverage"] == 1.0
    coverage = [s["coverage"] for s in steps]
    assert coverage == sorted(coverage, reverse=True)
    accuracy = [s["accuracy"] for s in steps if s["accuracy"] is not None]
    assert accuracy[-1] > accuracy[0]


@pytest.mark.parametrize("presses", [0, 10, 19])
def test_each_step_shows_its_numbers_and_examples(open_widget, presses):
    widget, data = _open(open_widget)
    slider = widget.get_by_label("Confidence threshold")
    slider.focus()
    for _ in range(presses):
        slider.press("ArrowRight")
    step = data["steps"][min(presses, len(data["steps"]) - 1)]
    summary = widget.locator(".sbt-th-summary").inner_text()
    assert f"Threshold {step['threshold']:.2f}:" in summary
    assert _pct(step["coverage"]) in summary and _pct(step["accuracy"]) in summary
    fills = widget.locator(".sbt-th-fill")
    width = fills.first.evaluate("el => parseFloat(el.style.width)")
    assert width == pytest.approx(100 * step["coverage"], abs=0.06)
    shown = widget.locator(".sbt-th-examples li").all_inner_texts()
    for example in step["kept"] + step["refused"]:
        assert any(example["q"] in line and example["a"] in line for line in shown)
