"""The assistant's reply and a turn with tools (stepbytoken.generation.chat).

A tiny GPT learns one conversation by heart, so greedy decoding must write it back: the
assistant's tool call, and after the tool's result (run by the Toolbox, not the model) its
answer.
"""

from __future__ import annotations

import pytest
import torch

from stepbytoken.generation.chat import assistant_turn, reply
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.tokenizers.chat import chat_tokenizer, encode_chat
from stepbytoken.training.chat_batches import chat_batch
from stepbytoken.world.conversation import Message
from stepbytoken.world.corpus import DOC_SEPARATOR
from stepbytoken.world.tools import Toolbox

QUESTION = Message("user", "What is 6 * 7?")
CONVERSATION = [
    QUESTION,
    Message("assistant", "[calc: 6*7]"),
    Message("tool", "42"),
    Message("assistant", "It is 42."),
]


@pytest.fixture(scope="module")
def tokenizer() -> BPETokenizer:
    return chat_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))


@pytest.fixture(scope="module")
def model(tokenizer) -> GPT:
    """A one-block GPT trained until it knows CONVERSATION by heart."""
    torch.manual_seed(0)
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size, block_size=64, n_layer=1, n_head=2, d_model=32
    )
    model = GPT(config, seed=0)
    idx, targets = chat_batch([encode_chat(tokenizer, CONVERSATION)], 64, pad_id=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(300):
        _, loss = model(idx, targets=targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
    return model.eval()


def test_reply_writes_the_learned_message_without_its_end_marker(model, tokenizer):
    assert reply(model, tokenizer, [QUESTION]) == "[calc: 6*7]"
    assert reply(model, tokenizer, CONVERSATION[:3]) == "It is 42."


def test_reply_stops_at_max_new_tokens(model, tokenizer):
    assert (
        reply(model, tokenizer, [QUESTION], max_new_tokens=3) == "[c"
    )  # " ", "[", "c"


def test_turn_runs_the_call_and_answers_with_its_result(model, tokenizer):
    turn = assistant_turn(model, tokenizer, [QUESTION], Toolbox([]))
    assert turn == tuple(CONVERSATION[1:])


def test_turn_leaves_a_call_beyond_max_calls_unrun(model, tokenizer):
    turn = assistant_turn(model, tokenizer, [QUESTION], Toolbox([]), max_calls=0)
    assert turn == (Message("assistant", "[calc: 6*7]"),)


def test_a_conversation_longer_than_the_context_is_refused(model, tokenizer):
    long = [Message("user", "x" * 80)]
    with pytest.raises(ValueError, match="reads at most 64"):
        reply(model, tokenizer, long)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_new_tokens": 0}, ValueError),
        ({"max_new_tokens": 1.5}, TypeError),
    ],
)
def test_bad_arguments_are_refused(model, tokenizer, kwargs, error):
    with pytest.raises(error):
        reply(model, tokenizer, [QUESTION], **kwargs)


def test_turn_needs_a_toolbox_and_a_count(model, tokenizer):
    with pytest.raises(TypeError, match="toolbox"):
        assistant_turn(model, tokenizer, [QUESTION], None)
    with pytest.raises(ValueError, match="max_calls"):
        assistant_turn(model, tokenizer, [QUESTION], Toolbox([]), max_calls=-1)
