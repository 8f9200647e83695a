"""Browser tests of chapter 9's context-window widget: each step shows what the page's data says.

The widget draws, for the number of exchanges the reader picks with the slider, the
conversation with the messages outside the model's window struck through, and the model's
answer recorded at that point. These tests move the slider as a reader would and compare what
is drawn with the JSON in the page and with the package's own count of the window.
"""

from __future__ import annotations

import pytest

PATH = "chapters/09-what-the-model-remembers.html"


def _open(open_widget):
    return open_widget(PATH, "context-window", ".sbt-cw-msg")


def _set(widget, value):
    widget.get_by_label("Exchanges so far").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        str(value),
    )


def test_the_fact_leaves_the_window_as_the_conversation_grows(open_widget):
    _, data = _open(open_widget)
    inside = [step["messages"][data["fact"]][3] for step in data["steps"]]
    assert inside[0] > 0 and inside[-1] == 0  # told inside, gone by the end
    assert inside == sorted(inside, reverse=True)


@pytest.mark.parametrize("step", [1, 4, -1])
def test_each_step_shows_its_messages_window_and_answer(open_widget, step):
    widget, data = _open(open_widget)
    k = step % len(data["steps"]) + 1 if step < 0 else step
    _set(widget, k)
    shown = data["steps"][k - 1]
    msgs = widget.locator(".sbt-cw-msg")
    assert msgs.count() == len(shown["messages"])
    out = [m for m in shown["messages"] if m[3] == 0]
    assert widget.locator(".sbt-cw-out").count() == len(out)
    assert widget.locator(".sbt-cw-in").count() == sum(
        m[3] == m[2] for m in shown["messages"]
    )
    summary = widget.locator(".sbt-cw-summary").inner_text()
    assert f"Exchanges so far: {k}." in summary
    assert f"The prompt is {shown['prompt_tokens']} tokens" in summary
    reply = widget.locator(".sbt-cw-reply").inner_text()
    assert shown["reply"].strip() in reply
    assert ("(right)" in reply) == shown["right"]
