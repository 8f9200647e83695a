"""Thinking before answering: a thought between markers, cut at a budget, then the answer.

A thinker writes its steps between two special tokens before it answers::

    <|endoftext|><|user|> What is 23 + 48?<|end|><|assistant|><|think|> 3 + 8 = 11, ...
    So 71.<|/think|> 71<|end|>

:func:`thinking_tokenizer` adds ``<|think|>`` and ``<|/think|>`` to the chat tokenizer, so
no merge crosses them, and :func:`encode_thinking` writes a training example with the loss
on everything after ``<|assistant|>``. A *direct* answerer is trained on the same problems
with the answer alone (``thought=None``).

At test time the thought is written first (:func:`write_thoughts`) and the answer read after
it (:func:`answer_after`). Because the answer is asked for only once ``<|/think|>`` is in
the context, the thinking can be stopped at any length: cut the thought at ``budget`` tokens,
append ``<|/think|>`` and let the model answer (:func:`think`). Sequences of the same length
are generated together, as one batch.

Introduced in chapter 17.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import torch

from stepbytoken.checks import check_bool, check_int, check_strings
from stepbytoken.generation.generate import generate
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.chat import (
    END,
    SPACE,
    ChatEncoding,
    chat_prompt,
    chat_tokenizer,
)
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import Message

__all__ = [
    "THINK",
    "THINK_END",
    "THINK_TOKENS",
    "Answer",
    "answer_after",
    "encode_thinking",
    "think",
    "thinking_prompt",
    "thinking_tokenizer",
    "write_thoughts",
]

#: The special token that opens a thought.
THINK = "<|think|>"
#: The special token that closes a thought; the answer comes after it.
THINK_END = "<|/think|>"
#: The special tokens :func:`thinking_tokenizer` adds after the chat tokens.
THINK_TOKENS = (THINK, THINK_END)

#: Tokens an answer may take (the longest answers are five-digit sums).
MAX_ANSWER_TOKENS = 8


class Answer(NamedTuple):
    """What a model answered, and how many tokens the whole exchange took.

    Introduced in chapter 17.

    Fields:

    text : str
        The answer: the text between ``<|/think|>`` (or ``<|assistant|>``) and ``<|end|>``.
    thought_tokens : int
        Tokens of thought read before answering (0 for a direct answer).
    tokens : int
        Every token the model processed: the prompt, the thought with its markers, and the
        answer with its ``<|end|>``.
    """

    text: str
    thought_tokens: int
    tokens: int


def thinking_tokenizer(base: BPETokenizer) -> BPETokenizer:
    """The chat tokenizer of ``base`` with :data:`THINK_TOKENS` appended as special tokens.

    Old ids keep their meaning; a tokenizer that already has the tokens comes back unchanged.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.world.corpus import DOC_SEPARATOR
    >>> base = BPETokenizer(special_tokens=[DOC_SEPARATOR])
    >>> tok = thinking_tokenizer(base)
    >>> tok.vocab_size - base.vocab_size, tok.encode("<|think|>x<|/think|>")
    (7, [262, 120, 263])
    """
    chat = chat_tokenizer(base)
    specials = chat.special_tokens
    if all(t in specials for t in THINK_TOKENS):
        return chat
    order = sorted(specials, key=specials.__getitem__)
    return BPETokenizer(
        [p for p, _ in chat.merges], [*order, *THINK_TOKENS], chat.pattern
    )


def _ids(tokenizer: BPETokenizer) -> tuple[int, int, int]:
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    specials = tokenizer.special_tokens
    missing = [t for t in (*THINK_TOKENS, END) if t not in specials]
    if missing:
        raise ValueError(
            f"tokenizer lacks the special tokens {missing}; make it with thinking_tokenizer"
        )
    return specials[THINK], specials[THINK_END], specials[END]


def thinking_prompt(
    tokenizer: BPETokenizer, question: str, *, think: bool = True
) -> list[int]:
    """Ids of ``question`` in the chat format, up to ``<|assistant|>`` and ``<|think|>``.

    With ``think=False`` the prompt stops after ``<|assistant|>``, where a direct answerer
    starts.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.world.corpus import DOC_SEPARATOR
    >>> tok = thinking_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> tok.decode(thinking_prompt(tok, "Hi"))
    '<|endoftext|><|user|> Hi<|end|><|assistant|><|think|>'
    """
    open_id, _, _ = _ids(tokenizer)
    check_strings("question", [question], allow_empty=False)
    check_bool("think", think)
    ids = chat_prompt(tokenizer, [Message("user", question)])
    return ids + [open_id] if think else ids


def encode_thinking(
    tokenizer: BPETokenizer, question: str, answer: str, thought: str | None = None
) -> ChatEncoding:
    """A training example: the question, then the thought (if any) and the answer to learn.

    The loss mask covers everything after ``<|assistant|>``: the markers, the thought, the
    answer and ``<|end|>``. With ``thought=None`` the example is a direct answer.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.world.corpus import DOC_SEPARATOR
    >>> tok = thinking_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> enc = encode_thinking(tok, "Q", "7", "3+4")
    >>> tok.decode(enc.token_ids)
    '<|endoftext|><|user|> Q<|end|><|assistant|><|think|> 3+4<|/think|> 7<|end|>'
    >>> sum(enc.mask), len(encode_thinking(tok, "Q", "7").token_ids)
    (9, 9)
    """
    open_id, close_id, end_id = _ids(tokenizer)
    check_strings("answer", [answer], allow_empty=False)
    prompt = thinking_prompt(tokenizer, question, think=False)
    reply = tokenizer.encode_ordinary(SPACE + answer) + [end_id]
    if thought is not None:
        check_strings("thought", [thought], allow_empty=False)
        words = tokenizer.encode_ordinary(SPACE + thought)
        reply = [open_id, *words, close_id, *reply]
    return ChatEncoding(prompt + reply, [False] * len(prompt) + [True] * len(reply))


def _batched(
    model: LanguageModel,
    prompts: list[list[int]],
    max_new_tokens: int,
    stop: int,
    *,
    greedy: bool,
    temperature: float,
    generator: torch.Generator | None,
) -> list[list[int]]:
    """New ids after each prompt, up to (without) ``stop``; equal-length prompts batched."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(prompts):
        groups[len(p)].append(i)
    out: list[list[int]] = [[] for _ in prompts]
    for length in sorted(groups):
        rows = groups[length]
        room = min(max_new_tokens, model.block_size - length)
        if room <= 0:
            continue
        idx = torch.tensor([prompts[i] for i in rows])  # (B, T)
        new = generate(
            model,
            idx,
            room,
            greedy=greedy,
            temperature=temperature,
            generator=generator,
            stop_token=stop,
        )[:, length:]  # (B, T + n) -> (B, n)
        for i, ids in zip(rows, new.tolist(), strict=True):
            out[i] = ids[: ids.index(stop)] if stop in ids else ids
    return out


