"""Grading an agent: was the answer right, and if not, where did the episode go wrong?

:func:`grade_episode` judges an :class:`~stepbytoken.generation.agent.Episode` against its
:class:`~stepbytoken.world.agent_tasks.AgentTask` and names one failure mode
(:data:`FAILURES`), the first that applies in this order: the guardrail that stopped it
(refused tool, malformed call, step limit, full context), no call at all, invalid
arguments, wrong arguments (a call whose result is none of the gold calls' results: a wrong
entity, a mistyped number), too few calls, and last a wrong answer after every needed
observation was right. :func:`grade_plain` grades the same question asked without tools.

Introduced in chapter 11.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_bool, check_float, check_instance, check_int
from stepbytoken.evaluation.judge import judge
from stepbytoken.generation.agent import Episode, run_episode
from stepbytoken.generation.chat import reply
from stepbytoken.nn.interface import LanguageModel
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.agent_tasks import AgentTask, react_example
from stepbytoken.world.conversation import Message
from stepbytoken.world.tools import Toolbox

__all__ = [
    "FAILURES",
    "AgentGrade",
    "failure_counts",
    "grade_episode",
    "grade_plain",
    "run_tasks",
    "share_interval",
    "summarise_grades",
]

#: The outcomes of an episode: ``"correct"``, then the failure modes in the order tested.
FAILURES = (
    "correct",
    "refused_tool",
    "malformed_call",
    "step_limit",
    "context_full",
    "no_call",
    "invalid_arguments",
    "wrong_arguments",
    "too_few_calls",
    "wrong_answer",
)


class AgentGrade(NamedTuple):
    """One task's grade: its kind, whether tools were offered, right or not, and why not.

    ``outcome`` is one of :data:`FAILURES` (``"correct"`` when right); ``episode`` is None
    for a question asked without tools, whose ``answer`` is the model's reply.

    Introduced in chapter 11.
    """

    kind: str
    tools: bool
    correct: bool
    outcome: str
    answer: str
    episode: Episode | None


def _correct(task: AgentTask, text: str) -> bool:
    """The gold judge's correctness rule on ``text``."""
    example = react_example(task, Toolbox([]), thoughts=False)
    return judge(example, text).rules["correct"]


def grade_episode(task: AgentTask, episode: Episode, toolbox: Toolbox) -> AgentGrade:
    """Grade an episode: right or wrong, and the failure mode (see :data:`FAILURES`).

    ``toolbox`` runs the task's gold calls, whose results the episode's are compared with.

    Introduced in chapter 11.
    """
    check_instance("task", task, AgentTask)
    check_instance("episode", episode, Episode)
    check_instance("toolbox", toolbox, Toolbox)
    answer = episode.answer or ""
    if episode.answer is not None and _correct(task, answer):
        return AgentGrade(task.kind, True, True, "correct", answer, episode)
    gold = {toolbox.run(str(call)) for call in task.calls}
    ran = [s for s in episode.steps if s.status in ("ran", "invalid")]
    right = {s.observation for s in ran if s.status == "ran"} & gold
    if episode.stop != "answered":
        outcome = {"refused_tool": "refused_tool", "malformed_call": "malformed_call"}
        outcome = outcome.get(episode.stop, episode.stop)
    elif not ran:
        outcome = "no_call"
    elif any(s.status == "invalid" for s in ran):
        outcome = "invalid_arguments"
    elif any(s.observation not in gold for s in ran):
        outcome = "wrong_arguments"
    elif len(right) < len(gold):
        outcome = "too_few_calls"
    else:
        outcome = "wrong_answer"
    return AgentGrade(task.kind, True, False, outcome, answer, episode)


def grade_plain(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    task: AgentTask,
    *,
    max_new_tokens: int = 32,
) -> AgentGrade:
    """Ask the task's question plainly (no tools' system message) and grade the reply.

    A reply that still writes a call is never run; it counts as ``"wrong_answer"``.

    Introduced in chapter 11.
    """
    check_instance("task", task, AgentTask)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    text = reply(
        model,
        tokenizer,
        [Message("user", task.question)],
        max_new_tokens=max_new_tokens,
    )
    right = _correct(task, text)
    return AgentGrade(
        task.kind, False, right, "correct" if right else "wrong_answer", text, None
    )


def run_tasks(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    tasks: Sequence[AgentTask],
    toolbox: Toolbox,
    *,
    tools: bool = True,
    max_steps: int = 4,
) -> list[AgentGrade]:
    """Grade a model on tasks, with the agent loop (``tools=True``) or asked plainly.

    Introduced in chapter 11.
    """
    if isinstance(tasks, (str, bytes)) or not isinstance(tasks, Sequence):
        raise TypeError(
            f"tasks must be a list of AgentTask, got {type(tasks).__name__}"
        )
    for task in tasks:
        check_instance("each of tasks", task, AgentTask)
    check_instance("toolbox", toolbox, Toolbox)
    check_bool("tools", tools)
    max_steps = check_int("max_steps", max_steps, minimum=0)
    grades = []
    for task in tasks:
        if not tools:
            grades.append(grade_plain(model, tokenizer, task))
            continue
        prompt = react_example(task, toolbox).prompt
        episode = run_episode(model, tokenizer, prompt, toolbox, max_steps=max_steps)
        grades.append(grade_episode(task, episode, toolbox))
    return grades


def share_interval(k: int, n: int, *, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a share ``k / n`` (``z`` = 1.96: 95%).

    >>> [round(x, 3) for x in share_interval(8, 10)]
    [0.49, 0.943]

    Introduced in chapter 11.
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=0, maximum=n)
    z = check_float("z", z, minimum=0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _check_grades(grades: Sequence[AgentGrade]) -> list[AgentGrade]:
    if isinstance(grades, (str, bytes)) or not isinstance(grades, Sequence):
        raise TypeError(
            f"grades must be a list of AgentGrade, got {type(grades).__name__}"
        )
    for grade in grades:
        check_instance("each of grades", grade, AgentGrade)
    return list(grades)


def summarise_grades(grades: Sequence[AgentGrade]) -> dict[str, dict[str, float]]:
    """Per task kind: ``n``, ``correct`` (the share) and its 95% interval ``low``-``high``.

    Introduced in chapter 11.
    """
    out: dict[str, dict[str, float]] = {}
    for kind in dict.fromkeys(g.kind for g in _check_grades(grades)):
        rows = [g for g in grades if g.kind == kind]
        k = sum(g.correct for g in rows)
        low, high = share_interval(k, len(rows))
        out[kind] = {
            "n": len(rows),
            "correct": round(k / len(rows), 4),
            "low": round(low, 4),
            "high": round(high, 4),
        }
    return out


def failure_counts(grades: Sequence[AgentGrade]) -> dict[str, dict[str, int]]:
    """Per task kind, how many episodes ended in each outcome of :data:`FAILURES`.

    Introduced in chapter 11.
    """
    out: dict[str, dict[str, int]] = {}
    for kind in dict.fromkeys(g.kind for g in _check_grades(grades)):
        counts = Counter(g.outcome for g in grades if g.kind == kind)
        out[kind] = {outcome: counts.get(outcome, 0) for outcome in FAILURES}
    return out
