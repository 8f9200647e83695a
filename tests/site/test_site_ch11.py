"""Browser tests of chapter 11's episode stepper: each step shows what the page's data says.

The widget walks through a stored held-out episode message by message, with what the program
did with each call, and the outcome at the last step. These tests press the buttons and pick
episodes by keyboard, and compare what is drawn with the JSON in the page.
"""

from __future__ import annotations

import pytest

PATH = "chapters/11-model-that-acts.html"


def _open(open_widget):
    return open_widget(PATH, "episode", ".sbt-ep-msg")


@pytest.mark.parametrize("index", [0, 5, -1])
def test_stepping_shows_one_more_message_each_time(open_widget, index):
    widget, data = _open(open_widget)
    index %= len(data["episodes"])
    widget.get_by_label("Episode").select_option(str(index))
    episode = data["episodes"][index]
    frames = episode["frames"]
    assert widget.locator(".sbt-output").first.locator(".sbt-ep-msg").count() == 1
    for step in range(1, len(frames)):
        widget.get_by_role("button", name="Next step").click()
        messages = widget.locator(".sbt-output").first.locator(".sbt-ep-msg")
        assert messages.count() == step + 1
        frame = frames[step]
        shown = messages.nth(step).inner_text()
        assert frame["text"] in shown and shown.startswith(frame["role"])
        if frame["note"]:
            assert frame["note"] in shown
    assert widget.get_by_role("button", name="Next step").is_disabled()
    outcome = (
        widget.locator(".sbt-output").first.locator(".sbt-ep-outcome").inner_text()
    )
    assert episode["stop"].replace("_", " ") in outcome
    assert (
        "sbt-ep-right"
        in widget.locator(".sbt-output")
        .first.locator(".sbt-ep-outcome")
        .get_attribute("class")
    ) == (episode["outcome"] == "correct")
    widget.get_by_role("button", name="Previous step").click()
    assert (
        widget.locator(".sbt-output").first.locator(".sbt-ep-msg").count()
        == len(frames) - 1
    )


def test_the_stored_episodes_mix_right_and_wrong(open_widget):
    _, data = _open(open_widget)
    outcomes = {e["outcome"] for e in data["episodes"]}
    assert "correct" in outcomes and len(outcomes) > 1
