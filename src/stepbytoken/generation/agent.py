"""An agent's loop: thought and action, the program's observation, again, then an answer.

The ReAct format (Yao et al., 2023) in the chat format of chapter 8. The assistant writes a
short thought and one tool call, ``Thought: the age of Mira. [lookup: Mira, age]``; a program
parses the call (:func:`act`) and, if the tool is on the allow-list and its arguments are
valid, runs it; the result goes back as a ``tool`` message (the observation). The assistant
writes again, until it writes a message without a call: the final answer.

The guardrails are the program's, not the model's: a call to a tool that is not on the
allow-list is refused and never run (the episode stops), invalid arguments come back as an
``error: ...`` observation, and the episode stops after ``max_steps`` calls. Nothing the model
writes is executed as code. :func:`run_episode` returns an :class:`Episode` that records each
step and why the episode stopped (:data:`STOPS`).

Introduced in chapter 11.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_instance, check_int, check_str
from stepbytoken.generation.chat import reply
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.chat import chat_prompt
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.agent_tasks import THOUGHT
from stepbytoken.world.conversation import Message, check_conversation
from stepbytoken.world.tools import (
    CALL_OPEN,
    TOOLS,
    Toolbox,
    ToolCall,
    ToolError,
    has_call,
    parse_call,
)

__all__ = [
    "STATUSES",
    "STOPS",
    "Episode",
    "Step",
    "act",
    "run_episode",
    "split_thought",
]

#: What happened to one assistant message (:attr:`Step.status`).
STATUSES = ("answer", "ran", "invalid", "refused", "malformed", "unrun")
#: Why an episode stopped (:attr:`Episode.stop`).
STOPS = ("answered", "step_limit", "refused_tool", "malformed_call", "context_full")


class Step(NamedTuple):
    """One assistant message of an episode and what the program made of it.

    Fields:

    text : str
        The message as the model wrote it.
    thought : str or None
        Its thought, without ``Thought:`` (None if it wrote none).
    call : ToolCall or None
        The parsed call (None for an answer or a malformed call).
    observation : str or None
        What went back to the model: the tool's result or an ``error: ...`` line (None for
        an answer, and for a call that was refused or malformed and so never run).
    status : str
        One of :data:`STATUSES`: ``"answer"`` (no call), ``"ran"``, ``"invalid"`` (an
        allow-listed tool refused its arguments), ``"refused"`` (a tool not on the
        allow-list), ``"malformed"`` (brackets that are not ``[name: arguments]``),
        ``"unrun"`` (a call past the episode's step limit).

    Introduced in chapter 11.
    """

    text: str
    thought: str | None
    call: ToolCall | None
    observation: str | None
    status: str


class Episode(NamedTuple):
    """What an agent did with a request: its steps, its answer and why it stopped.

    Fields:

    messages : tuple of Message
        The whole conversation: the prompt, then every assistant and ``tool`` message.
    steps : tuple of Step
        The assistant's messages, in order.
    answer : str or None
        The final answer (the last message, without its thought), or None if it never
        answered.
    stop : str
        One of :data:`STOPS`.

    Introduced in chapter 11.
    """

    messages: tuple[Message, ...]
    steps: tuple[Step, ...]
    answer: str | None
    stop: str

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """The calls that ran (with a result or an ``error:`` observation)."""
        return tuple(s.call for s in self.steps if s.status in ("ran", "invalid"))


def split_thought(text: str) -> tuple[str | None, str]:
    """A message's thought (or None) and the rest: the call or the answer.

    The thought runs from ``Thought:`` to the call's ``[``, or to the end of the first
    sentence if there is no call.

    >>> split_thought("Thought: the age of Mira. [lookup: Mira, age]")
    ('the age of Mira.', '[lookup: Mira, age]')
    >>> split_thought("Mira is 34.")
    (None, 'Mira is 34.')

    Introduced in chapter 11.
    """
    text = check_str("text", text).strip()
    if not text.startswith(THOUGHT):
        return None, text
    body = text[len(THOUGHT) :]
    cut = body.find(CALL_OPEN)
    if cut < 0:
        cut = body.find(".") + 1 or len(body)
    return body[:cut].strip(), body[cut:].strip()


def act(text: str, toolbox: Toolbox) -> Step:
    """Parse one assistant message and, if it holds an allowed call, run it.

    Examples
    --------
    >>> from stepbytoken.world.facts import Fact
    >>> box = Toolbox([Fact("Mira", "age", "34")])
    >>> act("Thought: the age of Mira. [lookup: Mira, age]", box).observation
    '34'
    >>> step = act("[python: __import__('os').system('ls')]", box)
    >>> step.status, step.observation
    ('refused', None)

    Introduced in chapter 11.
    """
    text = check_str("text", text)
    check_instance("toolbox", toolbox, Toolbox)
    thought, rest = split_thought(text)
    if not has_call(rest):
        return Step(text, thought, None, None, "answer")
    try:
        call = parse_call(rest)
    except ToolError:
        return Step(text, thought, None, None, "malformed")
    if call.name not in TOOLS:  # never run: not on the allow-list
        return Step(text, thought, call, None, "refused")
    try:
        return Step(text, thought, call, toolbox.call(call), "ran")
    except ToolError as err:
        return Step(text, thought, call, f"error: {err}", "invalid")


def run_episode(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    messages: Sequence[Message],
    toolbox: Toolbox,
    *,
    max_steps: int = 4,
    max_new_tokens: int = 40,
) -> Episode:
    """Let the model act on a request with tools until it answers or a guardrail stops it.

    Greedy decoding. Each assistant message is parsed by :func:`act`: an answer ends the
    episode; a call that ran, or was refused for its arguments, adds a ``tool`` message and the
    model writes again; a refused tool or a malformed call ends the episode unrun. The
    ``max_steps + 1``-th call is not run (``"step_limit"``), and an episode stops with
    ``"context_full"`` when the conversation leaves no room in the model's context.

    Parameters
    ----------
    model, tokenizer
        A chat model and its tokenizer (see :func:`~stepbytoken.generation.chat.reply`).
    messages : sequence of Message
        The prompt: usually the tools' system message and the user's request.
    toolbox : Toolbox
        Runs the calls: allow-listed tools only, with their arguments checked.
    max_steps : int, default 4
        The most tool calls run in one episode.
    max_new_tokens : int, default 40
        The longest assistant message, in tokens.

    Returns
    -------
    Episode

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Introduced in chapter 11.
    """
    check_language_model(model)
    check_instance("tokenizer", tokenizer, BPETokenizer)
    chat = list(check_conversation(messages))
    check_instance("toolbox", toolbox, Toolbox)
    max_steps = check_int("max_steps", max_steps, minimum=0)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    context = model.block_size
    steps: list[Step] = []
    stop = "step_limit"
    for n_calls in range(max_steps + 1):
        if context is not None and len(chat_prompt(tokenizer, chat)) >= context - 2:
            stop = "context_full"
            break
        text = reply(model, tokenizer, chat, max_new_tokens=max_new_tokens)
        thought, rest = split_thought(text)
        if n_calls == max_steps and has_call(rest):  # one call too many: never run
            step = Step(text, thought, None, None, "unrun")
        else:
            step = act(text, toolbox)
        steps.append(step)
        if step.status == "answer":
            stop = "answered"
        elif step.status in ("refused", "malformed"):
            stop = f"{step.status}_{'tool' if step.status == 'refused' else 'call'}"
        elif step.status in ("ran", "invalid"):
            chat += [Message("assistant", text), Message("tool", step.observation)]
            continue
        break
    if steps and stop != "context_full":
        chat.append(Message("assistant", steps[-1].text.strip() or "..."))
    answer = split_thought(steps[-1].text)[1] if stop == "answered" else None
    return Episode(tuple(chat), tuple(steps), answer, stop)
