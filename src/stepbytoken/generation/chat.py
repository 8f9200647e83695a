"""Talking to a chat model: the assistant's next message, and a turn that may use tools.

:func:`reply` asks a model for the assistant's next message. It writes the conversation in the
chat format (:func:`~stepbytoken.tokenizers.chat.chat_prompt`, which ends with
``<|assistant|>``), generates until the model writes ``<|end|>``, and decodes what came
before it.

:func:`assistant_turn` lets the assistant use tools. When its message holds a tool call such as
``[calc: 17 * 23]``, a program (the :class:`~stepbytoken.world.tools.Toolbox`, never the model)
runs the call, the result goes back as a ``tool`` message, and the model writes again, until it
writes a message without a call or has made ``max_calls`` calls.

Introduced in chapter 8 (:func:`reply`) and chapter 11 (:func:`assistant_turn`).
"""

from __future__ import annotations

from collections.abc import Sequence

from stepbytoken.checks import check_int
from stepbytoken.generation.generate import generate
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.chat import END, chat_prompt, message_text
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import Message, check_conversation
from stepbytoken.world.tools import Toolbox, has_call

__all__ = ["assistant_turn", "reply"]


def reply(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    messages: Sequence[Message],
    *,
    max_new_tokens: int = 64,
    greedy: bool = True,
    temperature: float = 1.0,
    seed: int | None = None,
) -> str:
    """The assistant's next message after ``messages``, as the model writes it.

    Introduced in chapter 8.

    Parameters
    ----------
    model : LanguageModel
        A model that reads the chat tokens of ``tokenizer``.
    tokenizer : BPETokenizer
        A tokenizer with the chat format's special tokens
        (:func:`~stepbytoken.tokenizers.chat.chat_tokenizer`).
    messages : sequence of Message
        A well-formed conversation that the assistant answers next.
    max_new_tokens : int, default 64
        The longest message, in tokens (fewer if the context fills up first); the text
        written so far if ``<|end|>`` does not come.
    greedy, temperature, seed
        The sampler (see :func:`~stepbytoken.generation.generate.generate`): the most likely
        token by default.

    Returns
    -------
    str
        The message's text, without ``<|end|>``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a conversation longer than the model's context.
    """
    check_language_model(model)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    prompt = chat_prompt(tokenizer, messages)
    context = model.block_size  # None: the model reads any length
    if context is not None and len(prompt) >= context:
        raise ValueError(
            f"the conversation is {len(prompt)} tokens, and the model reads at most "
            f"{context}: shorten it, so that the answer fits in the context too"
        )
    if context is not None:  # never past the context, as answer_questions does
        max_new_tokens = min(max_new_tokens, context - len(prompt))
    end = tokenizer.special_id(END)
    out = generate(
        model,
        prompt,
        max_new_tokens,
        greedy=greedy,
        temperature=temperature,
        seed=seed,
        stop_token=end,
    )
    return message_text(tokenizer, out[len(prompt) :].tolist())  # up to <|end|>


def assistant_turn(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    messages: Sequence[Message],
    toolbox: Toolbox,
    *,
    max_calls: int = 3,
    max_new_tokens: int = 64,
) -> tuple[Message, ...]:
    """The messages of the assistant's turn, with each tool call run and answered.

    Greedy decoding throughout. The assistant writes; if its message holds a tool call, the
    toolbox runs it and the result becomes a ``tool`` message; and so on, until a message
    without a call, or a call beyond the first ``max_calls``, which is left unrun.

    Introduced in chapter 11.

    Parameters
    ----------
    model, tokenizer, messages, max_new_tokens
        As for :func:`reply`.
    toolbox : Toolbox
        Runs the calls: allow-listed tools only, with their arguments checked.
    max_calls : int, default 3
        The most tool calls in one turn.

    Returns
    -------
    tuple of Message
        The new messages only: ``assistant`` and ``tool`` in turn.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a conversation that outgrows the model's context.
    """
    if not isinstance(toolbox, Toolbox):
        raise TypeError(f"toolbox must be a Toolbox, got {type(toolbox).__name__}")
    max_calls = check_int("max_calls", max_calls, minimum=0)
    chat = check_conversation(messages)
    new: list[Message] = []
    for calls in range(max_calls + 1):
        text = reply(model, tokenizer, [*chat, *new], max_new_tokens=max_new_tokens)
        new.append(Message("assistant", text))
        if not has_call(text) or calls == max_calls:
            break
        new.append(Message("tool", toolbox.run(text)))  # a program runs the call
    return tuple(new)
