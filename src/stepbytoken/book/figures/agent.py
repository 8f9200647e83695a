"""Chapter 11's figures: accuracy with and without tools, failure modes, the episode stepper.

Introduced in chapter 11.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec, toolbox_data
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import check_instance, check_int, check_mapping, check_str
from stepbytoken.generation.agent import run_episode
from stepbytoken.recipes.sft import Assistant
from stepbytoken.world.conversation import Message
from stepbytoken.world.instruction_templates import TOOL_SYSTEM
from stepbytoken.world.tools import Toolbox

__all__ = [
    "OUTCOME_LABELS",
    "episode_frames",
    "episode_widget",
    "live_episode_data",
    "plot_failures",
    "plot_tool_accuracy",
]

#: How each outcome of :data:`~stepbytoken.evaluation.agent.FAILURES` reads in a figure.
OUTCOME_LABELS = {
    "correct": "correct",
    "refused_tool": "refused tool",
    "malformed_call": "malformed call",
    "step_limit": "step limit hit",
    "context_full": "context full",
    "no_call": "answered without a call",
    "invalid_arguments": "invalid arguments",
    "wrong_arguments": "wrong arguments",
    "too_few_calls": "too few calls",
    "wrong_answer": "wrong answer after right observations",
}

# What the stepper says about each step's status.
_STATUS_NOTES = {
    "answer": "No call: this is the final answer.",
    "ran": "The program ran the call; its result goes back to the model.",
    "invalid": "The tool refused the arguments; the error goes back to the model.",
    "refused": "Not on the allow-list: never run, the episode stops.",
    "malformed": "Not a well-formed call: never run, the episode stops.",
    "unrun": "Past the step limit: never run, the episode stops.",
}


def plot_tool_accuracy(
    conditions: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> Figure:
    """Share correct per task kind, one bar per condition, with 95% intervals.

    Parameters
    ----------
    conditions : mapping
        For each label (e.g. ``"without tools"``), ``{kind: {"correct": share, "low": ...,
        "high": ...}}`` as :func:`~stepbytoken.evaluation.agent.summarise_grades` returns.

    Examples
    --------
    >>> row = {"lookup": {"correct": 0.5, "low": 0.2, "high": 0.8}}
    >>> fig = plot_tool_accuracy({"without tools": row, "with tools": row})
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [50, 50]

    Introduced in chapter 11.
    """
    check_mapping("conditions", conditions, allow_empty=False)
    kinds = list(next(iter(conditions.values())))
    for label, table in conditions.items():
        if not isinstance(table, Mapping) or any(k not in table for k in kinds):
            raise ValueError(
                f"conditions[{label!r}] must map every kind of {kinds} to its shares"
            )
    fig, ax = plt.subplots(figsize=(7.0, 3.4), layout="constrained")
    x = np.arange(len(kinds))
    width = 0.8 / len(conditions)
    for i, (label, table) in enumerate(conditions.items()):
        shares = np.array([100 * table[k]["correct"] for k in kinds])
        low = np.array([100 * table[k]["low"] for k in kinds])
        high = np.array([100 * table[k]["high"] for k in kinds])
        ax.bar(
            x + (i - (len(conditions) - 1) / 2) * width,
            shares,
            width,
            yerr=[shares - low, high - shares],
            capsize=3,
            label=label,
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xticks(x, [k.replace("_", "-") for k in kinds])
    ax.set_ylim(0, 105)
    ax.set_xlabel("task kind (held-out entities, problems and wordings)")
    ax.set_ylabel("answered correctly (%)")
    ax.legend(loc="upper right", fontsize=9)
    return fig


def plot_failures(counts: Mapping[str, Mapping[str, int]]) -> Figure:
    """Per task kind, how the episodes ended: a stacked bar of outcome counts.

    Outcomes that never happened are left out of the legend.

    Parameters
    ----------
    counts : mapping
        ``{kind: {outcome: count}}`` as :func:`~stepbytoken.evaluation.agent.failure_counts`
        returns.

    Examples
    --------
    >>> fig = plot_failures({"ages": {"correct": 3, "no_call": 1}})
    >>> [round(p.get_width()) for p in fig.axes[0].patches]
    [3, 1]

    Introduced in chapter 11.
    """
    check_mapping("counts", counts, allow_empty=False)
    kinds = list(counts)
    outcomes = [o for o in OUTCOME_LABELS if any(counts[k].get(o, 0) for k in kinds)]
    unknown = {o for k in kinds for o in counts[k]} - set(OUTCOME_LABELS)
    if unknown:
        raise ValueError(
            f"unknown outcomes {sorted(unknown)}; allowed: {list(OUTCOME_LABELS)}"
        )
    fig, ax = plt.subplots(figsize=(7.4, 3.2), layout="constrained")
    y = np.arange(len(kinds))
    left = np.zeros(len(kinds))
    for i, outcome in enumerate(outcomes):
        widths = np.array([counts[k].get(outcome, 0) for k in kinds], dtype=float)
        colour = "#7a7a7a" if outcome == "correct" else PALETTE[i % len(PALETTE)]
        ax.barh(y, widths, left=left, label=OUTCOME_LABELS[outcome], color=colour)
        left += widths
    ax.set_yticks(y, [k.replace("_", "-") for k in kinds])
    ax.invert_yaxis()
    ax.set_xlabel("episodes (count)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return fig


def episode_frames(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored episodes as the frames of an episode stepper: one frame per message.

    Parameters
    ----------
    records : sequence of dict
        Episodes as :func:`~stepbytoken.recipes.agent.episode_record` stores them.

    Returns
    -------
    list of dict
        Per episode: ``question``, ``gold``, ``outcome``, ``stop`` and ``frames``, each frame
        ``{"role", "text", "thought", "call", "status", "note"}``: the prompt's messages,
        then every assistant message with what the program did with it, then its
        observation.

    Examples
    --------
    >>> record = {"question": "Q?", "gold": "4", "outcome": "correct", "stop": "answered",
    ...           "messages": [["user", "Q?"], ["assistant", "[calc: 2 + 2]"],
    ...                        ["tool", "4"], ["assistant", "4."]],
    ...           "steps": [{"text": "[calc: 2 + 2]", "thought": None,
    ...                      "call": "[calc: 2 + 2]", "observation": "4", "status": "ran"},
    ...                     {"text": "4.", "thought": None, "call": None,
    ...                      "observation": None, "status": "answer"}]}
    >>> [f["role"] for f in episode_frames([record])[0]["frames"]]
    ['user', 'assistant', 'tool', 'assistant']

    Introduced in chapter 11.
    """
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise TypeError(
            f"records must be a list of episode_record dicts, got {type(records).__name__}"
        )
    out = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping) or not {"messages", "steps"} <= set(record):
            raise TypeError(
                f"records[{i}] must be an episode_record dict, got {record!r:.60}"
            )
        steps = iter(record["steps"])
        frames = []
        for role, text in record["messages"]:
            frame = {"role": role, "text": text, "thought": None, "call": None}
            if role == "assistant":
                step = next(steps)
                frame.update(
                    thought=step["thought"],
                    call=step["call"],
                    status=step["status"],
                    note=_STATUS_NOTES[step["status"]],
                )
            else:
                frame.update(status=None, note=None)
            frames.append(frame)
        out.append(
            {
                "question": record.get("question"),
                "gold": record.get("gold"),
                "outcome": record.get("outcome"),
                "stop": record.get("stop"),
                "frames": frames,
            }
        )
    return out


