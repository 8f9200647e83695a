"""Browser tests of chapter 8's side-by-side widget: it must show what the recipe recorded.

The widget draws, for the prompt the reader picks, each model's turn and the gold judge's
verdict from the JSON in the page. These tests pick prompts as a reader would and compare the
cards with that data and with the shipped answers of the recipe.
"""

from __future__ import annotations

import pytest

from stepbytoken.recipes.side_by_side import load_side_by_side

PATH = "chapters/08-raw-model-to-assistant.html"


def _open(open_widget):
    return open_widget(PATH, "side-by-side", ".sbt-sbs-card")


def _cards(widget):
    # the recorded prompts' cards (the live panel below has cards of its own)
    cards = widget.locator(".sbt-output").first.locator(".sbt-sbs-card")
    return [
        {
            "model": cards.nth(i).locator(".sbt-sbs-model").inner_text(),
            "final": cards.nth(i).locator(".sbt-sbs-final").inner_text(),
            "fails": cards.nth(i).locator(".sbt-sbs-fail").count(),
            "score": cards.nth(i).locator(".sbt-sbs-score").inner_text(),
        }
        for i in range(cards.count())
    ]


def test_the_page_offers_every_kind_and_the_shipped_answers(open_widget):
    widget, data = _open(open_widget)
    shipped, _, _ = load_side_by_side()
    kinds = [k for k, _ in data["kinds"]]
    assert kinds == list(dict.fromkeys(r["kind"] for r in shipped))
    for row in data["rows"]:
        assert row in [
            {**r, "answers": {m: r["answers"][m] for m in row["answers"]}}
            for r in shipped
        ]


@pytest.mark.parametrize("pick", [(0, 0), (2, 3), (-1, -1)])
def test_picking_a_prompt_shows_each_models_answer_and_verdict(open_widget, pick):
    widget, data = _open(open_widget)
    kind_index, prompt_index = pick
    kind = data["kinds"][kind_index][0]
    rows = [r for r in data["rows"] if r["kind"] == kind]
    row = rows[prompt_index]
    widget.get_by_label("Task").select_option(kind)
    widget.get_by_label("Prompt").select_option(index=prompt_index % len(rows))
    cards = _cards(widget)
    assert [c["model"] for c in cards] == [label for _, label in data["models"]]
    for (key, _), card in zip(data["models"], cards, strict=True):
        answer = row["answers"][key]
        text = answer["turn"][-1][1] or "(nothing)"
        assert card["final"].strip() == f"assistant: {text}".strip()
        assert card["fails"] == sum(not ok for ok in answer["rules"].values())
        assert card["score"] == f"Judge's score: {answer['score']:.2f}"
    prompt_text = widget.locator(".sbt-sbs-promptbox").inner_text()
    assert row["prompt"][-1][1].split()[0] in prompt_text
