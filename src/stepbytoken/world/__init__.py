"""The small world: people, kingdoms, facts and the stories the book's models read.

Every chapter trains or tests on a corpus about a made-up world, generated here from a seed,
in pure Python, with no downloads. :func:`make_world` draws kingdoms (towns, a currency, a
product, a royal family) and families of ordinary people from the word lists of
:mod:`~stepbytoken.world.lexicon`; every fact about them is a ``(subject, relation, object)``
triple with one right answer. Held-out kingdoms and families never appear in the corpus, so
later chapters can measure what a model makes up about them.

:meth:`World.corpus` joins five kinds of document (:data:`DOCUMENT_KINDS`): stories
(:mod:`~stepbytoken.world.stories`, read from :mod:`~stepbytoken.world.story_templates`),
facts and question/answer pairs (:mod:`~stepbytoken.world.fact_documents`), repeated word
patterns (:mod:`~stepbytoken.world.patterns`) and arithmetic worked out digit by digit
(:mod:`~stepbytoken.world.arithmetic`). The default corpus is about 2 MB of text.

For Part III the world also writes assistant data: conversations in one format
(:mod:`~stepbytoken.world.conversation`) of six kinds of task
(:mod:`~stepbytoken.world.instructions`, :mod:`~stepbytoken.world.tool_tasks`), tools a
program runs for the model (:mod:`~stepbytoken.world.tools`,
:mod:`~stepbytoken.world.calculator`), answers with one flaw for preference pairs
(:mod:`~stepbytoken.world.flaws`), documents for retrieval
(:mod:`~stepbytoken.world.retrieval_documents`) and conversations that test memory
(:mod:`~stepbytoken.world.memory_tasks`), with held-out entities and wordings split off by
:mod:`~stepbytoken.world.entity_split`.

Introduced in chapter 3.
"""

from __future__ import annotations

from stepbytoken.world.arithmetic import format_arithmetic
from stepbytoken.world.calculator import CalculatorError, calculate
from stepbytoken.world.conversation import ChatExample, Message, check_conversation
from stepbytoken.world.corpus import (
    DOC_SEPARATOR,
    DOCUMENT_KINDS,
    Document,
    corpus_stats,
    words,
)
from stepbytoken.world.entities import Kingdom, Person
from stepbytoken.world.entity_split import EntitySplit, split_entities
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.instructions import make_examples, training_examples
from stepbytoken.world.lexicon import (
    ANIMALS,
    COLOURS,
    GENDER_PAIRS,
    OBJECTS,
    PLACES,
    PROFESSIONS,
    VERBS,
)
from stepbytoken.world.memory_tasks import needle_examples, recall_examples
from stepbytoken.world.retrieval_documents import RetrievalSet, retrieval_set
from stepbytoken.world.tools import Toolbox, ToolError, parse_call
from stepbytoken.world.world import World, make_world

__all__ = [
    "ANIMALS",
    "COLOURS",
    "CalculatorError",
    "ChatExample",
    "DOCUMENT_KINDS",
    "DOC_SEPARATOR",
    "Document",
    "EntitySplit",
    "Fact",
    "GENDER_PAIRS",
    "Kingdom",
    "Message",
    "OBJECTS",
    "PLACES",
    "PROFESSIONS",
    "Person",
    "RELATIONS",
    "RetrievalSet",
    "ToolError",
    "Toolbox",
    "VERBS",
    "World",
    "calculate",
    "check_conversation",
    "corpus_stats",
    "format_arithmetic",
    "make_examples",
    "make_world",
    "parse_call",
    "needle_examples",
    "recall_examples",
    "retrieval_set",
    "split_entities",
    "training_examples",
    "words",
]
