"""Preference pairs: two answers to one prompt, ranked by the gold judge.

For each generated instruction example, the world's good answer is paired with a copy that
has exactly one flaw (:func:`~stepbytoken.world.flaws.flawed_answer`: wrong, ignoring the
instruction, rude or rambling); :func:`~stepbytoken.evaluation.judge.judge` scores both, and
the better one is ``chosen``. A reward model trained on the pairs can then be compared with
the judge it was trained to imitate, on pairs from held-out entities and wordings.

Introduced in chapter 8.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from stepbytoken.checks import check_choice, check_int, check_strings
from stepbytoken.evaluation.judge import Verdict, judge
from stepbytoken.tokenizers.chat import ChatEncoding, encode_chat
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world import World
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.entity_split import SPLITS, EntitySplit, split_entities
from stepbytoken.world.flaws import applicable_flaws, flawed_answer
from stepbytoken.world.instructions import KINDS, TEMPLATE_SPLITS, make_examples

__all__ = ["PreferencePair", "encode_pairs", "preference_pairs"]


class PreferencePair(NamedTuple):
    """A prompt with a better and a worse answer, the flaw between them and both verdicts.

    Introduced in chapter 8.
    """

    example: ChatExample
    chosen: str
    rejected: str
    flaw: str
    chosen_verdict: Verdict
    rejected_verdict: Verdict


def _pool(entities: EntitySplit, example: ChatExample) -> list[str]:
    """Wrong-answer candidates from training facts: answers of the same relation, or towns."""
    facts = entities.facts["train"]
    if example.constraint == "list_three":
        return sorted({f.subject for f in facts if f.relation == "kingdom"})
    return sorted({f.object for f in facts if f.relation == example.relation})


def preference_pairs(
    world: World,
    n: int,
    *,
    split: str = "train",
    templates: str = "train",
    kinds: tuple[str, ...] | None = None,
    seed: int = 0,
) -> list[PreferencePair]:
    """About ``n`` pairs, the same number per kind, each answer pair ranked by the judge.

    Parameters
    ----------
    world
        The small world.
    n
        Number of pairs (>= 0); split evenly over ``kinds``.
    split, templates
        Entities and wordings, as for :func:`~stepbytoken.world.instructions.make_examples`.
    kinds
        Kinds of example; by default every kind the split has (``fact`` has no ``unseen``).
    seed
        Seed of the examples and of the flaws.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> pair = preference_pairs(make_world(0), 6, seed=2)[0]
    >>> pair.chosen_verdict.score > pair.rejected_verdict.score
    True

    Introduced in chapter 8.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    check_int("n", n, minimum=0)
    check_choice("split", split, SPLITS)
    check_choice("templates", templates, TEMPLATE_SPLITS)
    check_int("seed", seed)
    if kinds is None:
        kinds = tuple(k for k in KINDS if not (k == "fact" and split == "unseen"))
    kinds = tuple(check_strings("kinds", kinds))
    if not kinds:
        raise ValueError("kinds must name at least one kind of example")
    for kind in kinds:
        check_choice("a kind", kind, KINDS)
    entities = split_entities(world)
    rng = random.Random(f"preferences-{world.seed}-{split}-{templates}-{seed}")
    pairs = []
    for i, kind in enumerate(kinds):
        count = n // len(kinds) + (i < n % len(kinds))
        examples = make_examples(
            world,
            kind,
            count,
            split=split,
            templates=templates,
            seed=seed,
            entities=entities,
        )
        for example in examples:
            flaw = rng.choice(applicable_flaws(example))
            worse = flawed_answer(example, flaw, rng, _pool(entities, example))
            answers = [(example.final, judge(example)), (worse, judge(example, worse))]
            # stable: ties keep the order
            answers.sort(key=lambda a: a[1].score, reverse=True)
            (chosen, good), (rejected, bad) = answers
            pairs.append(PreferencePair(example, chosen, rejected, flaw, good, bad))
    return pairs


def encode_pairs(
    tokenizer: BPETokenizer, pairs: list[PreferencePair], *, max_tokens: int
) -> tuple[list[ChatEncoding], list[ChatEncoding], list[PreferencePair]]:
    """The two conversations of each pair, encoded; pairs longer than ``max_tokens`` dropped.

    A pair's conversations are its prompt (with any tool calls and results) followed by the
    chosen or the rejected final answer.

    Returns
    -------
    chosen, rejected, kept
        The encodings, and the pairs they belong to, in order.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> from stepbytoken.tokenizers import chat_tokenizer
    >>> from stepbytoken.world import make_world
    >>> tok = chat_tokenizer(load_reference().tokenizer)
    >>> chosen, rejected, kept = encode_pairs(tok, preference_pairs(make_world(0), 4),
    ...                                       max_tokens=128)
    >>> len(chosen) == len(rejected) == len(kept)
    True

    Introduced in chapter 8.
    """
    check_int("max_tokens", max_tokens, minimum=2)
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    if not isinstance(pairs, list):
        raise TypeError(
            f"pairs must be a list of PreferencePair, got {type(pairs).__name__}"
        )
    chosen, rejected, kept = [], [], []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, PreferencePair):
            raise TypeError(
                f"pairs[{i}] must be a PreferencePair, got {type(pair).__name__}"
            )
        good = encode_chat(tokenizer, pair.example.with_final(pair.chosen).messages)
        bad = encode_chat(tokenizer, pair.example.with_final(pair.rejected).messages)
        if max(len(good.token_ids), len(bad.token_ids)) <= max_tokens:
            chosen.append(good)
            rejected.append(bad)
            kept.append(pair)
    return chosen, rejected, kept
