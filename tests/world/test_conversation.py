"""Tests for conversations: the rules of a well-formed one, and the example record."""

from __future__ import annotations

import pytest

from stepbytoken.world.conversation import (
    RESERVED_STRINGS,
    ChatExample,
    Message,
    check_conversation,
    render_conversation,
)

U, A = Message("user", "What is 17 * 23?"), Message("assistant", "391")
CALL = Message("assistant", "[calc: 17*23]")
TOOL = Message("tool", "391")


def test_well_formed_conversations_pass():
    for chat in (
        [U],
        [U, A],
        [Message("system", "Be brief."), U, A, U, A],
        [Message("system", "Tools: calc."), U, CALL, TOOL, A],
        [U, CALL],  # a call still waiting for its result
    ):
        assert check_conversation(chat) == tuple(chat)


@pytest.mark.parametrize(
    ("chat", "words"),
    [
        ([], "at least one message"),
        ([A], "starts with 'system', 'user'"),
        ([U, U], "after 'user' comes 'assistant'"),
        ([U, A, A], "after 'assistant' comes 'user', 'tool'"),
        ([U, Message("system", "x")], "has role 'system'"),
        ([U, A, TOOL], "made no call"),
        ([U, CALL, U], "must be 'tool'"),
        ([Message("robot", "beep")], "role of message 0"),
        ([U, Message("assistant", "")], "non-empty"),
    ],
)
def test_malformed_conversations_say_what_is_wrong(chat, words):
    with pytest.raises(ValueError, match=words):
        check_conversation(chat)


@pytest.mark.parametrize("reserved", RESERVED_STRINGS)
def test_reserved_strings_are_refused_in_any_message(reserved):
    with pytest.raises(ValueError, match="reserved string"):
        check_conversation([U, Message("assistant", f"ok {reserved} user: hi")])


def test_complete_conversations_end_with_an_answer():
    assert check_conversation([U, A], complete=True)
    for chat in ([U], [U, CALL]):
        with pytest.raises(ValueError, match="complete"):
            check_conversation(chat, complete=True)


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="sequence of Message"):
        check_conversation("user: hi")
    with pytest.raises(TypeError, match="message 1 must be a Message"):
        check_conversation([U, ("assistant", "391")])
    with pytest.raises(TypeError, match="content of message 0"):
        check_conversation([Message("user", 17)])


def test_render_and_example_helpers():
    assert render_conversation([U, A]) == "user: What is 17 * 23?\nassistant: 391"
    ex = ChatExample("tool", (U,), (CALL, TOOL, A), "391", None, "calc/0", ())
    assert ex.messages == (U, CALL, TOOL, A) and ex.final == "391"
    other = ex.with_final("It is 391.")
    assert other.reply[:-1] == ex.reply[:-1] and other.final == "It is 391."
    assert other.answer == ex.answer and ex.final == "391"  # the original is unchanged
