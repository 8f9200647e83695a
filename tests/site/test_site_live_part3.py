"""Browser tests of Part III's live panels: the assistants answer the reader in the page.

Chapters 8, 9, 11 and 13 end their widgets with a panel where the reader asks a question of their
own; the shipped models load with ``gpt.js`` and run through ``chat.js``. Here a headless
Chromium asks, as a reader would (typing, the button or the Enter key), and what the page
shows is compared with what the package computes with PyTorch: chapter 8's three turns
(:func:`~stepbytoken.generation.chat.assistant_turn`, tool calls run), chapter 11's episode
(:func:`~stepbytoken.generation.agent.run_episode`) and chapter 13's answer with its
confidence (:func:`~stepbytoken.evaluation.confidence.answers_with_confidence`). Before the
reader asks, each panel shows the book's own answer and fetches no weights.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from stepbytoken.book.live import LIVE_MODELS
from stepbytoken.evaluation.confidence import (
    answers_with_confidence,
    stop_ids,
    word_confidence,
)
from stepbytoken.generation import generate
from stepbytoken.generation.agent import run_episode
from stepbytoken.generation.chat import assistant_turn
from stepbytoken.recipes.sft import eval_toolbox
from stepbytoken.tokenizers import chat_prompt, message_text
from stepbytoken.world.conversation import Message
from stepbytoken.world.instruction_templates import TOOL_SYSTEM

CH08 = ("chapters/08-raw-model-to-assistant.html", "side-by-side")
CH09 = ("chapters/09-what-the-model-remembers.html", "context-window")
CH11 = ("chapters/11-model-that-acts.html", "episode")
CH13 = ("chapters/13-making-things-up.html", "threshold")
LIVE_TIMEOUT = 120_000  # ms: loading the weights, then every model writing its turn


@functools.cache
def loaded(name: str) -> Any:
    return LIVE_MODELS[name].load()


def _open(open_widget, chapter):
    path, kind = chapter
    widget, data = open_widget(path, kind, ".sbt-live-panel .sbt-live-output")
    return widget, data, widget.locator(".sbt-live-panel")


def _ask(page, panel, question: str, *, enter: bool = False) -> None:
    """Type ``question`` and ask; wait until the panel shows the live answer to it."""
    field = panel.get_by_label("Your question", exact=True).or_(
        panel.get_by_label("Your request", exact=True)
    )
    field.fill(question)
    if enter:
        field.press("Enter")
    else:
        panel.get_by_role("button").click()
    page.wait_for_function(
        "([el, q]) => { const out = el.querySelector('.sbt-live-output');"
        " return (out.getAttribute('data-state') === 'live'"
        " && out.getAttribute('data-question') === q)"
        " || out.getAttribute('data-state') === 'error'; }",
        arg=[panel.element_handle(), question],
        timeout=LIVE_TIMEOUT,
    )
    output = panel.locator(".sbt-live-output")
    status = panel.locator(".sbt-live-status").inner_text()
    assert output.get_attribute("data-state") == "live", status


def _messages(card) -> list[list[str]]:
    """The [role, text] pairs a side-by-side card shows."""
    rows = card.locator(".sbt-sbs-msg")
    out = []
    for i in range(rows.count()):
        role = rows.nth(i).locator(".sbt-sbs-role").inner_text().strip().rstrip(":")
        text = rows.nth(i).locator("span").nth(1).inner_text()
        out.append([role, "" if text == "(nothing)" else text])
    return out


@pytest.mark.parametrize(
    "chapter", [CH08, CH09, CH11, CH13], ids=["ch08", "ch09", "ch11", "ch13"]
)
def test_panels_start_from_the_books_answer_and_fetch_nothing(
    page, open_widget, chapter
):
    fetched = []
    page.on(
        "request", lambda r: r.url.endswith(".safetensors") and fetched.append(r.url)
    )
    _, data, panel = _open(open_widget, chapter)
    output = panel.locator(".sbt-live-output")
    assert output.get_attribute("data-state") == "default"
    live = data["live"]
    text = output.inner_text()
    if chapter is CH08:
        for turn in live["default"].values():
            assert turn[-1][1].split("\n")[0] in text
    elif chapter is CH09:
        assert data["steps"][0]["reply"] in text
    elif chapter is CH11:
        assert live["default"]["frames"][-1]["text"] in text
    else:
        assert live["default"]["answer"] in text
    page.wait_for_timeout(300)
    assert fetched == []
    assert page.problems == []


def _ch08_turns(question: str) -> dict[str, list[list[str]]]:
    box = eval_toolbox()
    turns = {}
    for name in ("base", "sft", "dpo"):
        a = loaded(name)
        turn = assistant_turn(a.model, a.tokenizer, [Message("user", question)], box)
        turns[name] = [[m.role, m.content] for m in turn]
    return turns


def test_chapter_8_models_answer_the_readers_question_as_pytorch(page, open_widget):
    _, data, panel = _open(open_widget, CH08)
    default = data["live"]["question"]
    _ask(page, panel, default)
    cards = {
        name: _messages(panel.locator(f'[data-model="{name}"]'))
        for name in ("base", "sft", "dpo")
    }
    assert cards == data["live"]["default"]  # the browser agrees with the book
    question = "What is 48 * 17? [calc: 48 * 17]"  # a call in the reader's own text
    _ask(page, panel, question)
    expected = _ch08_turns(question)
    for name, turn in expected.items():
        assert _messages(panel.locator(f'[data-model="{name}"]')) == turn, name
    assert page.problems == []


def test_chapter_9_model_answers_at_the_sliders_point_as_pytorch(page, open_widget):
    widget, data, panel = _open(open_widget, CH09)
    slider = widget.get_by_label("Exchanges so far")
    slider.focus()
    slider.press("End")  # the longest conversation: the fact has left the window
    last = data["steps"][-1]
    question = last["messages"][-1][1]
    field = panel.get_by_label("Your question", exact=True)
    assert field.input_value() == question  # the default follows the slider
    assert last["reply"] in panel.locator(".sbt-live-output").inner_text()
    _ask(page, panel, question)
    reply = panel.locator(".sbt-cw-live").inner_text().removeprefix("assistant: ")
    assert reply == last["reply"]  # the browser agrees with the book
    memory = loaded("memory")
    own = "What is the name of the pet of the king?"
    _ask(page, panel, own)
    chat = [Message(m[0], m[1]) for m in last["messages"][:-1]] + [Message("user", own)]
    prompt = chat_prompt(memory.tokenizer, chat)
    assert len(prompt) > memory.model.config.block_size
    end = memory.tokenizer.special_id("<|end|>")
    out = generate(memory.model, prompt, 16, greedy=True, stop_token=end)
    expected = message_text(memory.tokenizer, out[len(prompt) :].tolist())
    reply = panel.locator(".sbt-cw-live").inner_text().removeprefix("assistant: ")
    assert reply == expected
    assert page.problems == []


def _frames(panel) -> list[tuple[str, str, str]]:
    items = panel.locator(".sbt-ep-msg")
    return [
        (
            items.nth(i).locator(".sbt-ep-role").inner_text().strip().rstrip(":"),
            items.nth(i).locator(".sbt-ep-text").inner_text(),
            items.nth(i).get_attribute("data-status"),
        )
        for i in range(items.count())
    ]


def test_chapter_11_agent_runs_the_readers_request_as_pytorch(page, open_widget):
    _, data, panel = _open(open_widget, CH11)
    live = data["live"]
    _ask(page, panel, live["default"]["question"], enter=True)
    assert _frames(panel) == [
        (f["role"], f["text"], f["status"] or "") for f in live["default"]["frames"]
    ]
    agent = loaded("agent")
    box = eval_toolbox()
    for request in ["How old is the husband of Ulla?", "Run [shell: ls] please."]:
        _ask(page, panel, request)
        prompt = [Message("system", TOOL_SYSTEM), Message("user", request)]
        episode = run_episode(agent.model, agent.tokenizer, prompt, box)
        statuses = iter(s.status for s in episode.steps)
        expected = [
            (m.role, m.content, next(statuses) if m.role == "assistant" else "")
            for m in episode.messages
        ]
        assert _frames(panel) == expected
        stop = panel.locator(".sbt-ep-outcome").get_attribute("data-stop")
        assert stop == episode.stop
    assert page.problems == []


def _confidence(panel) -> tuple[str, float]:
    answer = panel.locator(".sbt-th-answer").inner_text().removeprefix("Answer: ")
    pw = float(panel.locator(".sbt-th-confidence").get_attribute("data-pw"))
    return answer, pw


def test_chapter_13_confidence_of_the_readers_question_as_pytorch(page, open_widget):
    widget, data, panel = _open(open_widget, CH13)
    live = data["live"]
    _ask(page, panel, live["question"])
    answer, pw = _confidence(panel)
    assert answer == live["default"]["answer"]
    assert pw == pytest.approx(live["default"]["pw"], rel=1e-4)
    guess = loaded("sft_guess")
    tok = guess.tokenizer
    question = "Where does Edric live?"
    _ask(page, panel, question)
    prompt = chat_prompt(tok, [Message("user", question)])
    expected = answers_with_confidence(guess.model, [prompt], stop_ids(tok))[0]
    answer, pw = _confidence(panel)
    assert answer == message_text(tok, list(expected.ids))
    assert pw == pytest.approx(word_confidence(tok, expected), rel=1e-4)
    # the slider's threshold decides whether the answer is given
    verdict = panel.locator(".sbt-th-verdict")
    slider = widget.get_by_label("Confidence threshold")
    slider.focus()
    slider.press("Home")
    assert verdict.get_attribute("data-kept") == "true"
    slider.press("End")
    last = data["steps"][-1]["threshold"]
    assert verdict.get_attribute("data-kept") == ("true" if pw >= last else "false")
    assert f"{last:.2f}" in verdict.inner_text()
    assert page.problems == []


def test_bad_questions_get_a_clear_message(page, open_widget):
    _, _, panel = _open(open_widget, CH13)
    field = panel.get_by_label("Your question", exact=True)
    output = panel.locator(".sbt-live-output")
    status = panel.locator(".sbt-live-status")
    field.fill("   ")
    panel.get_by_role("button").click()
    assert output.get_attribute("data-state") == "empty"
    assert "Type a question first" in status.inner_text()
    field.fill("Who is <|end|> here?")
    panel.get_by_role("button").click()
    page.wait_for_function(
        "el => el.getAttribute('data-state') === 'error'",
        arg=output.element_handle(),
        timeout=LIVE_TIMEOUT,
    )
    assert "reserved string '<|end|>'" in status.inner_text()
    assert page.problems == []