def write_thoughts(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    questions: Sequence[str],
    *,
    max_tokens: int = 96,
    greedy: bool = True,
    temperature: float = 1.0,
    seed: int = 0,
) -> list[list[int]]:
    """The ids of the thought a model writes after each question, at most ``max_tokens``.

    A thought ends where the model writes ``<|/think|>`` or any other special token (which is
    not included), or at ``max_tokens``.

    Introduced in chapter 17.

    Parameters
    ----------
    model : LanguageModel
        A model trained on :func:`encode_thinking` examples.
    tokenizer : BPETokenizer
        Its :func:`thinking_tokenizer`.
    questions : sequence of str
        The questions.
    max_tokens : int, default 96
        The longest thought (>= 0).
    greedy, temperature, seed
        Greedy decoding, or sampling at ``temperature`` from a generator seeded with ``seed``.
    """
    check_language_model(model)
    _, close_id, _ = _ids(tokenizer)
    questions = check_strings("questions", questions, allow_empty=False)
    max_tokens = check_int("max_tokens", max_tokens, minimum=0)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    prompts = [thinking_prompt(tokenizer, q) for q in questions]
    if max_tokens == 0:
        return [[] for _ in prompts]
    specials = set(tokenizer.special_tokens.values())
    thoughts = _batched(
        model,
        prompts,
        max_tokens,
        close_id,
        greedy=check_bool("greedy", greedy),
        temperature=temperature,
        generator=generator,
    )
    return [
        t[: next((k for k, i in enumerate(t) if i in specials), len(t))]
        for t in thoughts
    ]


