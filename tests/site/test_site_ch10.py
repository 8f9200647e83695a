"""Browser tests of chapter 10's retrieval widget: what it draws is what the page's data says.

The widget shows, for the question and retriever the reader picks, the chunks found with their
scores, the prompt and the reader's answer. These tests pick as a reader would (by keyboard
on the menus) and compare what is drawn with the JSON in the page, and the prompt with the one
the package itself assembles from the best chunk.
"""

from __future__ import annotations

import pytest

from stepbytoken.generation.retrieval import rag_messages
from stepbytoken.text.chunking import Chunk

PATH = "chapters/10-reading-your-documents.html"


def _open(open_widget):
    return open_widget(PATH, "rag", ".sbt-rag-hit")


@pytest.mark.parametrize(("row", "retriever"), [(0, 0), (5, 1), (-1, 1)])
def test_a_question_shows_its_chunks_prompt_and_answer(open_widget, row, retriever):
    widget, data = _open(open_widget)
    row %= len(data["rows"])
    widget.get_by_label("Question").select_option(str(row))
    widget.get_by_label("Retriever").select_option(str(retriever))
    entry = data["rows"][row]
    shown = entry["retrievers"][data["retrievers"][retriever]]
    hits = widget.locator(".sbt-rag-hit")
    assert hits.count() == len(shown["hits"]) == data["k"]
    for i, (text, doc_id, score, answers) in enumerate(shown["hits"]):
        line = hits.nth(i).inner_text()
        assert text in line and doc_id in line and f"{score:.2f}" in line
        assert ("holds the answer" in line) == answers
    assert widget.locator(".sbt-rag-good").count() == sum(h[3] for h in shown["hits"])
    best = Chunk(shown["hits"][0][1], 0, shown["hits"][0][0])
    expected = rag_messages(entry["question"], [best])[0].content
    assert widget.locator(".sbt-rag-prompt").inner_text() == expected
    reply = widget.locator(".sbt-rag-reply").inner_text()
    assert shown["reply"].strip() in reply
    assert ("(right)" in reply) == shown["right"]


def test_the_keyboard_moves_through_the_questions(open_widget):
    widget, data = _open(open_widget)
    menu = widget.get_by_label("Question")
    menu.focus()
    menu.press("ArrowDown")
    second = data["rows"][1]["retrievers"][data["retrievers"][0]]
    assert (
        widget.locator(".sbt-rag-hit").first.inner_text().count(second["hits"][0][0])
        == 1
    )
