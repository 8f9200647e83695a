"""What the model remembers: recall of a fact against its distance from the end of the prompt.

A model reads at most ``block_size`` tokens; generation keeps the last ``block_size`` of a
longer prompt (:func:`~stepbytoken.generation.generate`). A fact told further back than that
is gone, whatever the model learned. :func:`fact_distance` measures how far back a fact
sits, in tokens; :func:`recall` asks the model each example's question and records whether it
answered with the fact, either by generating (greedy, judged by the gold judge's
``correct`` rule) or by choosing among candidate answers (the candidate whose answer
sentence the model finds most likely, reading the same window that generation would).
:func:`accuracy_by_distance` bins the results.

Introduced in chapter 9.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

from stepbytoken.checks import (
    check_choice,
    check_int,
    check_ints,
    check_str,
    check_strings,
)
from stepbytoken.evaluation.judge import judge
from stepbytoken.generation.generate import generate
from stepbytoken.nn.interface import (
    LanguageModel,
    check_language_model,
    eval_mode,
    model_device,
)
from stepbytoken.tokenizers.chat import END, chat_prompt, message_text
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import ChatExample

__all__ = [
    "METHODS",
    "Recall",
    "accuracy_by_distance",
    "choice_scores",
    "fact_distance",
    "recall",
]

#: How :func:`recall` reads the model's answer.
METHODS = ("choice", "generate")


class Recall(NamedTuple):
    """One question about a fact: how far back the fact was, and whether the model recalled it.

    ``distance`` counts the tokens from the fact's first token to the end of the prompt
    (``<|assistant|>`` included), None if the prompt does not tell the fact (a shortened
    conversation may have dropped it); ``answer`` is the chosen candidate or the generated
    text.

    Introduced in chapter 9.
    """

    distance: int | None
    answer: str
    correct: bool


def _check_tokenizer(tokenizer: object) -> BPETokenizer:
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    return tokenizer


def fact_distance(tokenizer: BPETokenizer, ids: Sequence[int], text: str) -> int:
    """The fewest last tokens of ``ids`` whose text contains ``text``: how far back it sits.

    A window of the last ``k`` tokens shows the whole of ``text`` exactly when
    ``k >= fact_distance(...)``; the search halves the range at each step.

    Parameters
    ----------
    tokenizer
        Decodes the ids.
    ids
        Token ids, e.g. a chat prompt.
    text
        The fact's words (non-empty); it must occur in the decoded ids.

    Returns
    -------
    int
        From ``1`` to ``len(ids)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a ``text`` that the ids do not contain.

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer
    >>> tok = BPETokenizer()
    >>> fact_distance(tok, tok.encode("Ada lives in Tolm. Hi."), "Tolm")
    9

    Introduced in chapter 9.
    """
    _check_tokenizer(tokenizer)
    ids = check_ints("ids", ids, minimum=0)
    if not ids:
        raise ValueError("ids must hold at least one token id")
    text = check_str("text", text, allow_empty=False)
    if text not in tokenizer.decode(ids):
        raise ValueError(f"the ids do not contain the text {text!r}")
    lo, hi = 1, len(ids)  # the answer lies in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if text in tokenizer.decode(ids[-mid:]):
            hi = mid
        else:
            lo = mid + 1
    return lo


def choice_scores(
    model: LanguageModel, prompt: Sequence[int], continuations: Sequence[Sequence[int]]
) -> list[float]:
    """The log-probability of each continuation after ``prompt``, read as generation reads it.

    Each ``prompt + continuation`` is cut to its last ``block_size + 1`` tokens (the model
    predicts each continuation token from at most ``block_size`` tokens before it, as
    generation does), and the log-probabilities of the continuation's tokens are summed.

    Parameters
    ----------
    model
        Any model of the book.
    prompt
        Token ids before the continuations (at least one).
    continuations
        Candidate token ids (each non-empty, at most ``block_size`` long).

    Returns
    -------
    list of float
        One sum of log-probabilities (nats) per continuation.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 2] * 5)
    >>> [round(s, 2) for s in choice_scores(model, [0], [[1], [2]])]
    [-0.25, -2.2]

    Introduced in chapter 9.
    """
    check_language_model(model)
    prompt = check_ints("prompt", prompt, minimum=0)
    if not prompt:
        raise ValueError("prompt must hold at least one token id")
    if isinstance(continuations, (str, bytes)) or not isinstance(
        continuations, Sequence
    ):
        raise TypeError(
            "continuations must be a sequence of token-id sequences, got "
            f"{type(continuations).__name__}"
        )
    block_size = model.block_size
    conts = []
    for i, c in enumerate(continuations):
        c = check_ints(f"continuations[{i}]", c, minimum=0)
        if not c or (block_size is not None and len(c) > block_size):
            raise ValueError(
                f"continuations[{i}] must hold 1 to block_size={block_size} ids, "
                f"got {len(c)}"
            )
        conts.append(c)
    if not conts:
        return []
    keep = None if block_size is None else block_size + 1
    seqs = [(prompt + c)[-keep:] if keep else prompt + c for c in conts]
    T = max(len(s) for s in seqs) - 1
    idx = torch.zeros(len(seqs), T, dtype=torch.long)  # (B, T), right-padded
    for row, s in enumerate(seqs):
        idx[row, : len(s) - 1] = torch.tensor(s[:-1])
    with eval_mode(model), torch.no_grad():
        logits, _ = model(idx.to(model_device(model)))  # (B, T, V)
    logp = F.log_softmax(logits.float().cpu(), dim=-1)
    scores = []
    for row, (s, c) in enumerate(zip(seqs, conts, strict=True)):
        steps = torch.arange(len(s) - 1 - len(c), len(s) - 1)  # predicting c's tokens
        scores.append(float(logp[row, steps, torch.tensor(c)].sum()))
    return scores


def recall(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    examples: Sequence[ChatExample],
    *,
    method: str = "choice",
    candidates: Sequence[str] = (),
    max_new_tokens: int = 16,
) -> list[Recall]:
    """Ask each example's question; record how far back its fact was and whether it came back.

    The fact is the example's gold answer sentence (``example.final``), which the prompts of
    :func:`~stepbytoken.world.memory_tasks.recall_examples` and
    :func:`~stepbytoken.world.memory_tasks.needle_examples` contain; a prompt without it (an
    ordinary question, or a conversation shortened past the fact) gets distance None.

    Parameters
    ----------
    model, tokenizer
        A chat model and its chat tokenizer.
    examples
        Examples whose last question asks for a fact (told in the prompt, or not).
    method
        ``"choice"``: the model scores the answer sentence with each of ``candidates`` in
        place of the gold answer (:func:`choice_scores`) and chooses the likeliest; correct if
        it chooses the gold answer. ``"generate"``: greedy generation from the last
        ``block_size`` tokens, correct by the gold judge's ``correct`` rule.
    candidates
        For ``"choice"``: the possible answers (the gold answer of every example among them).
    max_new_tokens
        For ``"generate"``: the longest answer.

    Returns
    -------
    list of Recall
        One per example, in order.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> from stepbytoken.recipes.sft import load_sft
    >>> from stepbytoken.world import make_world, recall_examples
    >>> model, tok, _ = load_sft()
    >>> ex = recall_examples(make_world(0), 1, n_filler=0, split="heldout")
    >>> r = recall(model, tok, ex, candidates=["Caddon", "Tirrin", ex[0].answer])
    >>> r[0].distance, r[0].answer == ex[0].answer
    (24, True)

    Introduced in chapter 9.
    """
    check_language_model(model)
    _check_tokenizer(tokenizer)
    method = check_choice("method", method, METHODS)
    check_int("max_new_tokens", max_new_tokens, minimum=1)
    candidates = check_strings("candidates", candidates, allow_empty=False)
    if isinstance(examples, ChatExample) or not isinstance(examples, Sequence):
        raise TypeError(
            f"examples must be a sequence of ChatExample, got {type(examples).__name__}"
        )
    end = tokenizer.special_id(END)
    rows = []
    for i, example in enumerate(examples):
        if not isinstance(example, ChatExample):
            raise TypeError(
                f"examples[{i}] must be a ChatExample, got {type(example).__name__}"
            )
        prompt = chat_prompt(tokenizer, example.prompt)
        told = example.final in tokenizer.decode(prompt)
        distance = fact_distance(tokenizer, prompt, example.final) if told else None
        if method == "generate":
            out = generate(
                model, prompt, max_new_tokens, greedy=True, stop_token=end
            )  # reads the last block_size tokens at every step
            answer = message_text(tokenizer, out[len(prompt) :].tolist())
            rows.append(
                Recall(distance, answer, judge(example, answer).rules["correct"])
            )
            continue
        if example.answer not in candidates:
            raise ValueError(
                f"candidates must hold the gold answer of examples[{i}], "
                f"{example.answer!r}"
            )
        sentences = [example.final.replace(example.answer, c) for c in candidates]
        conts = [tokenizer.encode_ordinary(" " + s) for s in sentences]
        scores = choice_scores(model, prompt, conts)
        best = candidates[max(range(len(scores)), key=scores.__getitem__)]
        rows.append(Recall(distance, best, best == example.answer))
    return rows


def accuracy_by_distance(
    rows: Sequence[Recall], width: int
) -> list[tuple[int, int, float]]:
    """Group recalls by distance into bins ``width`` tokens wide; the share correct in each.

    Parameters
    ----------
    rows
        Results of :func:`recall`; those without a distance (the fact not told) are left
        out.
    width
        Width of a bin, in tokens (>= 1); bin ``b`` holds distances ``b * width + 1`` to
        ``(b + 1) * width``.

    Returns
    -------
    list of (int, int, float)
        Per non-empty bin, in order: its largest distance, the number of recalls, the share
        correct.

    Examples
    --------
    >>> rows = [Recall(10, "a", True), Recall(20, "b", False), Recall(130, "a", False),
    ...         Recall(None, "a", True)]
    >>> accuracy_by_distance(rows, 64)
    [(64, 2, 0.5), (192, 1, 0.0)]

    Introduced in chapter 9.
    """
    if isinstance(rows, Recall) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of Recall, got {type(rows).__name__}")
    width = check_int("width", width, minimum=1)
    bins: dict[int, list[bool]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, Recall):
            raise TypeError(f"rows[{i}] must be a Recall, got {type(row).__name__}")
        if row.distance is not None:
            bins.setdefault((row.distance - 1) // width, []).append(bool(row.correct))
    return [
        ((b + 1) * width, len(hits), sum(hits) / len(hits))
        for b, hits in sorted(bins.items())
    ]
