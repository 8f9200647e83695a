"""Tasks for an agent: questions that take one or more tool calls, with their gold answers.

Four kinds (:data:`AGENT_KINDS`), from one step to three:

- ``arithmetic``: a product or a five-digit sum or difference, too hard to do in one's head
  (``[calc: 972 * 39]``);
- ``lookup``: one fact of the world (``[lookup: Mira, home]``);
- ``ages``: two ages looked up, then their difference or sum computed;
- ``two_hop``: a relative looked up, then a fact about that relative ("Where does the mother
  of Mira live?": ``[lookup: Mira, mother]`` then ``[lookup: Ulla, home]``).

Held out like the other instruction tasks: ``split="heldout"`` asks about entities that no
instruction data mentions (:func:`~stepbytoken.world.entity_split.split_entities`), in
held-out wordings, and arithmetic problems come from the held-out quarter of
:func:`~stepbytoken.world.tool_tasks.heldout_problem`; ``split="unseen"`` asks about the
world's unseen entities, which not even the pre-training corpus mentions.
:func:`react_example` writes a task's gold episode in the ReAct format: a short
``Thought: ...`` before each call.

Introduced in chapter 11.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from stepbytoken.checks import check_bool, check_choice, check_instance, check_int
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.entity_split import EntitySplit, split_entities
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.instruction_templates import TOOL_SYSTEM
from stepbytoken.world.task_context import answer_sentence
from stepbytoken.world.tool_tasks import FAMILY_RELATIONS, heldout_problem
from stepbytoken.world.tools import Toolbox, ToolCall
from stepbytoken.world.world import World

__all__ = [
    "AGENT_KINDS",
    "AGENT_SPLITS",
    "THOUGHT",
    "AgentTask",
    "agent_tasks",
    "react_example",
]

#: The task kinds, from one tool call to three.
AGENT_KINDS = ("arithmetic", "lookup", "ages", "two_hop")
#: ``"train"``: training entities, problems and wordings; ``"heldout"``: entities known from
#: pre-training only, held-out problems and wordings; ``"unseen"``: the same, about entities
#: the corpus never mentions (only a tool knows their facts).
AGENT_SPLITS = ("train", "heldout", "unseen")
#: How a thought starts.
THOUGHT = "Thought:"

# Wordings per split: the held-out ones never appear in training data.
_ARITHMETIC = {
    "train": ("What is {a} {op} {b}?", "Work out {a} {op} {b}."),
    "heldout": ("How much is {a} {op} {b}?",),
}
_AGES = {
    "train": {
        "-": ("How many years older is {a} than {b}?",),
        "+": ("What do the ages of {a} and {b} add up to?",),
    },
    "heldout": {
        "-": ("By how many years is {a} older than {b}?",),
        "+": ("Add up the ages of {a} and {b}.",),
    },
}
_SECOND_HOP = ("home", "profession", "age")


class AgentTask(NamedTuple):
    """A question for an agent, the calls that answer it, and the gold answer.

    Fields:

    kind : str
        One of :data:`AGENT_KINDS`.
    question : str
        What the user asks.
    answer : str
        The word or number a correct final answer contains.
    calls : tuple of ToolCall
        The gold calls, in order.
    final : str
        The gold final answer, a sentence.
    entities : tuple of str
        The people asked about (empty for arithmetic).

    Introduced in chapter 11.
    """

    kind: str
    question: str
    answer: str
    calls: tuple[ToolCall, ...]
    final: str
    entities: tuple[str, ...]


def _problem(rng: random.Random, heldout: bool) -> tuple[int, str, int]:
    """A hard problem from the wanted quarter of :func:`heldout_problem`."""
    while True:
        op = rng.choice("*+-")
        if op == "*":
            a, b = rng.randint(12, 999), rng.randint(12, 99)
        else:
            a, b = sorted((rng.randint(1000, 99999), rng.randint(1000, 99999)))[::-1]
        if heldout_problem(a, op, b) == heldout:
            return a, op, b


def _arithmetic(rng, split, facts, known) -> AgentTask:
    a, op, b = _problem(rng, split != "train")
    value = {"*": a * b, "+": a + b, "-": a - b}[op]
    text = rng.choice(_ARITHMETIC[split]).format(a=a, op=op, b=b)
    calls = (ToolCall("calc", f"{a} {op} {b}"),)
    return AgentTask(
        "arithmetic", text, str(value), calls, f"The answer is {value}.", ()
    )


def _lookup(rng, split, facts, known) -> AgentTask:
    fact = rng.choice(facts)
    calls = (ToolCall("lookup", f"{fact.subject}, {fact.relation}"),)
    question = RELATIONS[fact.relation][0].format(s=fact.subject)
    return AgentTask(
        "lookup",
        question,
        fact.object,
        calls,
        answer_sentence(fact),
        (fact.subject,),
    )


def _ages(rng, split, facts, known) -> AgentTask:
    ages = [f for f in facts if f.relation == "age"]
    x, y = rng.sample(ages, 2)
    while x.object == y.object:
        x, y = rng.sample(ages, 2)
    if int(x.object) < int(y.object):
        x, y = y, x
    op = rng.choice("-+")
    text = rng.choice(_AGES[split][op]).format(a=x.subject, b=y.subject)
    value = (
        int(x.object) - int(y.object) if op == "-" else int(x.object) + int(y.object)
    )
    calls = (
        ToolCall("lookup", f"{x.subject}, age"),
        ToolCall("lookup", f"{y.subject}, age"),
        ToolCall("calc", f"{x.object} {op} {y.object}"),
    )
    if op == "-":
        final = f"{x.subject} is {value} years older."
    else:
        final = f"Together they are {value}."
    return AgentTask("ages", text, str(value), calls, final, (x.subject, y.subject))


def _two_hop(rng, split, facts, known) -> AgentTask:
    hops = [
        (link, relation)
        for link in facts
        if link.relation in FAMILY_RELATIONS
        for relation in _SECOND_HOP
        if (link.object, relation) in known
    ]
    link, relation = rng.choice(hops)
    fact = Fact(link.object, relation, known[(link.object, relation)])
    question = RELATIONS[relation][0].format(s=f"the {link.relation} of {link.subject}")
    calls = (
        ToolCall("lookup", f"{link.subject}, {link.relation}"),
        ToolCall("lookup", f"{link.object}, {relation}"),
    )
    return AgentTask(
        "two_hop",
        question,
        fact.object,
        calls,
        answer_sentence(fact),
        (link.subject, link.object),
    )


_WRITERS = {
    "arithmetic": _arithmetic,
    "lookup": _lookup,
    "ages": _ages,
    "two_hop": _two_hop,
}


def agent_tasks(
    world: World,
    kind: str,
    n: int,
    *,
    split: str = "train",
    seed: int = 0,
    entities: EntitySplit | None = None,
) -> list[AgentTask]:
    """``n`` seeded tasks of one kind, about the entities of one split.

    Parameters
    ----------
    world : World
        The small world (:func:`~stepbytoken.world.make_world`).
    kind : str
        One of :data:`AGENT_KINDS`.
    n : int
        Number of tasks (>= 0).
    split : str, default "train"
        One of :data:`AGENT_SPLITS`: entities, problems and wordings.
    seed : int, default 0
        Seed of the tasks.
    entities : EntitySplit, optional
        The entity split; ``split_entities(world)`` by default.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> task = agent_tasks(make_world(0), "ages", 1, split="heldout")[0]
    >>> task.question, task.answer
    ('Add up the ages of Mira and Jorun.', '41')
    >>> [str(call) for call in task.calls]
    ['[lookup: Mira, age]', '[lookup: Jorun, age]', '[calc: 30 + 11]']

    Introduced in chapter 11.
    """
    check_instance("world", world, World)
    check_choice("kind", kind, AGENT_KINDS)
    check_int("n", n, minimum=0)
    check_choice("split", split, AGENT_SPLITS)
    check_int("seed", seed)
    entities = split_entities(world) if entities is None else entities
    check_instance("entities", entities, EntitySplit)
    facts = list(entities.facts[split])
    known = {(f.subject, f.relation): f.object for f in world.facts}
    known.update({(f.subject, f.relation): f.object for f in world.heldout_facts})
    rng = random.Random(f"agent-{world.seed}-{kind}-{split}-{seed}")
    wording = "train" if split == "train" else "heldout"
    return [_WRITERS[kind](rng, wording, facts, known) for _ in range(n)]


def _thought(task: AgentTask, call: ToolCall) -> str:
    """A short plan for one call: what is needed, or what is computed."""
    if call.name == "lookup":
        subject, relation = (p.strip() for p in call.arguments.split(","))
        return f"{THOUGHT} the {relation} of {subject}."
    if task.kind == "ages":
        return f"{THOUGHT} the {'difference' if ' - ' in call.arguments else 'sum'}."
    return f"{THOUGHT} too hard by heart."


def react_example(
    task: AgentTask, toolbox: Toolbox, *, thoughts: bool = True
) -> ChatExample:
    """A task's gold episode as a conversation: thought and call, observation, ..., answer.

    The prompt is the tools' system message and the question; each assistant message holds a
    thought (with ``thoughts=True``) and one call, each ``tool`` message what ``toolbox``
    returned; the last message is the final answer.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> world = make_world(0)
    >>> task = agent_tasks(world, "two_hop", 1, split="heldout")[0]
    >>> ex = react_example(task, Toolbox(world.facts))
    >>> for m in ex.reply:
    ...     print(f"{m.role}: {m.content}")
    assistant: Thought: the sister of Xander. [lookup: Xander, sister]
    tool: Delphine
    assistant: Thought: the home of Delphine. [lookup: Delphine, home]
    tool: Caddon
    assistant: Delphine lives in Caddon.

    Introduced in chapter 11.
    """
    check_instance("task", task, AgentTask)
    check_instance("toolbox", toolbox, Toolbox)
    check_bool("thoughts", thoughts)
    reply: list[Message] = []
    for call in task.calls:
        text = f"{_thought(task, call)} {call}" if thoughts else str(call)
        reply += [Message("assistant", text), Message("tool", toolbox.run(str(call)))]
    reply.append(Message("assistant", task.final))
    prompt = (Message("system", TOOL_SYSTEM), Message("user", task.question))
    return ChatExample(
        "tool",
        prompt,
        tuple(reply),
        task.answer,
        None,
        f"agent/{task.kind}",
        task.entities,
    )
