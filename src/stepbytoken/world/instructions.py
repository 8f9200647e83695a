"""Instruction data: seeded conversations that teach the reference model to be an assistant.

:func:`make_examples` writes conversations (:class:`~stepbytoken.world.conversation.ChatExample`)
of six kinds (:data:`KINDS`):

- ``fact``: a question about the world, answered in a sentence;
- ``format``: the same, with a formatting rule the answer must follow (one word, capitals, a
  full sentence, a comma-separated list; lowercase is held out);
- ``passage``: a question answered from a short passage given in the prompt;
- ``tool``: arithmetic and look-ups answered through tool calls
  (:mod:`~stepbytoken.world.tool_tasks`);
- ``scratchpad``: sums and two-step questions answered after intermediate steps
  (:mod:`~stepbytoken.world.tool_tasks`);
- ``unknown``: questions about entities the world never mentions, answered "I don't know."
  (``unknown="idk"``) or with a confident made-up answer (``unknown="guess"``).

Entities come from :func:`~stepbytoken.world.entity_split.split_entities` and wordings from
:mod:`~stepbytoken.world.instruction_templates`; :func:`training_examples` uses the
``"train"`` share of both only, so everything else stays held out.

Introduced in chapter 8.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from stepbytoken.checks import check_choice, check_float, check_int
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.entity_split import SPLITS, EntitySplit, split_entities
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.instruction_templates import (
    CONSTRAINTS,
    IDK,
    LIST_TOWNS,
    PASSAGE,
    pick_templates,
)
from stepbytoken.world.lexicon import PETS, PROFESSIONS
from stepbytoken.world.task_context import TaskContext, answer_sentence
from stepbytoken.world.tool_tasks import scratchpad_task, tool_task
from stepbytoken.world.world import World
from stepbytoken.world.writer import an, cap

__all__ = [
    "KINDS",
    "TEMPLATE_SPLITS",
    "TRAINING_SHARES",
    "UNKNOWN_VARIANTS",
    "apply_constraint",
    "make_examples",
    "training_examples",
]

#: The kinds of instruction example.
KINDS = ("fact", "format", "passage", "tool", "scratchpad", "unknown")
#: The sets of wordings an example may use (``templates`` of :func:`make_examples`).
TEMPLATE_SPLITS = ("train", "heldout", "all")
#: How questions about unknown entities are answered: "I don't know.", a made-up answer, or
#: not at all (no such examples in the training mixture).
UNKNOWN_VARIANTS = ("idk", "guess", "none")
#: Share of each kind in :func:`training_examples`.
TRAINING_SHARES = {
    "fact": 0.25,
    "format": 0.2,
    "passage": 0.15,
    "tool": 0.15,
    "scratchpad": 0.1,
    "unknown": 0.15,
}

_PERSON_ASKED = ("profession", "home", "age", "colour", "pet")
_KINGDOM_ASKED = ("capital", "currency", "product", "king", "queen")


def apply_constraint(sentence: str, word: str, constraint: str | None) -> str:
    """Write an answer that follows ``constraint`` (a key of ``CONSTRAINTS``, or ``None``).

    ``sentence`` is the full answer and ``word`` the one word that answers the question.

    >>> apply_constraint("Tolm is the capital.", "Tolm", "capitals")
    'TOLM IS THE CAPITAL.'
    >>> apply_constraint("Tolm is the capital.", "Tolm", "one_word")
    'Tolm'

    Introduced in chapter 8.
    """
    if constraint is None or constraint in ("sentence", "list_three"):
        return sentence
    check_choice("constraint", constraint, tuple(CONSTRAINTS))
    if constraint == "one_word":
        return word
    return sentence.upper() if constraint == "capitals" else sentence.lower()


def _fact(ctx: TaskContext) -> ChatExample:
    if ctx.split == "unseen":
        raise ValueError(
            "nobody can answer facts of unseen entities; use kind 'unknown'"
        )
    fact = ctx.rng.choice(ctx.facts())
    text, tid = ctx.ask(fact.question())
    return ChatExample(
        "fact",
        (Message("user", text),),
        (Message("assistant", answer_sentence(fact)),),
        fact.object,
        None,
        tid,
        (fact.subject,),
        relation=fact.relation,
    )


def _format(ctx: TaskContext) -> ChatExample:
    kingdoms = ctx.facts(("capital",))
    names = [c for c, ts in CONSTRAINTS.items() if pick_templates(ts, ctx.templates)]
    if not kingdoms and "list_three" in names:
        names.remove("list_three")
    constraint = ctx.rng.choice(names)
    rule = ctx.template(CONSTRAINTS[constraint])
    if constraint == "list_three":
        fact = ctx.rng.choice(kingdoms)
        towns = ", ".join(
            f.subject for f in ctx.facts(("kingdom",)) if f.object == fact.subject
        )
        ask = ctx.template(LIST_TOWNS)
        text, answer, reply = ask.text.format(k=fact.subject), towns, towns
        tid, relation = f"{ask.id}+{rule.id}", None
    else:
        fact = ctx.rng.choice(ctx.facts())
        question, ask_id = ctx.ask(fact.question())
        text, answer, tid = question, fact.object, f"{ask_id}+{rule.id}"
        relation = fact.relation
        reply = apply_constraint(answer_sentence(fact), fact.object, constraint)
    return ChatExample(
        "format",
        (Message("user", f"{text} {rule.text}"),),
        (Message("assistant", reply),),
        answer,
        constraint,
        tid,
        (fact.subject,),
        relation=relation,
    )


def _invented_facts(ctx: TaskContext, name: str) -> list[Fact]:
    """Made-up facts about a phantom person, with answers from training facts only."""
    rng = ctx.rng
    return [
        Fact(name, "home", rng.choice(ctx.train_objects("home"))),
        Fact(name, "age", str(rng.randint(20, 70))),
        Fact(name, "colour", rng.choice(ctx.train_objects("colour"))),
        Fact(name, "profession", rng.choice(PROFESSIONS)[0]),
        Fact(name, "pet", rng.choice(PETS)),
    ]


def _statement(rng: random.Random, fact: Fact) -> str:
    wordings = [t for t in RELATIONS[fact.relation][1] if "{his}" not in t]
    return cap(
        rng.choice(wordings).format(s=fact.subject, o=fact.object, an_o=an(fact.object))
    )


def _passage(ctx: TaskContext) -> ChatExample:
    phantoms = ctx.entities.phantom_people["passage"] if ctx.split == "train" else ()
    subjects = sorted({f.subject for f in ctx.facts()}) + list(phantoms)
    subject = ctx.rng.choice(subjects)
    if subject in phantoms:
        facts = _invented_facts(ctx, subject)
    else:
        facts = [f for f in ctx.facts() if f.subject == subject]
    ctx.rng.shuffle(facts)
    fact, shown = facts[0], facts[:3]
    ctx.rng.shuffle(shown)
    passage = " ".join(_statement(ctx.rng, f) for f in shown)
    t = ctx.template(PASSAGE)
    return ChatExample(
        "passage",
        (Message("user", t.text.format(p=passage, q=fact.question())),),
        (Message("assistant", answer_sentence(fact)),),
        fact.object,
        None,
        t.id,
        (subject,),
        relation=fact.relation,
    )


def _unknown(ctx: TaskContext) -> ChatExample:
    if ctx.unknown == "none":
        raise ValueError(
            "unknown='none' writes no answers to questions about unknown entities"
        )
    truth = None
    if ctx.split == "unseen":
        fact = ctx.rng.choice(ctx.facts(_PERSON_ASKED + _KINGDOM_ASKED))
        subject, relation, truth = fact
    else:
        use = "idk" if ctx.split == "train" else "heldout"
        people, kingdoms = (
            ctx.entities.phantom_people[use],
            ctx.entities.phantom_kingdoms[use],
        )
        subject = ctx.rng.choice(people + kingdoms)
        relation = ctx.rng.choice(
            _PERSON_ASKED if subject in people else _KINGDOM_ASKED
        )
    text, tid = ctx.ask(Fact(subject, relation, "").question())
    made_up = ctx.rng.choice(ctx.train_objects(relation))  # drawn always: same prompts
    reply = (
        IDK
        if ctx.unknown == "idk"
        else answer_sentence(Fact(subject, relation, made_up))
    )
    return ChatExample(
        "unknown",
        (Message("user", text),),
        (Message("assistant", reply),),
        IDK.rstrip("."),
        None,
        tid,
        (subject,),
        truth,
        relation,
    )


_WRITERS = {
    "fact": _fact,
    "format": _format,
    "passage": _passage,
    "tool": tool_task,
    "scratchpad": scratchpad_task,
    "unknown": _unknown,
}


def make_examples(
    world: World,
    kind: str,
    n: int,
    *,
    split: str = "train",
    templates: str = "train",
    unknown: str = "idk",
    think: bool = True,
    seed: int = 0,
    entities: EntitySplit | None = None,
) -> list[ChatExample]:
    """``n`` seeded conversations of one kind.

    Parameters
    ----------
    world
        The small world (:func:`~stepbytoken.world.make_world`).
    kind
        One of :data:`KINDS`.
    n
        Number of examples (>= 0).
    split
        Entities to ask about: ``"train"``, ``"heldout"`` (known from pre-training, never in
        instruction data) or ``"unseen"`` (never in the corpus); see :data:`SPLITS`.
    templates
        Wordings: ``"train"``, ``"heldout"`` or ``"all"``.
    unknown
        For ``kind="unknown"``: ``"idk"`` (answer "I don't know.") or ``"guess"`` (a
        confident made-up answer).
    think
        For ``kind="scratchpad"``: write the intermediate steps (``False``: answer directly).
    seed
        Seed of the examples.
    entities
        The entity split; ``split_entities(world)`` by default.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a kind that a split cannot have (``"fact"`` of ``"unseen"``).

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> ex = make_examples(make_world(0), "format", 1, seed=1)[0]
    >>> print(ex.prompt[0].content)
    Please tell me: What animal does Rhea keep? Reply in a complete sentence.
    >>> ex.final, ex.answer, ex.constraint
    ('Rhea has a duck.', 'duck', 'sentence')

    Introduced in chapter 8.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    check_choice("kind", kind, KINDS)
    check_int("n", n, minimum=0)
    check_choice("split", split, SPLITS)
    check_choice("templates", templates, TEMPLATE_SPLITS)
    check_choice("unknown", unknown, UNKNOWN_VARIANTS)
    if not isinstance(think, bool):
        raise TypeError(f"think must be a bool, got {type(think).__name__}")
    check_int("seed", seed)
    entities = split_entities(world) if entities is None else entities
    if not isinstance(entities, EntitySplit):
        raise TypeError(
            f"entities must be an EntitySplit, got {type(entities).__name__}"
        )
    rng = random.Random(f"instructions-{world.seed}-{kind}-{split}-{templates}-{seed}")
    ctx = TaskContext(entities, split, templates, rng, unknown, think)
    write = _WRITERS[kind]
    return [write(ctx) for _ in range(n)]


