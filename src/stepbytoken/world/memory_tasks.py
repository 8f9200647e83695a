"""Conversations that test memory: a fact told early, other questions, then the fact asked.

The user first tells the assistant something it cannot know (a made-up fact about a phantom
person, see :mod:`~stepbytoken.world.entity_split`), then asks ``n_filler`` unrelated
questions about the world, then asks for the fact. The only place the answer can come from
is the start of the conversation, so accuracy against ``n_filler`` shows how far back the
model remembers, and where its context window cuts the fact off.

Introduced in chapter 9.
"""

from __future__ import annotations

import random

from stepbytoken.checks import check_choice, check_int
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.facts import Fact
from stepbytoken.world.instructions import make_examples
from stepbytoken.world.task_context import answer_sentence
from stepbytoken.world.world import World

__all__ = ["ACKNOWLEDGE", "recall_examples"]

#: The assistant's reply when told a fact.
ACKNOWLEDGE = "Noted."


def recall_examples(
    world: World, n: int, n_filler: int, *, split: str = "train", seed: int = 0
) -> list[ChatExample]:
    """``n`` conversations that ask, after ``n_filler`` other questions, for a fact told first.

    Parameters
    ----------
    world
        The small world.
    n
        Number of conversations (>= 0).
    n_filler
        Questions between the fact and the question about it (>= 0).
    split
        ``"train"`` or ``"heldout"``: which phantoms carry the fact and which entities the
        filler questions are about.
    seed
        Seed of the conversations.

    Returns
    -------
    list of ChatExample
        Of kind ``"recall"``; ``reply`` is the last answer, ``prompt`` everything before it.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> ex = recall_examples(make_world(0), 1, n_filler=1, seed=0)[0]
    >>> [m.role for m in ex.messages]
    ['user', 'assistant', 'user', 'assistant', 'user', 'assistant']
    >>> ex.prompt[0].content
    'Remember this: Torvald lives in Caddon.'

    Introduced in chapter 9.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    check_int("n", n, minimum=0)
    check_int("n_filler", n_filler, minimum=0)
    check_choice("split", split, ("train", "heldout"))
    check_int("seed", seed)
    entities = split_entities(world)
    rng = random.Random(f"recall-{world.seed}-{split}-{n_filler}-{seed}")
    people = entities.phantom_people["passage" if split == "train" else "heldout"]
    homes = sorted({f.object for f in entities.facts["train"] if f.relation == "home"})
    fillers = make_examples(
        world, "fact", n * n_filler, split=split, seed=seed, entities=entities
    )
    examples = []
    for i in range(n):
        fact = Fact(rng.choice(people), "home", rng.choice(homes))
        messages = [
            Message("user", f"Remember this: {answer_sentence(fact)}"),
            Message("assistant", ACKNOWLEDGE),
        ]
        for ex in fillers[i * n_filler : (i + 1) * n_filler]:
            messages += ex.messages
        messages.append(Message("user", fact.question()))
        examples.append(
            ChatExample(
                "recall",
                tuple(messages),
                (Message("assistant", answer_sentence(fact)),),
                fact.object,
                None,
                "recall/0",
                (fact.subject,),
                relation="home",
            )
        )
    return examples
