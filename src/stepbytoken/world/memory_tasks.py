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

__all__ = ["ACKNOWLEDGE", "needle_examples", "recall_examples"]

#: The assistant's reply when told a fact.
ACKNOWLEDGE = "Noted."


def recall_examples(
    world: World,
    n: int,
    n_filler: int,
    *,
    split: str = "train",
    seed: int = 0,
    n_before: int = 0,
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
    n_before
        Questions before the fact (>= 0), so that the fact is not the first message.

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
    check_int("n_before", n_before, minimum=0)
    entities = split_entities(world)
    rng = random.Random(f"recall-{world.seed}-{split}-{n_filler}-{seed}")
    people = entities.phantom_people["passage" if split == "train" else "heldout"]
    homes = sorted({f.object for f in entities.facts["train"] if f.relation == "home"})
    per = n_before + n_filler  # filler questions per conversation
    fillers = make_examples(
        world, "fact", n * per, split=split, seed=seed, entities=entities
    )
    examples = []
    for i in range(n):
        fact = Fact(rng.choice(people), "home", rng.choice(homes))
        before, after = (
            fillers[i * per : i * per + n_before],
            fillers[i * per + n_before : (i + 1) * per],
        )
        messages = [m for ex in before for m in ex.messages]
        messages += [
            Message("user", f"Remember this: {answer_sentence(fact)}"),
            Message("assistant", ACKNOWLEDGE),
        ]
        for ex in after:
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


def needle_examples(
    world: World,
    n: int,
    n_distractors: int,
    position: int,
    *,
    split: str = "train",
    seed: int = 0,
) -> list[ChatExample]:
    """``n`` passage questions whose answer sits at ``position`` among distractor sentences.

    Each passage tells where ``n_distractors + 1`` different phantom people live, one
    sentence each; the question asks about the person of sentence ``position``. Every
    sentence has the same shape, so only the name tells the answer's sentence from the others.

    Parameters
    ----------
    world
        The small world.
    n
        Number of examples (>= 0).
    n_distractors
        Other people in each passage (>= 0, and fewer than the phantoms of ``split``).
    position
        Index of the answer's sentence, from 0 (first) to ``n_distractors`` (last).
    split
        ``"train"`` or ``"heldout"``: which phantom names the passages use.
    seed
        Seed of the passages; the same seed gives the same people and homes at every
        ``position``, so positions are compared on the same facts.

    Returns
    -------
    list of ChatExample
        Of kind ``"passage"``, one user message each; ``reply`` is the answer's sentence.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> ex = needle_examples(make_world(0), 1, n_distractors=1, position=1)[0]
    >>> ex.prompt[0].content.split("\\n")[1].startswith("Answer from the text.")
    True
    >>> ex.final in ex.prompt[0].content.split("\\n")[0].split(". ")[1] + "."
    True

    Introduced in chapter 9.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    check_int("n", n, minimum=0)
    check_choice("split", split, ("train", "heldout"))
    entities = split_entities(world)
    people = entities.phantom_people["passage" if split == "train" else "heldout"]
    check_int("n_distractors", n_distractors, minimum=0, maximum=len(people) - 1)
    check_int("position", position, minimum=0, maximum=n_distractors)
    check_int("seed", seed)
    rng = random.Random(f"needle-{world.seed}-{split}-{n_distractors}-{seed}")
    homes = sorted({f.object for f in entities.facts["train"] if f.relation == "home"})
    examples = []
    for _ in range(n):
        facts = [
            Fact(p, "home", rng.choice(homes))
            for p in rng.sample(people, n_distractors + 1)
        ]
        target, others = facts[0], facts[1:]
        sentences = [answer_sentence(f) for f in others]
        sentences.insert(position, answer_sentence(target))
        text = f"Text: {' '.join(sentences)}\nAnswer from the text. {target.question()}"
        examples.append(
            ChatExample(
                "passage",
                (Message("user", text),),
                (Message("assistant", answer_sentence(target)),),
                target.object,
                None,
                f"needle/{position}",
                (target.subject,),
                relation="home",
            )
        )
    return examples
