"""Instruction tasks that take more than one step: tool calls, and answers after a scratchpad.

``tool`` examples start with a system message saying tools are available, and the assistant
answers through calls that :class:`~stepbytoken.world.tools.Toolbox` runs: arithmetic too
hard to do in one's head (``calc``), a fact looked up (``lookup``), or two look-ups and a
computation. ``scratchpad`` examples write intermediate steps (``Think: ...``) before
``Answer: ...``: sums worked digit by digit as in the corpus, and two-step questions such as
"Where does the father of Mira live?". Numbers are held out by a hash of the problem, so a
problem in training data never appears in a held-out set.

Introduced in chapter 11.
"""

from __future__ import annotations

import zlib

from stepbytoken.checks import check_choice, check_instance, check_int
from stepbytoken.world.arithmetic import format_arithmetic
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.instruction_templates import (
    SCRATCH_RELATIONS,
    TOOL_ARITHMETIC,
    TOOL_SYSTEM,
    TOOL_TWO_AGES,
)
from stepbytoken.world.task_context import TaskContext, answer_sentence
from stepbytoken.world.tools import Toolbox, format_call

__all__ = [
    "FAMILY_RELATIONS",
    "PROBLEM_OPS",
    "heldout_problem",
    "scratchpad_task",
    "tool_task",
]

#: The operators of the arithmetic problems (:func:`heldout_problem`).
PROBLEM_OPS = ("+", "-", "*")

#: Relations that lead from a person to another person (the first step of a two-step question).
FAMILY_RELATIONS = (
    "father",
    "mother",
    "son",
    "daughter",
    "brother",
    "sister",
    "husband",
    "wife",
    "uncle",
    "aunt",
)


def heldout_problem(a: int, op: str, b: int) -> bool:
    """Whether the problem ``a op b`` belongs to held-out data (a quarter of all problems).

    >>> [heldout_problem(a, "+", 7) for a in range(6)]
    [True, False, False, False, True, False]

    Raises
    ------
    TypeError, ValueError
        If ``a`` or ``b`` is not an int, or ``op`` is not one of :data:`PROBLEM_OPS`.

    Introduced in chapter 11.
    """
    check_int("a", a)
    check_choice("op", op, PROBLEM_OPS)
    check_int("b", b)
    return zlib.crc32(f"{a}{op}{b}".encode()) % 4 == 0


def _problem(ctx: TaskContext, draw) -> tuple[int, str, int]:
    """Draw problems with ``draw(rng)`` until one falls in the context's split."""
    want_heldout = ctx.split != "train"
    while True:
        a, op, b = draw(ctx.rng)
        if heldout_problem(a, op, b) == want_heldout:
            return a, op, b


def _hard_problem(rng) -> tuple[int, str, int]:
    op = rng.choice("*+-")
    if op == "*":
        return rng.randint(12, 999), op, rng.randint(12, 99)
    a, b = rng.randint(1000, 99999), rng.randint(1000, 99999)
    return (max(a, b), op, min(a, b)) if op == "-" else (a, op, b)


def _easy_problem(rng) -> tuple[int, str, int]:
    a, b, op = rng.randint(0, 999), rng.randint(0, 999), rng.choice("+-")
    return (max(a, b), op, min(a, b)) if op == "-" else (a, op, b)


def _calls(box: Toolbox, steps: list[tuple[str, str]]) -> tuple[Message, ...]:
    """Assistant calls and the tool's answers, one pair per ``(tool, arguments)`` step."""
    out: list[Message] = []
    for name, arguments in steps:
        call = format_call(name, arguments)
        out += [Message("assistant", call), Message("tool", box.run(call))]
    return tuple(out)