def episode_widget(
    records: Sequence[Mapping[str, Any]],
    *,
    title: str = "",
    live: Mapping[str, Any] | None = None,
) -> InteractiveFigure:
    """The stepper: pick a stored episode and walk through it message by message.

    Parameters
    ----------
    records
        Stored episodes (the agent recipe's ``episodes``; see :func:`episode_frames`).
    title
        A line shown above the controls.
    live : dict, optional
        :func:`live_episode_data`'s result: the agent runs on the reader's own request, in
        the browser.

    Examples
    --------
    >>> record = {"question": "Q?", "gold": "7", "outcome": "correct", "stop": "answered",
    ...           "messages": [["user", "Q?"], ["assistant", "7."]],
    ...           "steps": [{"text": "7.", "thought": None, "call": None,
    ...                      "observation": None, "status": "answer"}]}
    >>> 'data-sbt-widget="episode"' in episode_widget([record]).html
    True

    Introduced in chapter 11.
    """
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    episodes = episode_frames(records)
    if not episodes:
        raise ValueError("records must hold at least one episode")
    data = {"title": title, "outcomes": OUTCOME_LABELS, "episodes": episodes}
    if live is not None:
        data["live"] = check_mapping("live", live, allow_empty=False)
    return widget("episode", data, label="an agent's episode, step by step")


def live_episode_data(
    agent: Any,
    question: str,
    toolbox: Toolbox,
    *,
    max_steps: int = 4,
    max_new_tokens: int = 40,
) -> dict[str, Any]:
    """The live part of the episode stepper: the agent acts on the reader's own request.

    The page loads the agent's shipped weights (``gpt.js``) and runs
    :func:`~stepbytoken.generation.agent.run_episode` as ``chat.js`` ports it: the same
    prompt (the tools' system line, then the request), the same allow-list, argument checks
    and step limit, the calculator and the look-ups run by the page's own program. This
    function runs ``question`` in Python: what the figure shows until the reader asks
    something else.

    Parameters
    ----------
    agent : Assistant
        The shipped agent (:func:`~stepbytoken.recipes.agent.load_agent`).
    question : str
        The request the figure starts with.
    toolbox : Toolbox
        The tools the agent may call.
    max_steps, max_new_tokens
        As for :func:`~stepbytoken.generation.agent.run_episode`.

    Returns
    -------
    dict
        ``spec``, ``system``, ``facts``, ``relations``, ``max_steps``, ``max_new_tokens``,
        ``notes`` (what the stepper says of each step's status) and ``default``: the episode
        of ``question`` as :func:`episode_frames` shows it.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or an agent that is not the shipped one.

    Introduced in chapter 11.
    """
    check_instance("agent", agent, Assistant)
    spec = shipped_spec(agent.model, agent.tokenizer, "agent")
    question = check_str("question", question, allow_empty=False)
    max_steps = check_int("max_steps", max_steps, minimum=0)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    prompt = [Message("system", TOOL_SYSTEM), Message("user", question)]
    episode = run_episode(
        agent.model,
        agent.tokenizer,
        prompt,
        toolbox,
        max_steps=max_steps,
        max_new_tokens=max_new_tokens,
    )
    record = {
        "question": question,
        "stop": episode.stop,
        "messages": [[m.role, m.content] for m in episode.messages],
        "steps": [
            {**s._asdict(), "call": None if s.call is None else str(s.call)}
            for s in episode.steps
        ],
    }
    return {
        "spec": spec,
        "system": TOOL_SYSTEM,
        **toolbox_data(toolbox),
        "max_steps": max_steps,
        "max_new_tokens": max_new_tokens,
        "notes": _STATUS_NOTES,
        "default": episode_frames([record])[0],
    }
