"""Tests of thinking between markers and budget forcing (stepbytoken.generation.thinking)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.generation.thinking import (
    THINK,
    THINK_END,
    answer_after,
    encode_thinking,
    think,
    thinking_prompt,
    thinking_tokenizer,
    write_thoughts,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer
from stepbytoken.tokenizers.chat import END
from stepbytoken.world.corpus import DOC_SEPARATOR


@pytest.fixture(scope="module")
def tok():
    return thinking_tokenizer(
        BPETokenizer.train(
            "the cat sat on the mat " * 20, 10, special_tokens=[DOC_SEPARATOR]
        )
    )


@pytest.fixture(scope="module")
def model(tok):
    torch.manual_seed(0)
    config = GPTConfig(
        vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=1, d_model=16
    )
    return GPT(config, seed=0).eval()


def test_the_markers_are_special_tokens_after_the_chat_tokens(tok):
    chat = chat_tokenizer(tok)
    assert chat is tok  # already has them
    ids = tok.encode(f"{THINK}a{THINK_END}")
    assert ids[0] == tok.special_id(THINK) and ids[-1] == tok.special_id(THINK_END)
    assert tok.special_id(THINK_END) == tok.vocab_size - 1
    assert thinking_tokenizer(tok) is tok


def test_a_training_example_learns_everything_after_the_assistant_token(tok):
    enc = encode_thinking(tok, "sat?", "mat", "the cat")
    prompt = thinking_prompt(tok, "sat?", think=False)
    assert enc.token_ids[: len(prompt)] == prompt
    assert not any(enc.mask[: len(prompt)]) and all(enc.mask[len(prompt) :])
    assert enc.token_ids[len(prompt)] == tok.special_id(THINK)
    assert enc.token_ids[-1] == tok.special_id(END)
    direct = encode_thinking(tok, "sat?", "mat")
    assert tok.special_id(THINK) not in direct.token_ids


def test_a_budget_cuts_the_thought(model, tok):
    full = write_thoughts(model, tok, ["cat", "mat on"], max_tokens=12)
    cut = write_thoughts(model, tok, ["cat", "mat on"], max_tokens=3)
    assert [f[:3] for f in full] == cut
    pairs = think(model, tok, ["cat"], budget=0)
    assert pairs[0][0] == "" and pairs[0][1].thought_tokens == 0


def test_answers_are_batched_like_one_by_one(model, tok):
    questions = ["cat", "the mat", "sat"]
    thoughts = [[104], [], [116, 104]]
    together = answer_after(model, tok, questions, thoughts)
    alone = [
        answer_after(model, tok, [q], [t])[0]
        for q, t in zip(questions, thoughts, strict=True)
    ]
    assert [a.text for a in together] == [a.text for a in alone]
    # the prompt, the closing marker, and at least the answer's <|end|>
    assert together[1].tokens >= len(thinking_prompt(tok, "the mat")) + 2
    assert together[2].thought_tokens == 2


def test_sampling_is_seeded(model, tok):
    a = write_thoughts(model, tok, ["cat"] * 4, greedy=False, seed=1, max_tokens=8)
    b = write_thoughts(model, tok, ["cat"] * 4, greedy=False, seed=1, max_tokens=8)
    assert a == b


def test_bad_arguments_are_refused(model, tok):
    with pytest.raises(ValueError, match="thinking_tokenizer"):
        thinking_prompt(BPETokenizer(special_tokens=[DOC_SEPARATOR]), "hi")
    with pytest.raises(ValueError, match="one entry per question"):
        answer_after(model, tok, ["a", "b"], [[1]])
    with pytest.raises(TypeError):
        answer_after(model, tok, ["a"], ["abc"])
    with pytest.raises(ValueError):
        write_thoughts(model, tok, ["a"], max_tokens=-1)
