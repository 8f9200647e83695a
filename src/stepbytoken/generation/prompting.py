"""Writing prompts for a base model: zero-shot and few-shot, in several wordings and orders.

A task is a list of :class:`Shot`: named fields (``subject``, ``question``, ...) and the
answer. A :class:`Wording` turns a shot into text, ``"Q: {question}\\nA:"`` or
``"{subject} ->"``; :func:`few_shot_prompt` writes ``k`` solved examples, then the question
left open, as a new document of the corpus. :func:`draw_examples` picks the examples (never
the question itself) and :func:`orders` the permutations that test whether their order
matters. :func:`fact_shot` and :func:`arithmetic_shot` make shots of the small world's facts
and sums; :data:`FACT_WORDINGS` and :data:`ARITHMETIC_WORDINGS` are the wordings the book
compares.

Introduced in chapter 12.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from stepbytoken.checks import check_choice, check_instance, check_int, check_str
from stepbytoken.world.corpus import DOC_SEPARATOR
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.facts import Fact
from stepbytoken.world.world import make_world

__all__ = [
    "ARITHMETIC_WORDINGS",
    "FACT_WORDINGS",
    "RELATION_KEYWORDS",
    "Shot",
    "Wording",
    "arithmetic_problems",
    "arithmetic_shot",
    "check_wording",
    "draw_examples",
    "examples_for",
    "fact_pools",
    "fact_shot",
    "few_shot_prompt",
    "orders",
]

#: A short word for each person relation, for wordings that do not ask a full question.
RELATION_KEYWORDS = {
    "home": "home",
    "age": "age",
    "colour": "colour",
    "profession": "job",
    "pet": "pet",
    "father": "father",
    "mother": "mother",
}


class Shot(NamedTuple):
    """One question of a task: the fields a wording may use, and the answer.

    Introduced in chapter 12.
    """

    fields: Mapping[str, str]
    answer: str


class Wording(NamedTuple):
    """How a shot is written: ``query`` (a format string over its fields) and the separator.

    A solved example is the query, a space and the answer; examples are joined by
    ``separator``.

    >>> w = Wording("arrow", "{subject} ->", "\\n")
    >>> w.show(Shot({"subject": "Mira"}, "Kell"))
    'Mira -> Kell'

    Introduced in chapter 12.
    """

    name: str
    query: str
    separator: str = "\n\n"

    def ask(self, shot: Shot) -> str:
        """The shot's question, left open for the model to answer."""
        check_instance("shot", shot, Shot)
        try:
            return self.query.format(**shot.fields)
        except KeyError as err:
            raise ValueError(
                f"wording {self.name!r} needs the field {err.args[0]!r}, but the shot has "
                f"{sorted(shot.fields)}"
            ) from None

    def show(self, shot: Shot) -> str:
        """The shot solved: its question, a space and its answer."""
        return f"{self.ask(shot)} {shot.answer}"


#: The wordings of a fact question, from the corpus's own format to one it never saw.
FACT_WORDINGS = (
    Wording("question", "Q: {question}\nA:"),
    Wording("keyword", "Q: {subject}, {keyword}?\nA:"),
    Wording("bare", "Q: {subject}\nA:"),
    Wording("arrow", "{subject} ->", "\n"),
)

#: A sum asked for its answer at once, or for the corpus's written working first.
ARITHMETIC_WORDINGS = (
    Wording("direct", "Q: {a} {op} {b} = ?\nA:"),
    Wording("think", "Q: {a} {op} {b} = ?\nThink:"),
)


def fact_shot(fact: Fact) -> Shot:
    """A shot of a fact about a person: fields ``subject``, ``question``, ``keyword``.

    >>> fact_shot(Fact("Mira", "home", "Kell")).fields["keyword"]
    'home'

    Raises
    ------
    TypeError, ValueError
        If ``fact`` is not a Fact, or its relation is not one of :data:`RELATION_KEYWORDS`.

    Introduced in chapter 12.
    """
    check_instance("fact", fact, Fact)
    check_choice("fact.relation", fact.relation, tuple(RELATION_KEYWORDS))
    fields = {
        "subject": fact.subject,
        "question": fact.question(),
        "keyword": RELATION_KEYWORDS[fact.relation],
    }
    return Shot(fields, fact.object)


def arithmetic_shot(a: int, op: str, b: int) -> Shot:
    """A shot of the sum or difference ``a op b`` (``a >= b`` for ``"-"``).

    >>> arithmetic_shot(7, "-", 3)
    Shot(fields={'a': '7', 'op': '-', 'b': '3'}, answer='4')

    Introduced in chapter 12.
    """
    a, b = check_int("a", a, minimum=0), check_int("b", b, minimum=0)
    check_choice("op", op, ("+", "-"))
    if op == "-" and a < b:
        raise ValueError(f"a must be >= b for '-', got {a} - {b}")
    answer = a + b if op == "+" else a - b
    return Shot({"a": str(a), "op": op, "b": str(b)}, str(answer))


