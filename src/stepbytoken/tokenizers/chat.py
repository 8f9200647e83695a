"""The chat format: a conversation as token ids, with role tokens and a loss mask.

Each message becomes ``<|role|>`` + a space + its text + ``<|end|>``, after the corpus's
``<|endoftext|>`` that opens every document::

    <|endoftext|><|user|> What is 17 * 23?<|end|><|assistant|> 391<|end|>

The space makes a message's first word the same tokens as a word in running text: the
reference tokenizer learned ``" The"`` as one token, while ``"The"`` with no space before it
is three (``"T"``, ``"he"`` and nothing like them in the corpus).

The role and end markers are special tokens that :func:`chat_tokenizer` appends after the
reference tokenizer's vocabulary, so the old ids keep their meaning and the model only needs
new embedding rows for the new ones. Text is split at special tokens before BPE runs, so no
merge ever crosses a role boundary. :func:`encode_chat` also returns a mask that marks the
tokens the model is trained to write: the assistant's text and its ``<|end|>``, nothing the
user, the system or a tool wrote.

Introduced in chapter 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_ints
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import ROLES, Message, check_conversation
from stepbytoken.world.corpus import DOC_SEPARATOR

__all__ = [
    "CHAT_TOKENS",
    "END",
    "ROLE_TOKENS",
    "ChatEncoding",
    "chat_prompt",
    "chat_tokenizer",
    "decode_chat",
    "encode_chat",
    "message_text",
]

#: The special token that opens each role's message.
ROLE_TOKENS = {role: f"<|{role}|>" for role in ROLES}
#: What every message's text starts with in the chat format (see the module's docstring).
SPACE = " "
#: The special token that closes every message.
END = "<|end|>"
#: The special tokens the chat format adds, in the order of their new ids.
CHAT_TOKENS = (*ROLE_TOKENS.values(), END)


class ChatEncoding(NamedTuple):
    """Token ids of a conversation and, for each, whether the model learns to write it.

    Introduced in chapter 8.
    """

    token_ids: list[int]
    mask: list[bool]

    def targets(self) -> tuple[list[int], list[int]]:
        """Inputs and next-token targets for training, ``-1`` where the loss ignores a token.

        ``inputs = token_ids[:-1]``; ``targets[t] = token_ids[t + 1]`` if ``mask[t + 1]``,
        else ``-1``
        (the value :class:`~stepbytoken.nn.GPT` leaves out of its loss).

        >>> ChatEncoding([5, 6, 7, 8], [False, False, True, True]).targets()
        ([5, 6, 7], [-1, 7, 8])
        """
        targets = [
            i if m else -1
            for i, m in zip(self.token_ids[1:], self.mask[1:], strict=True)
        ]
        return self.token_ids[:-1], targets


def chat_tokenizer(base: BPETokenizer) -> BPETokenizer:
    """``base`` with the :data:`CHAT_TOKENS` appended as new special tokens.

    Merges, pattern and existing ids stay the same; the new tokens get ids
    ``base.vocab_size``, ``base.vocab_size + 1``, ... A tokenizer that already has all of them
    is returned unchanged.

    Raises
    ------
    TypeError
        If ``base`` is not a :class:`BPETokenizer`.
    ValueError
        If ``base`` has some of the chat tokens but not all, or lacks ``<|endoftext|>``.

    Examples
    --------
    >>> base = BPETokenizer(special_tokens=[DOC_SEPARATOR])
    >>> tok = chat_tokenizer(base)
    >>> tok.vocab_size - base.vocab_size, tok.special_id("<|system|>") == base.vocab_size
    (5, True)

    Introduced in chapter 8.
    """
    if not isinstance(base, BPETokenizer):
        raise TypeError(f"base must be a BPETokenizer, got {type(base).__name__}")
    specials = base.special_tokens
    if DOC_SEPARATOR not in specials:
        raise ValueError(f"base must have the special token {DOC_SEPARATOR!r}")
    present = [t for t in CHAT_TOKENS if t in specials]
    if len(present) == len(CHAT_TOKENS):
        return base
    if present:
        raise ValueError(
            f"base has some chat tokens ({present}) but not all of {CHAT_TOKENS}"
        )
    order = sorted(specials, key=specials.__getitem__)
    merges = [pair for pair, _ in base.merges]
    return BPETokenizer(merges, [*order, *CHAT_TOKENS], base.pattern)


def _ids(tokenizer: BPETokenizer) -> tuple[dict[str, int], int, int]:
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    roles = {role: tokenizer.special_id(t) for role, t in ROLE_TOKENS.items()}
    return roles, tokenizer.special_id(END), tokenizer.special_id(DOC_SEPARATOR)


def encode_chat(tokenizer: BPETokenizer, messages: Sequence[Message]) -> ChatEncoding:
    """Encode a well-formed conversation (see ``check_conversation``) with its loss mask.

    Message texts are encoded as ordinary text (a special-token string inside one is refused
    by the check, never turned into a role marker).

    Raises
    ------
    TypeError, ValueError
        For a tokenizer without the chat tokens (make one with :func:`chat_tokenizer`) or a
        malformed conversation.

    Examples
    --------
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> enc = encode_chat(tok, [Message("user", "Hi"), Message("assistant", "Yo")])
    >>> [tok.token_str(i) for i in enc.token_ids][:6]
    ['<|endoftext|>', '<|user|>', ' ', 'H', 'i', '<|end|>']
    >>> [int(m) for m in enc.mask]
    [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]

    Introduced in chapter 8.
    """
    roles, end, start = _ids(tokenizer)
    ids, mask = [start], [False]
    for m in check_conversation(messages):
        text = tokenizer.encode_ordinary(SPACE + m.content)
        learn = m.role == "assistant"
        ids += [roles[m.role], *text, end]
        mask += [False] + [learn] * (len(text) + 1)
    return ChatEncoding(ids, mask)


def chat_prompt(tokenizer: BPETokenizer, messages: Sequence[Message]) -> list[int]:
    """Ids of a conversation followed by ``<|assistant|>``: where the model starts answering.

    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> tok.decode(chat_prompt(tok, [Message("user", "Hi")]))
    '<|endoftext|><|user|> Hi<|end|><|assistant|>'

    Introduced in chapter 8.
    """
    roles, _, _ = _ids(tokenizer)
    return encode_chat(tokenizer, messages).token_ids + [roles["assistant"]]


def message_text(tokenizer: BPETokenizer, ids: Sequence[int]) -> str:
    """The text of one message from the ids a model wrote after its role token.

    The message ends at the first special token (``<|end|>``, or any other the model wrote
    where it should have ended); the :data:`SPACE` that the format puts before every message
    is dropped.

    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> message_text(tok, tok.encode(" Yo<|user|> Hi"))
    'Yo'

    Introduced in chapter 8.
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    specials = set(tokenizer.special_tokens.values())
    ids = check_ints("ids", ids, minimum=0)
    cut = next((k for k, i in enumerate(ids) if i in specials), len(ids))
    return tokenizer.decode(ids[:cut]).removeprefix(SPACE)


