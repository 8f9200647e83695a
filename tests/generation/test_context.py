"""Tests for the context strategies: each fits the budget, keeps the request, cuts whole turns."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.generation.context import (
    STRATEGIES,
    SUMMARY_ACK,
    prompt_length,
    sliding_window,
    summarise,
    truncate,
    user_statements,
)
from stepbytoken.tokenizers import BPETokenizer, chat_prompt, chat_tokenizer
from stepbytoken.world.conversation import Message, check_conversation

TOK = chat_tokenizer(BPETokenizer(special_tokens=["<|endoftext|>"]))

words = st.sampled_from(["Ida", "lives", "in", "Immer", "the", "cat", "is", "Tolm"])
sentence = st.builds(
    lambda ws, end: " ".join(ws) + end,
    st.lists(words, min_size=1, max_size=5),
    st.sampled_from([".", "?"]),
)


@st.composite
def conversations(draw):
    n = draw(st.integers(1, 6))
    chat = []
    if draw(st.booleans()):
        chat.append(Message("system", draw(sentence)))
    for i in range(n):
        chat.append(Message("user", draw(sentence)))
        if i < n - 1:
            chat.append(Message("assistant", draw(sentence)))
    return tuple(chat)


def brute_truncate(chat, budget):
    """The whole, or the longest suffix from a user message, that fits: every one tried."""
    fits = [
        chat[i:]
        for i, m in enumerate(chat)
        if (i == 0 or m.role == "user") and len(chat_prompt(TOK, chat[i:])) <= budget
    ]
    return max(fits, key=len) if fits else None


@settings(max_examples=60, deadline=None)
@given(conversations(), st.integers(1, 400))
def test_truncate_matches_brute_force(chat, budget):
    expected = brute_truncate(chat, budget)
    if expected is None:
        with pytest.raises(ValueError, match="over the budget"):
            truncate(TOK, chat, budget)
    else:
        assert truncate(TOK, chat, budget) == expected


@settings(max_examples=60, deadline=None)
@given(conversations(), st.integers(1, 400))
def test_every_strategy_fits_and_keeps_the_request(chat, budget):
    for name, strategy in STRATEGIES.items():
        if brute_truncate(chat, budget) is None:
            with pytest.raises(ValueError):
                strategy(TOK, chat, budget)
            continue
        short = strategy(TOK, chat, budget)
        check_conversation(short)
        assert prompt_length(TOK, short) <= budget, name
        assert short[-1] == chat[-1], name
        if prompt_length(TOK, chat) <= budget:
            assert short == chat, name
        if name == "truncate":
            continue
        if short == truncate(TOK, chat, budget):
            continue
        # else: the first turn or a summary, then the end of the conversation
        if name == "summarise":
            head = short[:2]
            assert head[0].content.startswith("Remember this:")
            assert head[1].content == SUMMARY_ACK
        else:
            head = short[: 1 if chat[0].role == "system" else 2]
            assert head == chat[: len(head)]
        tail = short[len(head) :]
        assert tail == chat[len(chat) - len(tail) :]


def _chat():
    return (
        Message("user", "Hello."),
        Message("assistant", "Hi."),
        Message("user", "Remember this: Ida lives in Immer."),
        Message("assistant", "Noted."),
        Message("user", "Where is Tolm?"),
        Message("assistant", "Tolm is in Varnia."),
        Message("user", "Where does Ida live?"),
    )


def test_the_three_strategies_on_one_conversation():
    chat = _chat()
    budget = prompt_length(TOK, chat) - 1
    assert truncate(TOK, chat, budget) == chat[2:]
    small = prompt_length(TOK, chat[4:])
    assert truncate(TOK, chat, small) == chat[4:]
    first = chat[:2] + chat[-1:]
    assert sliding_window(TOK, chat, prompt_length(TOK, first)) == first
    assert sliding_window(TOK, chat, prompt_length(TOK, chat[:2] + chat[4:])) == (
        chat[:2] + chat[4:]
    )
    summary = summarise(TOK, chat, prompt_length(TOK, chat[2:]) + 2)
    assert summary[0].content == "Remember this: Ida lives in Immer."
    assert summary[1].content == SUMMARY_ACK and summary[2:] == chat[4:]
    # with no room for the summary, summarise truncates
    assert summarise(TOK, chat, small) == chat[4:]


def test_sliding_window_keeps_a_system_message():
    chat = (Message("system", "Be brief."), *_chat())
    kept = sliding_window(TOK, chat, prompt_length(TOK, chat[:1] + chat[-1:]))
    assert kept == chat[:1] + chat[-1:]


def test_user_statements_keep_named_statements_only():
    chat = [
        Message("user", "I have a question. Remember this: Ida lives in Immer."),
        Message("assistant", "Gorm lives in Tolm."),
        Message("user", "Answer in one word. Where does Ida live? Gorm lives in Tolm."),
    ]
    assert user_statements(chat) == ["Ida lives in Immer.", "Gorm lives in Tolm."]


def test_bad_arguments_are_refused():
    chat = _chat()
    with pytest.raises(TypeError, match="tokenizer"):
        truncate(None, chat, 10)
    with pytest.raises(ValueError, match="budget"):
        sliding_window(TOK, chat, 0)
    with pytest.raises(ValueError, match="end with the user"):
        summarise(TOK, chat[:-1], 100)
    with pytest.raises(TypeError):
        truncate(TOK, "Hello", 100)
