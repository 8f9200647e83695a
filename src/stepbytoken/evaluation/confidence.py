"""How sure a model is of its answers: the probability of what it wrote, and agreement.

A language model always ends in a distribution over the next token, about things it knows and
about things it never read of alike. :func:`answers_with_confidence` writes a model's greedy
answer to each prompt and records the **confidence** of that answer: the probability the model
gave to the very tokens it wrote, stop token included (the product of one probability per
token). In a templated answer ("Rhea has a duck.") nearly all of that uncertainty sits on the
answer word. :func:`sample_agreement` gives a second signal, with no access to
probabilities: the share of ``k`` sampled answers identical to the greedy one.
:func:`answer_records` asks the small world's questions and grades the answers with the judge.

Introduced in chapter 13.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import torch

from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_ints,
    check_str,
)
from stepbytoken.evaluation.facts import question_prompt
from stepbytoken.evaluation.judge import judge
from stepbytoken.nn import GPT
from stepbytoken.nn.interface import check_language_model, eval_mode
from stepbytoken.tokenizers import BPETokenizer, chat_prompt, message_text
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.facts import RELATIONS, Fact

__all__ = [
    "MAX_NEW_TOKENS",
    "Answer",
    "answer_pattern",
    "answer_records",
    "answers_with_confidence",
    "is_refusal",
    "sample_agreement",
    "stop_ids",
    "word_confidence",
]

#: Longest answer, in tokens, that :func:`answer_records` lets a model write.
MAX_NEW_TOKENS = 24

_DONT_KNOW = re.compile(r"\bdon'?t know\b", re.I)


class Answer(NamedTuple):
    """A written answer: its token ids (stop token excluded) and the model's confidence.

    ``probs`` holds the probability of each token of ``ids``; ``confidence`` is the product
    of the probabilities of the tokens written, the stop token included when it came.

    Introduced in chapter 13.
    """

    ids: tuple[int, ...]
    probs: tuple[float, ...]
    confidence: float


def _check_prompts(prompts: object, vocab_size: int, block_size: int | None) -> list:
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, Sequence):
        raise TypeError(
            f"prompts must be a sequence of token-id lists, got {type(prompts).__name__}"
        )
    out = []
    for i, ids in enumerate(prompts):
        ids = check_ints(f"prompts[{i}]", ids, minimum=0, maximum=vocab_size - 1)
        if not ids:
            raise ValueError(f"prompts[{i}] must hold at least one token id")
        if block_size is not None and len(ids) >= block_size:
            raise ValueError(
                f"prompts[{i}] is {len(ids)} tokens, and the model reads at most "
                f"{block_size}: leave room for the answer"
            )
        out.append(ids)
    return out


@torch.no_grad()
def _decode(
    model, rows: torch.Tensor, stop: set[int], budget: int, generator
) -> list[Answer]:
    """Greedy (``generator`` None) or sampled answers of a batch of equal-length prompts.

    Rows that have written a stop token leave the batch, so the others run alone.
    """
    written: list[list[int]] = [[] for _ in range(rows.shape[0])]
    token_probs: list[list[float]] = [[] for _ in range(rows.shape[0])]
    logp = [0.0] * rows.shape[0]
    active = list(range(rows.shape[0]))
    for _ in range(budget):
        window = rows if model.block_size is None else rows[:, -model.block_size :]
        logits, _ = model(window)
        probs = torch.softmax(logits[:, -1].double(), dim=-1)  # (B, vocab_size)
        if generator is None:
            nxt = probs.argmax(dim=-1)
        else:
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        chosen = probs.gather(1, nxt[:, None]).squeeze(1).tolist()
        keep = []
        for j, (b, token) in enumerate(zip(active, nxt.tolist(), strict=True)):
            logp[b] += math.log(chosen[j])
            if token in stop:
                continue
            written[b].append(token)
            token_probs[b].append(chosen[j])
            keep.append(j)
        if not keep:
            break
        rows = torch.cat([rows, nxt[:, None]], dim=1)[keep]  # (B, T) -> (B', T + 1)
        active = [active[j] for j in keep]
    return [
        Answer(tuple(w), tuple(p), math.exp(lp))
        for w, p, lp in zip(written, token_probs, logp, strict=True)
    ]


def answers_with_confidence(
    model: torch.nn.Module,
    prompts: Sequence[Sequence[int]],
    stop_ids: Sequence[int],
    *,
    max_new_tokens: int = 24,
) -> list[Answer]:
    """The greedy answer to each prompt, with the probability the model gave to it.

    Decoding stops at the first token of ``stop_ids`` (``<|end|>`` for a chat model; any
    token holding a newline for the corpus's ``Q: ... A:`` format), after ``max_new_tokens``
    tokens, or at the model's context; prompts of equal length run as one batch.

    Introduced in chapter 13.

    Parameters
    ----------
    model : LanguageModel
        Any model of the book.
    prompts : sequence of sequences of int
        Token ids, each shorter than the model's ``block_size``.
    stop_ids : sequence of int
        Token ids that end an answer.
    max_new_tokens : int, default 24
        The longest answer, in tokens.

    Returns
    -------
    list of Answer
        One per prompt, in order.

    Raises
    ------
    TypeError, ValueError
        For a bad model, prompts, ``stop_ids`` or ``max_new_tokens``.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> prompt = ref.tokenizer.encode("<|endoftext|>\\nQ: What is the capital of Gorrund?\\nA:")
    >>> stops = stop_ids(ref.tokenizer, chat=False)  # special tokens and newlines
    >>> answer = answers_with_confidence(ref.model, [prompt], stops)[0]
    >>> 0 < answer.confidence <= 1
    True
    """
    check_language_model(model)
    prompts = _check_prompts(prompts, model.vocab_size, model.block_size)
    stop = set(check_ints("stop_ids", stop_ids, minimum=0))
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(prompts):
        by_length.setdefault(len(ids), []).append(i)
    answers: list[Answer | None] = [None] * len(prompts)
    with eval_mode(model):
        for length, rows in by_length.items():
            budget = max_new_tokens
            if model.block_size is not None:
                budget = min(budget, model.block_size - length)
            batch = torch.tensor([prompts[i] for i in rows])  # (B, T)
            for i, answer in zip(
                rows, _decode(model, batch, stop, budget, None), strict=True
            ):
                answers[i] = answer
    return answers  # type: ignore[return-value]


class _Tempered(torch.nn.Module):
    """A model whose logits are divided by a temperature."""

    def __init__(self, model: torch.nn.Module, temperature: float) -> None:
        super().__init__()
        self.inner, self.temperature = model, temperature
        self.block_size = model.block_size

    def forward(self, idx: torch.Tensor) -> tuple[torch.Tensor, None]:
        logits, _ = self.inner(idx)
        return logits / self.temperature, None


def sample_agreement(
    model: torch.nn.Module,
    prompts: Sequence[Sequence[int]],
    stop_ids: Sequence[int],
    k: int,
    *,
    references: Sequence[Sequence[int]] | None = None,
    temperature: float = 1.0,
    max_new_tokens: int = 24,
    seed: int = 0,
) -> list[float]:
    """For each prompt, the share of ``k`` sampled answers identical to its reference answer.

    A signal that needs no probabilities: a model that knows a fact tends to say it each time.
    Prompts of equal length are sampled as one batch, from one generator seeded with ``seed``
    and the length, so a prompt's samples depend on the other prompts of its length.

    Introduced in chapter 13.

    Parameters
    ----------
    model, prompts, stop_ids
        As for :func:`answers_with_confidence`.
    k : int
        Samples per prompt (>= 1).
    references : sequence of sequences of int, optional
        The answers to agree with (stop token excluded), one per prompt; the greedy answers
        by default.
    temperature : float, default 1.0
        Sampling temperature (> 0).
    max_new_tokens, seed : int, default 24 and 0
        The longest answer, in tokens; the seed of the samples.

    Returns
    -------
    list of float
        One share in ``[0, 1]`` per prompt, a multiple of ``1 / k``.
    """
    check_language_model(model)
    prompts = _check_prompts(prompts, model.vocab_size, model.block_size)
    stop = sorted(set(check_ints("stop_ids", stop_ids, minimum=0)))
    k = check_int("k", k, minimum=1)
    temperature = check_float("temperature", temperature, minimum=0, open_minimum=True)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    seed = check_int("seed", seed)
    if references is None:
        refs = [
            a.ids
            for a in answers_with_confidence(
                model, prompts, stop, max_new_tokens=max_new_tokens
            )
        ]
    else:
        if isinstance(references, (str, bytes)) or not isinstance(references, Sequence):
            raise TypeError(
                "references must be a sequence of token-id lists, got "
                f"{type(references).__name__}"
            )
        if len(references) != len(prompts):
            raise ValueError(
                f"references must hold one answer per prompt ({len(prompts)}), "
                f"got {len(references)}"
            )
        refs = [
            tuple(check_ints(f"references[{i}]", r, minimum=0))
            for i, r in enumerate(references)
        ]
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(prompts):
        by_length.setdefault(len(ids), []).append(i)
    shares = [0.0] * len(prompts)
    tempered = _Tempered(model, temperature)
    with eval_mode(model):
        for length, rows in sorted(by_length.items()):
            budget = max_new_tokens
            if model.block_size is not None:
                budget = min(budget, model.block_size - length)
            generator = torch.Generator().manual_seed(seed * 1000 + length)
            batch = torch.tensor([prompts[i] for i in rows for _ in range(k)])
            samples = _decode(tempered, batch, set(stop), budget, generator)
            for j, i in enumerate(rows):
                drawn = samples[j * k : (j + 1) * k]
                shares[i] = sum(s.ids == refs[i] for s in drawn) / k
    return shares


def is_refusal(text: str) -> bool:
    """Whether an answer says "I don't know" (or "dont know"), ignoring case.

    >>> is_refusal("I don't know."), is_refusal("Rhea has a duck.")
    (True, False)

    Introduced in chapter 13.
    """
    return _DONT_KNOW.search(check_str("text", text)) is not None


def _template_pattern(template: str) -> re.Pattern:
    """A fact's answer sentence as a regex whose group ``o`` is the answer word(s)."""
    pattern = re.escape(template)
    for slot, rx in (
        ("s", r"(?P<s>.+?)"),
        ("o", r"(?P<o>.+?)"),
        ("an_o", r"an? (?P<o>.+?)"),
        ("his", r"\w+"),
    ):
        pattern = pattern.replace(re.escape("{" + slot + "}"), rx)
    return re.compile(rf"\s*{pattern}\s*", re.I)


_PATTERNS = {r: _template_pattern(t[1][0]) for r, t in RELATIONS.items()}


def answer_pattern(relation: str) -> re.Pattern:
    """``relation``'s answer sentence as a regex (any case), group ``o`` the answer word(s).

    >>> answer_pattern("pet").fullmatch("Rhea has a duck.").group("o")
    'duck'

    Introduced in chapter 13.
    """
    return _PATTERNS[check_choice("relation", relation, tuple(RELATIONS))]


def word_confidence(
    tokenizer: BPETokenizer, answer: Answer, relation: str | None = None
) -> float:
    """The probability the model gave to the answer word(s) of a written answer.

    In ``"Rhea has a duck."`` the uncertainty that matters is on ``duck``, not on the words
    around it. The answer sentence is matched against the wording of ``relation`` (then of
    every relation); the result is the product of the probabilities of the tokens that spell
    the answer. An answer that matches no wording (a one-word answer, "I don't know.") counts
    whole: the product over all its tokens.

    Introduced in chapter 13.

    Examples
    --------
    >>> from stepbytoken.recipes.sft import load_sft
    >>> tok = load_sft().tokenizer
    >>> ids = tuple(tok.encode(" Rhea has a duck."))
    >>> probs = tuple(0.5 if tok.decode([i]).strip() == "duck" else 0.9 for i in ids)
    >>> word_confidence(tok, Answer(ids, probs, 0.1), "pet")
    0.5
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_instance("answer", answer, Answer)
    if relation is not None:
        check_choice("relation", relation, tuple(RELATIONS))
    if len(answer.ids) != len(answer.probs):
        raise ValueError(
            f"answer must hold one probability per token, got {len(answer.ids)} ids and "
            f"{len(answer.probs)} probabilities"
        )
    text = tokenizer.decode(list(answer.ids))
    order = ([relation] if relation else []) + list(RELATIONS)
    span = None
    for r in order:
        found = _PATTERNS[r].fullmatch(text)
        if found:
            span = found.span("o")
            break
    if span is None:
        return math.prod(answer.probs)
    ends = [
        len(tokenizer.decode(list(answer.ids[: i + 1]))) for i in range(len(answer.ids))
    ]
    starts = [0, *ends[:-1]]
    return math.prod(
        p
        for p, a, b in zip(answer.probs, starts, ends, strict=True)
        if a < span[1] and b > span[0]
    )


def stop_ids(tokenizer: BPETokenizer, *, chat: bool = True) -> list[int]:
    """The tokens that end an answer: every special token, and in the ``Q: ... A:`` format
    (``chat=False``) every token holding a newline.

    Introduced in chapter 13.

    Examples
    --------
    >>> from stepbytoken.recipes.sft import load_sft
    >>> tok = load_sft().tokenizer
    >>> len(stop_ids(tok)) < len(stop_ids(tok, chat=False))
    True
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_bool("chat", chat)
    stops = set(tokenizer.special_tokens.values())
    if not chat:
        stops |= {
            i for i in range(tokenizer.vocab_size) if "\n" in tokenizer.decode([i])
        }
    return sorted(stops)


def _question(example: ChatExample) -> str:
    """The example's question in the corpus's own words."""
    return Fact(example.entities[0], example.relation, "").question()


def _prompt(tok: BPETokenizer, example: ChatExample, chat: bool) -> list[int]:
    if chat:
        return chat_prompt(tok, example.prompt)
    return tok.encode(question_prompt(_question(example)))


def answer_records(
    model: GPT,
    tokenizer: BPETokenizer,
    examples: Sequence[ChatExample],
    *,
    chat: bool = True,
    k_samples: int = 0,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One record per example: the greedy answer, its confidence, the judge's verdict.

    A chat model reads the example's prompt in the chat format; with ``chat=False`` the model
    is asked the question in the corpus's words and ``Q: ... A:`` format (the reference
    model's own). Each record holds ``q`` (the question), ``a`` (the answer), ``p`` (its
    confidence, 4 decimals), ``pw`` (that of its answer word, :func:`word_confidence`),
    ``ok`` (right, by the judge), ``idk`` (says "I don't know") and,
    with ``k_samples``, ``agree`` (the share of that many samples at temperature 1 that
    match it; :func:`~stepbytoken.evaluation.calibration.sample_agreement`, seeded with
    ``seed``).

    Introduced in chapter 13.

    Examples
    --------
    >>> from stepbytoken.recipes.sft import load_sft
    >>> model, tok, _ = load_sft()
    >>> from stepbytoken.recipes.calibration import question_sets
    >>> record = answer_records(model, tok, question_sets(1, 1)["unknown"])[0]
    >>> record["a"], record["idk"], record["ok"]
    ("I don't know.", True, True)
    """
    check_instance("model", model, GPT)
    check_instance("tokenizer", tokenizer, BPETokenizer)
    if isinstance(examples, (str, bytes)) or not isinstance(examples, Sequence):
        raise TypeError(
            f"examples must be a sequence of ChatExample, got {type(examples).__name__}"
        )
    for i, e in enumerate(examples):
        check_instance(f"examples[{i}]", e, ChatExample)
    check_bool("chat", chat)
    check_int("k_samples", k_samples, minimum=0)
    check_int("seed", seed)
    stops = stop_ids(tokenizer, chat=chat)
    prompts = [_prompt(tokenizer, e, chat) for e in examples]
    answers = answers_with_confidence(
        model, prompts, stops, max_new_tokens=MAX_NEW_TOKENS
    )
    agree = (
        sample_agreement(
            model,
            prompts,
            stops,
            k_samples,
            references=[a.ids for a in answers],
            max_new_tokens=MAX_NEW_TOKENS,
            seed=seed,
        )
        if k_samples
        else None
    )
    records = []
    for i, (e, answer) in enumerate(zip(examples, answers, strict=True)):
        text = (
            message_text(tokenizer, list(answer.ids))
            if chat
            else tokenizer.decode(list(answer.ids)).strip()
        )
        record = {
            "q": e.prompt[-1].content if chat else _question(e),
            "a": text,
            "p": round(answer.confidence, 4),
            "pw": round(word_confidence(tokenizer, answer, e.relation), 4),
            "ok": judge(e, text).rules["correct"],
            "idk": is_refusal(text),
        }
        if agree is not None:
            record["agree"] = agree[i]
        records.append(record)
    return records
