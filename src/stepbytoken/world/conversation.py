"""Conversations: messages with roles, the rules a well-formed one follows, and examples.

A conversation is a sequence of :class:`Message` objects. It may open with one ``system``
message; then a ``user`` asks, the ``assistant`` replies, and when the assistant's reply is a
tool call (see :mod:`~stepbytoken.world.tools`) a ``tool`` message brings the result back and
the assistant goes on. :func:`check_conversation` enforces exactly that, so a malformed
conversation fails with an error that names the message at fault. How a conversation becomes
token ids is :mod:`stepbytoken.tokenizers.chat`'s business.

Introduced in chapter 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from stepbytoken.checks import check_choice, check_str
from stepbytoken.world.tools import has_call

__all__ = [
    "RESERVED_STRINGS",
    "ROLES",
    "ChatExample",
    "Message",
    "check_conversation",
    "render_conversation",
]

#: The roles a message may have.
ROLES = ("system", "user", "assistant", "tool")

#: Strings no message may contain: the chat format's special tokens and the corpus's document
#: separator (written out here because this layer cannot import the tokenizers).
RESERVED_STRINGS = (
    "<|endoftext|>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|tool|>",
    "<|end|>",
)

#: Which role may follow which (``None``: the start of the conversation).
_NEXT = {
    None: ("system", "user"),
    "system": ("user",),
    "user": ("assistant",),
    "assistant": ("user", "tool"),
    "tool": ("assistant",),
}


class Message(NamedTuple):
    """One message of a conversation: a role (one of :data:`ROLES`) and its text.

    Examples
    --------
    >>> Message("user", "What is the capital of Varnia?").role
    'user'

    Introduced in chapter 8.
    """

    role: str
    content: str


def check_conversation(messages: Sequence[Message], *, complete: bool = False) -> tuple:
    """Return ``messages`` as a tuple if they form a well-formed conversation, else raise.

    Rules: at least one message; every item a :class:`Message` with a role of :data:`ROLES`
    and non-empty text holding none of :data:`RESERVED_STRINGS`; an optional ``system``
    message first, then ``user``; ``assistant`` answers ``user`` or ``tool``; ``tool``
    answers an assistant message that contains a tool call (``[name: arguments]``, see
    :func:`~stepbytoken.world.tools.has_call`), and every such
    message is answered by ``tool`` unless it is the last one. With ``complete=True`` the
    conversation must also end with an assistant message that is not a tool call.

    Raises
    ------
    TypeError
        If ``messages`` is not a sequence of :class:`Message`, or a content is not a str.
    ValueError
        If a rule above is broken; the message says which message and which rule.

    Examples
    --------
    >>> chat = [Message("user", "Hi."), Message("assistant", "Hello.")]
    >>> len(check_conversation(chat, complete=True))
    2
    >>> check_conversation([Message("assistant", "Hello.")])
    Traceback (most recent call last):
    ...
    ValueError: message 0 has role 'assistant', but a conversation starts with 'system', 'user'

    Introduced in chapter 8.
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(
            f"messages must be a sequence of Message, got {type(messages).__name__}"
        )
    messages = tuple(messages)
    if not messages:
        raise ValueError("a conversation needs at least one message")
    previous = None
    for i, m in enumerate(messages):
        if not isinstance(m, Message):
            raise TypeError(f"message {i} must be a Message, got {type(m).__name__}")
        check_choice(f"the role of message {i}", m.role, ROLES)
        check_str(f"the content of message {i}", m.content, allow_empty=False)
        for reserved in RESERVED_STRINGS:
            if reserved in m.content:
                raise ValueError(
                    f"message {i} contains the reserved string {reserved!r}"
                )
        allowed = _NEXT[previous.role if previous else None]
        if m.role not in allowed:
            names = ", ".join(repr(r) for r in allowed)
            where = (
                f"a conversation starts with {names}"
                if previous is None
                else f"after {previous.role!r} comes {names}"
            )
            raise ValueError(f"message {i} has role {m.role!r}, but {where}")
        calls = (
            previous is not None
            and previous.role == "assistant"
            and has_call(previous.content)
        )
        if m.role == "tool" and not calls:
            raise ValueError(
                f"message {i} is a tool result, but message {i - 1} made no call"
            )
        if m.role == "user" and calls:
            raise ValueError(
                f"message {i - 1} made a tool call, so message {i} must be 'tool'"
            )
        previous = m
    if complete and (previous.role != "assistant" or has_call(previous.content)):
        raise ValueError(
            "a complete conversation ends with an assistant answer, not a call"
        )
    return messages


def render_conversation(messages: Sequence[Message]) -> str:
    """The conversation as readable text, one ``role: content`` paragraph per message.

    Examples
    --------
    >>> print(render_conversation([Message("user", "Hi."), Message("assistant", "Hello.")]))
    user: Hi.
    assistant: Hello.

    Introduced in chapter 8.
    """
    return "\n".join(f"{m.role}: {m.content}" for m in check_conversation(messages))


@dataclass(frozen=True)
class ChatExample:
    """A generated conversation with what a judge needs to score its last answer.

    Attributes
    ----------
    kind : str
        The task family (``"fact"``, ``"format"``, ``"passage"``, ``"tool"``,
        ``"scratchpad"`` or ``"unknown"``; see :mod:`~stepbytoken.world.instructions`).
    prompt : tuple of Message
        The conversation up to and including the user's request.
    reply : tuple of Message
        What follows: the assistant's answer, with any tool calls and results before it.
    answer : str
        The gold answer, the word or number a correct reply must contain
        (``"I don't know"`` for questions nobody can answer).
    constraint : str or None
        The formatting rule the answer must follow (see :data:`CONSTRAINTS` of
        :mod:`~stepbytoken.world.instruction_templates`), if any.
    template : str
        Identifier of the task template the example was written from.
    entities : tuple of str
        Names of the kingdoms, people and towns the example is about.
    truth : str or None
        For questions about entities the model never read about: the fact the world knows,
        if any (so a made-up answer can be compared with it).
    relation : str or None
        The relation asked about (a key of ``RELATIONS``), if the task asks about one.

    Examples
    --------
    >>> ex = ChatExample("fact", (Message("user", "Hi?"),), (Message("assistant", "Hi."),),
    ...                  "Hi", None, "fact/0", ())
    >>> [m.role for m in ex.messages]
    ['user', 'assistant']

    Introduced in chapter 8.
    """

    kind: str
    prompt: tuple[Message, ...]
    reply: tuple[Message, ...]
    answer: str
    constraint: str | None
    template: str
    entities: tuple[str, ...]
    truth: str | None = None
    relation: str | None = None

    @property
    def messages(self) -> tuple[Message, ...]:
        """The whole conversation, ``prompt + reply``."""
        return self.prompt + self.reply

    @property
    def final(self) -> str:
        """The text of the assistant's last message (what a judge scores)."""
        return self.reply[-1].content

    def with_final(self, text: str) -> ChatExample:
        """The same example with the assistant's last message replaced by ``text``."""
        last = Message("assistant", check_str("text", text, allow_empty=False))
        return ChatExample(
            self.kind,
            self.prompt,
            self.reply[:-1] + (last,),
            self.answer,
            self.constraint,
            self.template,
            self.entities,
            self.truth,
            self.relation,
        )