def tool_task(ctx: TaskContext) -> ChatExample:
    """A ``tool`` example: ``calc``, ``lookup``, or two look-ups and a computation.

    Introduced in chapter 11.
    """
    check_instance("ctx", ctx, TaskContext)
    box = Toolbox(ctx.facts())
    ages = ctx.facts(("age",))
    task = ctx.rng.choice(
        ("calc", "lookup", "ages") if len(ages) > 1 else ("calc", "lookup")
    )
    if task == "calc":
        a, op, b = _problem(ctx, _hard_problem)
        t = ctx.template(TOOL_ARITHMETIC)
        text, tid, subjects, relation = t.text.format(a=a, op=op, b=b), t.id, (), None
        steps = [("calc", f"{a} {op} {b}")]
        answer = box.run(format_call(*steps[0]))
        final = f"The answer is {answer}."
    elif task == "lookup":
        fact = ctx.rng.choice(ctx.facts())
        text, tid = ctx.ask(fact.question())
        steps = [("lookup", f"{fact.subject}, {fact.relation}")]
        answer, subjects, relation = fact.object, (fact.subject,), fact.relation
        final = answer_sentence(fact)
    else:
        x, y = ctx.rng.sample(ages, 2)
        while x.object == y.object:
            x, y = ctx.rng.sample(ages, 2)
        if int(x.object) < int(y.object):
            x, y = y, x
        t = ctx.template(TOOL_TWO_AGES)
        text, tid, subjects = (
            t.text.format(a=x.subject, b=y.subject),
            t.id,
            (x.subject, y.subject),
        )
        relation = None
        op = "-" if t.split == "train" else "+"
        steps = [("lookup", f"{x.subject}, age"), ("lookup", f"{y.subject}, age")]
        steps.append(("calc", f"{x.object} {op} {y.object}"))
        answer = str(
            int(x.object) - int(y.object)
            if op == "-"
            else int(x.object) + int(y.object)
        )
        if op == "-":
            final = f"{x.subject} is {answer} years older than {y.subject}."
        else:
            final = f"Together they are {answer} years old."
    reply = _calls(box, steps) + (Message("assistant", final),)
    prompt = (Message("system", TOOL_SYSTEM), Message("user", text))
    return ChatExample(
        "tool", prompt, reply, answer, None, tid, subjects, relation=relation
    )


def scratchpad_task(ctx: TaskContext) -> ChatExample:
    """A ``scratchpad`` example: a sum or difference, or a two-step question about a person.

    With ``ctx.think`` the answer is ``"Think: <steps>\\nAnswer: <answer>"``, otherwise just
    ``"Answer: <answer>"``.

    Introduced in chapter 12.
    """
    check_instance("ctx", ctx, TaskContext)
    links = ctx.facts(FAMILY_RELATIONS)
    known = {(f.subject, f.relation): f.object for f in ctx.facts()}
    second = [
        t
        for t in SCRATCH_RELATIONS
        if t.split == ctx.templates or ctx.templates == "all"
    ]
    hops = [
        (link, t) for link in links for t in second if (link.object, t.text) in known
    ]
    if hops and ctx.rng.random() < 0.5:
        link, t = ctx.rng.choice(hops)
        fact = Fact(link.object, t.text, known[(link.object, t.text)])
        question = RELATIONS[t.text][0].format(
            s=f"the {link.relation} of {link.subject}"
        )
        text, ask_id = ctx.ask(question)
        steps = f"{answer_sentence(link)} {answer_sentence(fact)}"
        answer, tid, subjects = (
            fact.object,
            f"{t.id}+{ask_id}",
            (link.subject, link.object),
        )
        relation = fact.relation
    else:
        a, op, b = _problem(ctx, _easy_problem)
        text, ask_id = ctx.ask(f"What is {a} {op} {b}?")
        steps = format_arithmetic(a, op, b).split("\n")[1].removeprefix("Think: ")
        answer, tid, subjects = (
            str(a + b if op == "+" else a - b),
            f"arith+{ask_id}",
            (),
        )
        relation = None
    final = f"Think: {steps}\nAnswer: {answer}" if ctx.think else f"Answer: {answer}"
    return ChatExample(
        "scratchpad",
        (Message("user", text),),
        (Message("assistant", final),),
        answer,
        None,
        tid,
        subjects,
        relation=relation,
    )