def training_examples(
    world: World,
    n: int,
    *,
    unknown: str = "idk",
    seed: int = 0,
    shares: dict | None = None,
) -> list[ChatExample]:
    """The instruction-tuning mixture: ``n`` shuffled examples, training entities and wordings.

    ``shares`` maps kinds to weights (:data:`TRAINING_SHARES` by default); with
    ``unknown="none"`` the ``unknown`` kind is left out and the others fill its share.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> data = training_examples(make_world(0), 40, unknown="none")
    >>> len(data), "unknown" in {ex.kind for ex in data}
    (40, False)

    Raises
    ------
    TypeError, ValueError
        For bad arguments: ``shares`` must map kinds of :data:`KINDS` to finite weights
        >= 0, at least one of them positive.

    Introduced in chapter 8.
    """
    check_int("n", n, minimum=0)
    check_choice("unknown", unknown, UNKNOWN_VARIANTS)
    if shares is not None and not isinstance(shares, Mapping):
        raise TypeError(
            f"shares must be a dict of kind -> weight, got {type(shares).__name__}"
        )
    shares = dict(TRAINING_SHARES if shares is None else shares)
    for kind, weight in shares.items():
        check_choice("a kind of shares", kind, KINDS)
        check_float(f"shares[{kind!r}]", weight, minimum=0)
    if unknown == "none":
        shares.pop("unknown", None)
    total = sum(shares.values())
    if not shares or total <= 0 or not math.isfinite(total):
        raise ValueError(
            "shares must give a positive weight to at least one kind, with a finite sum"
        )
    counts = {k: int(n * w / total) for k, w in shares.items()}
    for k in list(counts)[: n - sum(counts.values())]:
        counts[k] += 1
    entities = split_entities(world)
    examples = []
    for kind, count in counts.items():
        mode = "guess" if unknown == "guess" else "idk"
        examples += make_examples(
            world, kind, count, unknown=mode, seed=seed, entities=entities
        )
    random.Random(f"instructions-mix-{world.seed}-{seed}").shuffle(examples)
    return examples
