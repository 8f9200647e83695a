"""What the instruction-task writers share: a context (split, wordings, one rng) and answers.

Introduced in chapter 8.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stepbytoken.checks import check_choice, check_instance, check_str, check_strings
from stepbytoken.world.entity_split import EntitySplit
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.instruction_templates import ASK, Template, pick_templates
from stepbytoken.world.writer import an, cap

__all__ = ["TaskContext", "answer_sentence"]


@dataclass
class TaskContext:
    """What every task writer needs: the split, the templates to use and one random generator.

    ``split`` is one of ``SPLITS`` of :mod:`~stepbytoken.world.entity_split`, ``templates``
    ``"train"``, ``"heldout"`` or ``"all"``; ``unknown`` and ``think`` are as for
    :func:`~stepbytoken.world.instructions.make_examples`.

    Introduced in chapter 8.
    """

    entities: EntitySplit
    split: str
    templates: str
    rng: random.Random
    unknown: str = "idk"
    think: bool = True

    def template(self, templates: tuple[Template, ...]) -> Template:
        """A random template of this context's template split."""
        return self.rng.choice(pick_templates(templates, self.templates))

    def ask(self, question: str) -> tuple[str, str]:
        """The question in a random wording of ``ASK``, and that wording's identifier."""
        check_str("question", question)
        t = self.template(ASK)
        return t.text.format(q=question), t.id

    def facts(self, relations: tuple[str, ...] | None = None) -> list[Fact]:
        """The facts of this split, optionally only those of some relations.

        Raises ``ValueError`` if the split has no facts at all (e.g. a world without held-out
        entities), and ``TypeError``/``ValueError`` if ``relations`` is not a list of keys of
        :data:`~stepbytoken.world.facts.RELATIONS`.
        """
        if relations is not None:
            relations = tuple(check_strings("relations", relations))
            for relation in relations:
                check_choice("a relation of relations", relation, tuple(RELATIONS))
        facts = self.entities.facts[self.split]
        if not facts:
            raise ValueError(
                f"the {self.split!r} split of this world has no facts to ask about"
            )
        return [f for f in facts if relations is None or f.relation in relations]

    def train_objects(self, relation: str) -> list[str]:
        """Every answer of ``relation`` among training facts (for made-up answers)."""
        check_choice("relation", relation, tuple(RELATIONS))
        return sorted(
            {f.object for f in self.entities.facts["train"] if f.relation == relation}
        )


def answer_sentence(fact: Fact) -> str:
    """The fact in the first wording of :data:`~stepbytoken.world.facts.RELATIONS`.

    >>> answer_sentence(Fact("Mira", "profession", "baker"))
    'Mira is a baker.'

    Raises
    ------
    TypeError, ValueError
        If ``fact`` is not a :class:`~stepbytoken.world.facts.Fact` of a known relation.

    Introduced in chapter 8.
    """
    check_instance("fact", fact, Fact)
    check_choice("fact.relation", fact.relation, tuple(RELATIONS))
    text = RELATIONS[fact.relation][1][0]
    return cap(
        text.format(s=fact.subject, o=fact.object, an_o=an(fact.object), his="its")
    )
