"""Tests for recall against distance: brute-force references, the window's edge, the SFT model."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation.memory import (
    Recall,
    accuracy_by_distance,
    choice_scores,
    fact_distance,
    recall,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer, chat_prompt
from stepbytoken.world import make_world, needle_examples, recall_examples
from stepbytoken.world.entity_split import split_entities

BYTES = BPETokenizer()


@settings(max_examples=80, deadline=None)
@given(
    st.text("ab .", min_size=1, max_size=30), st.text("ab .", min_size=1, max_size=4)
)
def test_fact_distance_matches_a_scan_of_every_window(text, fact):
    ids = BYTES.encode(text)
    if fact not in text:
        with pytest.raises(ValueError, match="do not contain"):
            fact_distance(BYTES, ids, fact)
        return
    expected = next(k for k in range(1, len(ids) + 1) if fact in BYTES.decode(ids[-k:]))
    assert fact_distance(BYTES, ids, fact) == expected


def tiny() -> GPT:
    config = GPTConfig(vocab_size=13, block_size=6, n_layer=1, n_head=2, d_model=16)
    return GPT(config, seed=1).eval()


def brute_scores(model, prompt, conts):
    out = []
    for c in conts:
        seq = torch.tensor((prompt + c)[-(model.block_size + 1) :])
        with torch.no_grad():
            logits, _ = model(seq[None, :-1])
        logp = F.log_softmax(logits[0], dim=-1)
        steps = range(len(seq) - 1 - len(c), len(seq) - 1)
        out.append(sum(float(logp[t, seq[t + 1]]) for t in steps))
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=12),
    st.lists(st.lists(st.integers(0, 12), min_size=1, max_size=6), max_size=4),
)
def test_choice_scores_match_one_sequence_at_a_time(prompt, conts):
    model = tiny()
    got = choice_scores(model, prompt, conts)
    assert got == pytest.approx(brute_scores(model, prompt, conts), abs=1e-4)


def test_tokens_beyond_the_window_change_nothing():
    model = tiny()
    conts = [[1, 2], [3]]
    a = choice_scores(model, [5, 5, 5, 5, 5, 5, 5, 5], conts)
    b = choice_scores(
        model, [9, 5, 5, 5, 5, 5, 5, 5], conts
    )  # first token out of reach
    c = choice_scores(model, [5, 5, 5, 9, 5, 5, 5, 5], conts)  # inside the window
    assert a == pytest.approx(b) and a != pytest.approx(c)


def test_choice_scores_refuse_bad_input():
    model = tiny()
    with pytest.raises(ValueError, match="prompt"):
        choice_scores(model, [], [[1]])
    with pytest.raises(ValueError, match="continuations\\[0\\]"):
        choice_scores(model, [1], [[1] * 7])
    with pytest.raises(TypeError, match="continuations"):
        choice_scores(model, [1], "ab")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 300), st.booleans()), max_size=30),
    st.integers(1, 100),
)
def test_accuracy_by_distance_matches_counting(pairs, width):
    rows = [Recall(d, "x", ok) for d, ok in pairs] + [Recall(None, "x", True)]
    table = accuracy_by_distance(rows, width)
    assert sum(n for _, n, _ in table) == len(pairs)  # the untold one left out
    for edge, n, acc in table:
        inside = [ok for d, ok in pairs if edge - width < d <= edge]
        assert n == len(inside) > 0 and acc == pytest.approx(sum(inside) / n)
    assert [e for e, _, _ in table] == sorted({e for e, _, _ in table})


@pytest.fixture(scope="module")
def sft():
    from stepbytoken.recipes.sft import load_sft

    return load_sft()


@pytest.fixture(scope="module")
def homes():
    facts = split_entities(make_world(0)).facts["train"]
    return sorted({f.object for f in facts if f.relation == "home"})


def test_recall_on_the_assistant(sft, homes):
    model, tok, _ = sft
    world = make_world(0)
    examples = recall_examples(world, 3, 0, split="heldout", seed=2)
    examples += recall_examples(world, 2, 8, split="heldout", seed=2)
    rows = recall(model, tok, examples, candidates=homes)
    for ex, row in zip(examples, rows, strict=True):
        prompt = chat_prompt(tok, ex.prompt)
        assert row.distance == fact_distance(tok, prompt, ex.final)
        assert row.answer in homes and row.correct == (row.answer == ex.answer)
    assert all(r.distance < 64 for r in rows[:3])
    assert all(r.distance > model.block_size for r in rows[3:])  # out of the window
    generated = recall(model, tok, examples[:2], method="generate", max_new_tokens=8)
    assert all(isinstance(r.answer, str) for r in generated)
    needles = needle_examples(world, 2, 3, 1, seed=0)
    assert len(recall(model, tok, needles, candidates=homes)) == 2
    untold = examples[0].with_final("Ida lives in " + examples[0].answer + ".")
    assert recall(model, tok, [untold], candidates=homes)[0].distance is None


def test_recall_refuses_bad_input(sft, homes):
    model, tok, _ = sft
    ex = recall_examples(make_world(0), 1, 0, seed=0)
    with pytest.raises(ValueError, match="gold answer"):
        recall(model, tok, ex, candidates=["Nowhere"])
    with pytest.raises(ValueError, match="method"):
        recall(model, tok, ex, method="guess", candidates=homes)
    with pytest.raises(TypeError, match="ChatExample"):
        recall(model, tok, ex[0], candidates=homes)
    with pytest.raises(TypeError, match="tokenizer"):
        recall(model, None, ex, candidates=homes)
