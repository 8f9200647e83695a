"""Fitting a long conversation into the context window: three ways to shorten it.

A conversation longer than the model's ``block_size`` must lose something. Each strategy takes
the messages and a budget (the most tokens the chat prompt may have) and returns a shorter,
well-formed conversation that ends with the same request:

- :func:`truncate` keeps the most recent turns that fit;
- :func:`sliding_window` keeps the first turn (the system message, or the first exchange),
  then the most recent turns that fit beside it;
- :func:`summarise` replaces the turns that do not fit by a one-message summary, then keeps
  the most recent turns that fit. A model this small cannot write summaries, so the summary
  is extractive, by a rule: the user's statements (sentences ending in a full stop that name
  someone or somewhere, i.e. hold a capitalised word after their first), nothing else.

A turn starts at a user message and runs to the next one; cuts fall between turns only, so
no strategy separates an answer from its question or a tool result from its call.

Introduced in chapter 9.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from stepbytoken.checks import check_int
from stepbytoken.tokenizers.chat import chat_prompt
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import Message, check_conversation

__all__ = [
    "STRATEGIES",
    "SUMMARY_ACK",
    "SUMMARY_PREFIX",
    "prompt_length",
    "sliding_window",
    "summarise",
    "truncate",
    "user_statements",
]

#: How the summary message starts, and the assistant's reply to it.
SUMMARY_PREFIX = "Remember this:"
SUMMARY_ACK = "Noted."


def prompt_length(tokenizer: BPETokenizer, messages: Sequence[Message]) -> int:
    """Tokens of the chat prompt of ``messages`` (``<|assistant|>`` at the end included).

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=["<|endoftext|>"]))
    >>> prompt_length(tok, [Message("user", "Hi")])
    7

    Introduced in chapter 9.
    """
    return len(chat_prompt(tokenizer, messages))


def _check(
    tokenizer: object, messages: object, budget: object
) -> tuple[tuple[Message, ...], int]:
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    chat = check_conversation(messages)  # type: ignore[arg-type]
    if chat[-1].role != "user":
        raise ValueError(
            f"the conversation must end with the user's request, got {chat[-1].role!r}"
        )
    return chat, check_int("budget", budget, minimum=1)


def _turn_starts(chat: Sequence[Message]) -> list[int]:
    """Indices of the user messages: where a cut may fall."""
    return [i for i, m in enumerate(chat) if m.role == "user"]


def _recent(
    tokenizer: BPETokenizer,
    head: tuple[Message, ...],
    chat: tuple[Message, ...],
    budget: int,
) -> tuple[Message, ...] | None:
    """``head`` and the longest tail of whole turns of ``chat`` that fit; None if none does."""
    for start in sorted({0, *_turn_starts(chat)}):  # the whole, then shorter tails
        if prompt_length(tokenizer, head + chat[start:]) <= budget:
            return head + chat[start:]
    return None


def _too_long(tokenizer: BPETokenizer, chat: tuple[Message, ...], budget: int) -> str:
    last = prompt_length(tokenizer, chat[_turn_starts(chat)[-1] :])
    return f"the last turn alone is {last} tokens, over the budget of {budget}"


def truncate(
    tokenizer: BPETokenizer, messages: Sequence[Message], budget: int
) -> tuple[Message, ...]:
    """The most recent whole turns whose chat prompt fits in ``budget`` tokens.

    Parameters
    ----------
    tokenizer
        The chat tokenizer that counts the tokens.
    messages
        A well-formed conversation ending with a user message.
    budget
        The most tokens the shortened conversation's chat prompt may have (>= 1).

    Returns
    -------
    tuple of Message
        ``messages`` itself if it fits.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a last turn that alone is over the budget.

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=["<|endoftext|>"]))
    >>> chat = [Message("user", "A."), Message("assistant", "B."), Message("user", "C?")]
    >>> [m.content for m in truncate(tok, chat, 10)]
    ['C?']

    Introduced in chapter 9.
    """
    chat, budget = _check(tokenizer, messages, budget)
    kept = _recent(tokenizer, (), chat, budget)
    if kept is None:
        raise ValueError(_too_long(tokenizer, chat, budget))
    return kept


def sliding_window(
    tokenizer: BPETokenizer, messages: Sequence[Message], budget: int
) -> tuple[Message, ...]:
    """The first turn, then the most recent whole turns that fit beside it in ``budget``.

    The first turn is the system message if there is one, else the first user message with
    its answer. If it does not fit beside the last turn, the result is :func:`truncate`'s.

    Parameters, Returns and Raises are those of :func:`truncate`.

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=["<|endoftext|>"]))
    >>> chat = [Message("user", "A."), Message("assistant", "B."),
    ...         Message("user", "C."), Message("assistant", "D."), Message("user", "E?")]
    >>> [m.content for m in sliding_window(tok, chat, 24)]
    ['A.', 'B.', 'E?']

    Introduced in chapter 9.
    """
    chat, budget = _check(tokenizer, messages, budget)
    if prompt_length(tokenizer, chat) <= budget:
        return chat
    starts = _turn_starts(chat)
    if chat[0].role == "system":
        first_end = 1
    else:  # the first user message and its answer, if another turn follows
        first_end = starts[1] if len(starts) > 1 else 0
    if first_end > 0:
        kept = _recent(tokenizer, chat[:first_end], chat[first_end:], budget)
        if kept is not None:
            return kept
    return truncate(tokenizer, chat, budget)


_SENTENCE = re.compile(r"[^.!?]+[.!?]")


def user_statements(messages: Sequence[Message]) -> list[str]:
    """The user's statements of fact: the summary rule of :func:`summarise`.

    Sentences of the user's messages that end with a full stop and hold a capitalised word
    after their first (a name), with a leading ``"Remember this:"`` removed. Questions and
    bare instructions ("Answer in one word.") are left out.

    Examples
    --------
    >>> user_statements([Message("user", "Remember this: Ida lives in Immer."),
    ...                  Message("assistant", "Noted."),
    ...                  Message("user", "I have a question. Where does Gorm live?")])
    ['Ida lives in Immer.']

    Introduced in chapter 9.
    """
    statements = []
    for m in check_conversation(messages):
        if m.role != "user":
            continue
        for sentence in _SENTENCE.findall(m.content):
            sentence = sentence.strip()
            if sentence.startswith(SUMMARY_PREFIX):
                sentence = sentence[len(SUMMARY_PREFIX) :].strip()
            words = sentence.split()
            if sentence.endswith(".") and any(w[0].isupper() for w in words[1:]):
                statements.append(sentence)
    return statements


def summarise(
    tokenizer: BPETokenizer, messages: Sequence[Message], budget: int
) -> tuple[Message, ...]:
    """The turns that do not fit replaced by a summary of the user's statements in them.

    The summary is one user message, ``"Remember this: "`` followed by
    :func:`user_statements` of the dropped turns, answered by ``"Noted."``; then the most
    recent whole turns that fit beside it. With no statements to keep, or no room for the
    summary, the result is :func:`truncate`'s.

    Parameters, Returns and Raises are those of :func:`truncate`.

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=["<|endoftext|>"]))
    >>> chat = [Message("user", "Hi. Ida lives in Immer."), Message("assistant", "Ok."),
    ...         Message("user", "Where is Immer?"), Message("assistant", "In Varnia."),
    ...         Message("user", "Where does Ida live?")]
    >>> [m.content for m in summarise(tok, chat, 80)]
    ['Remember this: Ida lives in Immer.', 'Noted.', 'Where does Ida live?']

    Introduced in chapter 9.
    """
    chat, budget = _check(tokenizer, messages, budget)
    kept = _recent(tokenizer, (), chat, budget)
    if kept is not None and len(kept) == len(chat):
        return chat
    for start in _turn_starts(chat)[1:]:  # drop as little as possible
        statements = user_statements(chat[:start])
        if not statements:
            continue
        summary = (
            Message("user", f"{SUMMARY_PREFIX} {' '.join(statements)}"),
            Message("assistant", SUMMARY_ACK),
        )
        if prompt_length(tokenizer, summary + chat[start:]) <= budget:
            return summary + chat[start:]
    return truncate(tokenizer, chat, budget)


#: The strategies by name.
STRATEGIES: dict[
    str, Callable[[BPETokenizer, Sequence[Message], int], tuple[Message, ...]]
] = {
    "truncate": truncate,
    "sliding window": sliding_window,
    "summarise": summarise,
}