def few_shot_prompt(wording: Wording, examples: Sequence[Shot], query: Shot) -> str:
    """``examples`` solved, then ``query`` left open, as a new document of the corpus.

    With no examples this is a zero-shot prompt.

    >>> w = Wording("arrow", "{subject} ->", "\\n")
    >>> few_shot_prompt(w, [Shot({"subject": "Ada"}, "Tolm")], Shot({"subject": "Mira"}, "?"))
    '<|endoftext|>\\nAda -> Tolm\\nMira ->'

    Introduced in chapter 12.
    """
    check_instance("wording", wording, Wording)
    check_instance("query", query, Shot)
    if isinstance(examples, Shot) or not isinstance(examples, Sequence):
        raise TypeError(
            f"examples must be a sequence of Shot, got {type(examples).__name__}"
        )
    solved = [wording.show(check_instance("examples[]", e, Shot)) for e in examples]
    shown = "".join(s + wording.separator for s in solved)
    return f"{DOC_SEPARATOR}\n{shown}{wording.ask(query)}"


def draw_examples(
    pool: Sequence[Shot], k: int, query: Shot, *, seed: int | str = 0
) -> list[Shot]:
    """``k`` shots drawn from ``pool`` without replacement, never one asking ``query``'s question.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a pool with fewer than ``k`` other shots.

    Examples
    --------
    >>> pool = [Shot({"subject": s}, "x") for s in "ABC"]
    >>> [e.fields["subject"] for e in draw_examples(pool, 2, pool[0], seed=1)]
    ['B', 'C']

    Introduced in chapter 12.
    """
    check_instance("query", query, Shot)
    k = check_int("k", k, minimum=0)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int or a str, got {type(seed).__name__}")
    if isinstance(pool, Shot) or not isinstance(pool, Sequence):
        raise TypeError(f"pool must be a sequence of Shot, got {type(pool).__name__}")
    others = [
        check_instance("pool[]", s, Shot)
        for s in pool
        if dict(s.fields) != dict(query.fields)
    ]
    if len(others) < k:
        raise ValueError(
            f"pool holds {len(others)} shots besides the query, need k={k}"
        )
    return random.Random(seed).sample(others, k)


def orders(k: int, n: int, *, seed: int = 0) -> list[tuple[int, ...]]:
    """``n`` different orders of ``range(k)``: the given order first, then seeded shuffles.

    >>> orders(3, 3, seed=0)[0]
    (0, 1, 2)
    >>> len(set(orders(3, 6)))
    6

    Raises
    ------
    ValueError
        If ``n`` exceeds the ``k!`` orders there are.

    Introduced in chapter 12.
    """
    k = check_int("k", k, minimum=0)
    n = check_int("n", n, minimum=1)
    check_int("seed", seed)
    if n > math.factorial(k):
        raise ValueError(f"n must be at most {k}! = {math.factorial(k)}, got {n}")
    if k <= 4:  # few enough to list, then pick
        rest = list(itertools.permutations(range(k)))[1:]
        random.Random(seed).shuffle(rest)
        return [tuple(range(k)), *rest[: n - 1]]
    rng = random.Random(seed)
    found = [tuple(range(k))]
    while len(found) < n:
        order = tuple(rng.sample(range(k), k))
        if order not in found:
            found.append(order)
    return found


def check_wording(name: str, wordings: Sequence[Wording]) -> Wording:
    """The wording called ``name`` among ``wordings``.

    >>> check_wording("think", ARITHMETIC_WORDINGS).query
    'Q: {a} {op} {b} = ?\\nThink:'

    Introduced in chapter 12.
    """
    names = tuple(w.name for w in wordings)
    check_str("name", name)
    return wordings[names.index(check_choice("name", name, names))]


def fact_pools(world_seed: int = 0) -> tuple[list[Shot], list[Shot]]:
    """Questions (held-out people's facts) and examples (training people's facts).

    Only the relations of :data:`RELATION_KEYWORDS`; the entities come from
    :func:`~stepbytoken.world.entity_split.split_entities`, so no question's subject is the
    subject of an example.

    >>> questions, examples = fact_pools()
    >>> len(questions), len(examples)
    (127, 324)

    Introduced in chapter 12.
    """
    check_int("world_seed", world_seed)
    facts = split_entities(make_world(world_seed)).facts

    def shots(split: str) -> list[Shot]:
        return [fact_shot(f) for f in facts[split] if f.relation in RELATION_KEYWORDS]

    return shots("heldout"), shots("train")


def examples_for(
    questions: Sequence[Shot], pool: Sequence[Shot], k: int
) -> list[list[Shot]]:
    """Each question's ``k`` examples from ``pool``: same ``keyword`` (relation), seeded.

    Question ``i`` draws with seed ``f"{k}-{i}"``, so every wording of a question gets the
    same examples.

    >>> questions, pool = fact_pools()
    >>> ex = examples_for(questions[:1], pool, 2)[0]
    >>> {e.fields["keyword"] for e in ex} == {questions[0].fields["keyword"]}
    True

    Introduced in chapter 12.
    """
    k = check_int("k", k, minimum=0)
    if isinstance(questions, Shot) or not isinstance(questions, Sequence):
        raise TypeError(
            f"questions must be a sequence of Shot, got {type(questions).__name__}"
        )
    out = []
    for i, q in enumerate(questions):
        check_instance(f"questions[{i}]", q, Shot)
        same = [s for s in pool if s.fields.get("keyword") == q.fields.get("keyword")]
        out.append(draw_examples(same, k, q, seed=f"{k}-{i}"))
    return out


def arithmetic_problems() -> list[Shot]:
    """Every sum and difference of one-digit numbers (differences never negative): 155.

    >>> problems = arithmetic_problems()
    >>> len(problems), problems[75].answer
    (155, '12')

    Introduced in chapter 12.
    """
    return [
        arithmetic_shot(a, op, b)
        for op in ("+", "-")
        for a in range(10)
        for b in range(10)
        if op == "+" or a >= b
    ]