def decode_chat(tokenizer: BPETokenizer, ids: Sequence[int]) -> tuple[Message, ...]:
    """The conversation that ``ids`` encode; the inverse of :func:`encode_chat`.

    Raises
    ------
    ValueError
        If the ids do not follow the format: a role token must open every message and
        ``<|end|>`` close it (an optional ``<|endoftext|>`` may come first), or the messages
        break the rules of a conversation.

    Examples
    --------
    >>> tok = chat_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> chat = (Message("user", "Hi"), Message("assistant", "Yo"))
    >>> decode_chat(tok, encode_chat(tok, chat).token_ids) == chat
    True

    Introduced in chapter 8.
    """
    roles, end, start = _ids(tokenizer)
    role_of = {i: role for role, i in roles.items()}
    ids = [int(i) for i in ids]
    if ids[:1] == [start]:
        ids = ids[1:]
    messages, k = [], 0
    while k < len(ids):
        if ids[k] not in role_of:
            raise ValueError(
                f"token {k} should open a message with a role token, got {ids[k]}"
            )
        try:
            stop = ids.index(end, k + 1)
        except ValueError:
            raise ValueError(f"the message opened at token {k} has no {END}") from None
        body = ids[k + 1 : stop]
        if any(i in role_of or i in (start, end) for i in body):
            raise ValueError(f"the message opened at token {k} holds a special token")
        messages.append(Message(role_of[ids[k]], message_text(tokenizer, body)))
        k = stop + 1
    return check_conversation(messages)