def answer_after(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    questions: Sequence[str],
    thoughts: Sequence[Sequence[int]] | None = None,
) -> list[Answer]:
    """The greedy answer after each question and thought (closed with ``<|/think|>``).

    With ``thoughts=None`` the model answers directly after ``<|assistant|>``.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> from stepbytoken.world.corpus import DOC_SEPARATOR
    >>> tok = thinking_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=32, n_layer=1,
    ...                       n_head=1, d_model=8))
    >>> [a.thought_tokens for a in answer_after(model, tok, ["Hi", "Yo"], [[104], []])]
    [1, 0]
    """
    check_language_model(model)
    _, close_id, end_id = _ids(tokenizer)
    questions = check_strings("questions", questions, allow_empty=False)
    if thoughts is None:
        prompts = [thinking_prompt(tokenizer, q, think=False) for q in questions]
        used = [0] * len(questions)
    else:
        if len(thoughts) != len(questions):
            raise ValueError(
                f"thoughts must have one entry per question ({len(questions)}), "
                f"got {len(thoughts)}"
            )
        cut = [_thought_ids(f"thoughts[{k}]", t) for k, t in enumerate(thoughts)]
        prompts = [
            thinking_prompt(tokenizer, q) + t + [close_id]
            for q, t in zip(questions, cut, strict=True)
        ]
        used = [len(t) for t in cut]
    replies = _batched(
        model,
        prompts,
        MAX_ANSWER_TOKENS,
        end_id,
        greedy=True,
        temperature=1.0,
        generator=None,
    )
    specials = set(tokenizer.special_tokens.values())
    out = []
    for prompt, reply, n in zip(prompts, replies, used, strict=True):
        cut_at = next((k for k, i in enumerate(reply) if i in specials), len(reply))
        text = tokenizer.decode(reply[:cut_at]).strip()
        out.append(Answer(text, n, len(prompt) + len(reply) + 1))
    return out


def _thought_ids(name: str, ids: object) -> list[int]:
    """``ids`` as a list of non-negative ints (a thought's ids), or a clear error."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise TypeError(
            f"{name} must be a sequence of token ids, got {type(ids).__name__}"
        )
    return [check_int(f"{name}[{k}]", i, minimum=0) for k, i in enumerate(ids)]


def think(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    questions: Sequence[str],
    *,
    budget: int = 96,
) -> list[tuple[str, Answer]]:
    """Think greedily for at most ``budget`` tokens, then answer: ``(thought, answer)`` pairs.

    A thought still going at ``budget`` tokens is cut there, ``<|/think|>`` is appended, and
    the model must answer with what it has written so far.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> from stepbytoken.world.corpus import DOC_SEPARATOR
    >>> tok = thinking_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=32, n_layer=1,
    ...                       n_head=1, d_model=8))
    >>> [answer.thought_tokens for _, answer in think(model, tok, ["Hi"], budget=3)]
    [3]
    """
    thoughts = write_thoughts(model, tokenizer, questions, max_tokens=budget)
    answers = answer_after(model, tokenizer, questions, thoughts)
    return [
        (tokenizer.decode(t).strip(), a) for t, a in zip(thoughts, answers, strict=True)
    ]
