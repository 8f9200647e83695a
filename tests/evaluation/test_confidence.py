"""Tests of answers' confidence and sample agreement (stepbytoken.evaluation.confidence)."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.evaluation.confidence import (
    Answer,
    answers_with_confidence,
    is_refusal,
    sample_agreement,
    word_confidence,
)
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, GPTConfig

STOP = 0


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT(
        GPTConfig(vocab_size=9, block_size=12, n_layer=1, n_head=2, d_model=16), seed=3
    ).eval()


def teacher_forced_probability(model, prompt, answer, stop):
    """The probability of answer (+ stop) under the model, one forward pass."""
    ids = torch.tensor([prompt + list(answer) + ([stop] if stop is not None else [])])
    with torch.no_grad():
        logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits.double(), -1)[0]
    targets = ids[0, 1:]
    start = len(prompt) - 1
    return math.exp(sum(logp[t, targets[t]].item() for t in range(start, len(targets))))


def test_confidence_is_the_probability_of_the_written_tokens(model):
    prompts = [[1, 2, 3], [4, 5, 6], [7, 8]]
    answers = answers_with_confidence(model, prompts, [STOP], max_new_tokens=6)
    for prompt, answer in zip(prompts, answers, strict=True):
        out = generate(model, prompt, 6, greedy=True, stop_token=STOP).tolist()
        written = out[len(prompt) :]
        ended = STOP in written
        assert list(answer.ids) == (
            written[: written.index(STOP)] if ended else written
        )
        expected = teacher_forced_probability(
            model, prompt, answer.ids, STOP if ended else None
        )
        assert answer.confidence == pytest.approx(expected, rel=1e-5)
        assert 0 < answer.confidence <= 1


def test_batched_answers_equal_one_by_one(model):
    prompts = [[1, 2, 3], [3, 2, 1], [5, 5, 5], [6]]
    together = answers_with_confidence(model, prompts, [STOP, 4])
    alone = [answers_with_confidence(model, [p], [STOP, 4])[0] for p in prompts]
    for a, b in zip(together, alone, strict=True):
        assert a.ids == b.ids and a.confidence == pytest.approx(b.confidence)


def test_answers_never_run_past_the_context(model):
    (answer,) = answers_with_confidence(model, [[1] * 10], [], max_new_tokens=24)
    assert len(answer.ids) == 2  # block_size 12
    with pytest.raises(ValueError, match="reads at most 12"):
        answers_with_confidence(model, [[1] * 12], [STOP])


def test_sample_agreement_is_seeded_and_near_one_when_cold(model):
    prompts = [[1, 2, 3], [4, 5, 6]]
    cold = sample_agreement(model, prompts, [STOP], 6, temperature=1e-4, seed=1)
    assert cold == [1.0, 1.0]  # a frozen sampler repeats the greedy answer
    warm = sample_agreement(model, prompts, [STOP], 6, temperature=2.0, seed=1)
    assert warm == sample_agreement(model, prompts, [STOP], 6, temperature=2.0, seed=1)
    assert all(share * 6 == round(share * 6) for share in warm)
    other = sample_agreement(model, prompts, [STOP], 6, references=[(8, 8), (8,)])
    assert all(0 <= s <= 1 for s in other)
    with pytest.raises(ValueError, match="one answer per prompt"):
        sample_agreement(model, prompts, [STOP], 2, references=[(1,)])


def test_refusals_and_normalised_answers():
    assert is_refusal("I DONT KNOW.") and is_refusal("Sorry, I don't know that.")
    assert not is_refusal("I know Rhea.")


def test_word_confidence_is_the_probability_of_the_answer_tokens():
    from stepbytoken.recipes.sft import load_sft

    tok = load_sft().tokenizer
    ids = tuple(tok.encode(" The capital of Varnia is Tolm."))
    word = {
        i for i in ids if tok.decode([i]).strip() and tok.decode([i]).strip() in "Tolm"
    }
    probs = tuple(0.5 if i in word else 0.9 for i in ids)
    answer = Answer(ids, probs, math.prod(probs))
    expected = 0.5 ** sum(i in word for i in ids)
    assert word_confidence(tok, answer, "capital") == pytest.approx(expected)
    assert word_confidence(tok, answer) == pytest.approx(expected)  # any wording
    idk = tuple(tok.encode(" I don't know."))
    whole = Answer(idk, (0.9,) * len(idk), 0.5)
    assert word_confidence(tok, whole, "capital") == pytest.approx(0.9 ** len(idk))
    with pytest.raises(ValueError, match="relation"):
        word_confidence(tok, answer, "favourite")
