"""Problems that take several steps, with their worked steps: the data of chapter 17.

Two kinds of problem, each with a *thought* (the intermediate steps, in words) and a short
*answer*:

- ``chain``: two look-ups in a row, such as "Where does the father of Mira live?". The thought
  names the person in between: "The father of Mira is Tom. Tom lives in Oxley."
- ``sum``: a sum of two numbers of three digits, worked digit by digit from the last digit
  as the corpus's arithmetic documents do
  (:func:`~stepbytoken.world.arithmetic.format_arithmetic`).

Every problem has a *combination* (the person and both relations, or both numbers), and a hash
of it puts a quarter of all combinations in the held-out split (:func:`heldout_combination`).
Each single fact of a held-out chain is still known from pre-training; only the combination
is new.

Introduced in chapter 17.
"""

from __future__ import annotations

import random
import zlib
from typing import NamedTuple

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_str,
)
from stepbytoken.world.arithmetic import format_arithmetic
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.task_context import answer_sentence
from stepbytoken.world.tool_tasks import FAMILY_RELATIONS
from stepbytoken.world.world import World

__all__ = [
    "PROBLEM_KINDS",
    "SECOND_RELATIONS",
    "SPLITS",
    "ThinkingProblem",
    "chain_problems",
    "heldout_combination",
    "sum_problem",
    "thinking_problems",
]

#: The kinds of problem.
PROBLEM_KINDS = ("chain", "sum")
#: What a chain asks about the person it reaches (the second look-up).
SECOND_RELATIONS = ("home", "age", "profession", "colour", "pet")
#: The splits of :func:`thinking_problems`.
SPLITS = ("train", "heldout")
#: The range of both numbers of a sum.
SUM_RANGE = (100, 999)


class ThinkingProblem(NamedTuple):
    """A question, the steps that answer it, and the answer.

    Introduced in chapter 17.

    Fields:
        kind: ``"chain"`` or ``"sum"``.
        question: What the user asks.
        thought: The intermediate steps, in words.
        answer: The short answer (a word or a number, as text).
        combination: What the held-out split is drawn on, e.g. ``"Mira/father/home"``.
    """

    kind: str
    question: str
    thought: str
    answer: str
    combination: str


def heldout_combination(combination: str) -> bool:
    """Whether a combination belongs to the held-out split (a quarter of them, by hash).

    Introduced in chapter 17.

    Examples
    --------
    >>> [heldout_combination(f"{a}+7") for a in range(6)]
    [False, True, False, False, False, True]
    """
    check_str("combination", combination)
    return zlib.crc32(combination.encode("utf-8", "surrogatepass")) % 4 == 3


def chain_problems(world: World) -> list[ThinkingProblem]:
    """Every two-step question the world's facts answer, in a fixed order.

    A chain goes from a person along a family relation (:data:`FAMILY_RELATIONS`) to another
    person, then asks one of :data:`SECOND_RELATIONS` about that person.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> p = chain_problems(make_world(0))[0]
    >>> p.kind, p.answer in p.thought, p.thought.count(".")
    ('chain', True, 2)
    """
    check_instance("world", world, World)
    known = {(f.subject, f.relation): f.object for f in world.facts}
    out = []
    for link in world.facts:
        if link.relation not in FAMILY_RELATIONS:
            continue
        for relation in SECOND_RELATIONS:
            obj = known.get((link.object, relation))
            if obj is None:
                continue
            fact = Fact(link.object, relation, obj)
            question = RELATIONS[relation][0].format(
                s=f"the {link.relation} of {link.subject}"
            )
            thought = f"{answer_sentence(link)} {answer_sentence(fact)}"
            out.append(
                ThinkingProblem(
                    "chain",
                    question,
                    thought,
                    obj,
                    f"{link.subject}/{link.relation}/{relation}",
                )
            )
    return out


def sum_problem(a: int, b: int) -> ThinkingProblem:
    """The sum ``a + b`` as a question, a digit-by-digit thought and the answer.

    Introduced in chapter 17.

    Examples
    --------
    >>> p = sum_problem(23, 48)
    >>> p.question, p.answer
    ('What is 23 + 48?', '71')
    >>> p.thought
    '3 + 8 = 11, write 1 carry 1. 2 + 4 + 1 = 7, write 7. So 71.'
    """
    a, b = check_int("a", a, minimum=0), check_int("b", b, minimum=0)
    steps = format_arithmetic(a, "+", b).split("\n")[1].removeprefix("Think: ")
    return ThinkingProblem("sum", f"What is {a} + {b}?", steps, str(a + b), f"{a}+{b}")


def thinking_problems(
    world: World,
    n: int,
    *,
    split: str = "train",
    seed: int = 0,
    sum_share: float = 0.5,
) -> list[ThinkingProblem]:
    """``n`` problems of ``split``, chains and sums interleaved, drawn with ``seed``.

    Chains are drawn without replacement and start over once all of the split were drawn;
    sums are drawn from numbers in :data:`SUM_RANGE`, so that problems may repeat only rarely.

    Introduced in chapter 17.

    Parameters
    ----------
    world : World
        The world whose facts the chains ask about.
    n : int
        How many problems (>= 1).
    split : {"train", "heldout"}
        Which combinations to draw from (see :func:`heldout_combination`).
    seed : int
        Seed of the draw.
    sum_share : float, default 0.5
        Share of sums, spread evenly: problem ``k`` is a sum when
        ``floor((k + 1) * sum_share) > floor(k * sum_share)`` (0.5 alternates, chain first).

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> problems = thinking_problems(make_world(0), 4, split="heldout", seed=1)
    >>> [p.kind for p in problems]
    ['chain', 'sum', 'chain', 'sum']
    >>> all(heldout_combination(p.combination) for p in problems)
    True
    """
    check_instance("world", world, World)
    n = check_int("n", n, minimum=1)
    check_choice("split", split, SPLITS)
    rng = random.Random(check_int("seed", seed, minimum=0))
    share = check_float("sum_share", sum_share, minimum=0, maximum=1)
    want = split == "heldout"
    chains = [
        p for p in chain_problems(world) if heldout_combination(p.combination) == want
    ]
    order: list[ThinkingProblem] = []
    out = []
    for k in range(n):
        if int((k + 1) * share) == int(k * share):
            if not order:
                order = rng.sample(chains, len(chains))
            out.append(order.pop())
            continue
        while True:
            a, b = rng.randint(*SUM_RANGE), rng.randint(*SUM_RANGE)
            problem = sum_problem(a, b)
            if heldout_combination(problem.combination) == want:
                out.append(problem)
                break
    return out
