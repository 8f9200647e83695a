"""Preference losses (stepbytoken.training.preference) against direct computations."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import GPT, GPTConfig, RewardModel
from stepbytoken.tokenizers.chat import ChatEncoding
from stepbytoken.training import (
    TrainConfig,
    answer_logprobs,
    dpo_loss,
    reward_batch,
    reward_loss,
    train_dpo,
    train_reward_model,
)

floats = st.floats(-20, 20, allow_nan=False)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(floats, floats, floats, floats), min_size=1, max_size=6))
def test_dpo_loss_is_the_papers_formula(rows):
    pc, pr, rc, rr = (
        torch.tensor(c, dtype=torch.float64) for c in zip(*rows, strict=True)
    )
    beta = 0.3
    loss, margins = dpo_loss(pc, pr, rc, rr, beta)
    expected_margins = [beta * ((a - c) - (b - d)) for a, b, c, d in rows]
    expected = sum(-math.log(sigmoid(m)) for m in expected_margins) / len(rows)
    assert margins.tolist() == pytest.approx(expected_margins, abs=1e-9)
    assert float(loss) == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_dpo_gradient_raises_the_chosen_and_lowers_the_rejected_answer():
    pc = torch.tensor([-4.0], requires_grad=True)
    pr = torch.tensor([-4.0], requires_grad=True)
    loss, _ = dpo_loss(pc, pr, torch.tensor([-4.0]), torch.tensor([-4.0]), beta=0.5)
    loss.backward()
    assert pc.grad.item() < 0 < pr.grad.item()  # descent raises log π(chosen)
    assert pc.grad.item() == pytest.approx(-0.25)  # -β σ(0) = -0.5 * 0.5


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=6))
def test_reward_loss_is_bradley_terry(rows):
    chosen, rejected = (
        torch.tensor(c, dtype=torch.float64) for c in zip(*rows, strict=True)
    )
    expected = sum(-math.log(sigmoid(a - b)) for a, b in rows) / len(rows)
    assert float(reward_loss(chosen, rejected)) == pytest.approx(expected, rel=1e-6)


def test_answer_logprobs_sums_the_answer_tokens_only():
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=11, block_size=6, n_layer=1, n_head=1, d_model=8)
    model = GPT(config).eval()
    idx = torch.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]])
    targets = torch.tensor([[-1, 3, 4, 5, 9], [-1, -1, 2, -1, -1]])
    with torch.no_grad():
        got = answer_logprobs(model, idx, targets)
        logp = torch.log_softmax(model(idx)[0], dim=-1)
    expected = [
        sum(float(logp[0, t, targets[0, t]]) for t in (1, 2, 3, 4)),
        float(logp[1, 2, 2]),
    ]
    assert got.tolist() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dpo_loss(*[torch.zeros(2)] * 4, beta=0), ValueError, "beta"),
        (
            lambda: dpo_loss(*[torch.zeros(2)] * 3, torch.zeros(3), beta=1),
            ValueError,
            "shape",
        ),
        (lambda: reward_loss(torch.zeros(2), torch.zeros(3)), ValueError, "shape"),
        (lambda: reward_loss([0.0], torch.zeros(1)), TypeError, "torch.Tensor"),
    ],
)
def test_bad_arguments_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- the two trainings, on a tiny GPT ---------------------------------------------------------

PAD = 0
# the same prompt [5, 6], answered with 7 (preferred) or 8 (not), then the end token 9
CHOSEN = [ChatEncoding([5, 6, 7, 9], [False, False, True, True])]
REJECTED = [ChatEncoding([5, 6, 8, 9], [False, False, True, True])]


def tiny() -> GPT:
    return GPT(GPTConfig(vocab_size=12, block_size=6, n_layer=1, n_head=1, d_model=8))


def quick(**changes) -> TrainConfig:
    base = dict(steps=25, batch_size=2, lr=0.02, warmup_steps=2, eval_every=None)
    return TrainConfig(**{**base, **changes})


def test_reward_batch_pads_whole_conversations():
    idx, lengths = reward_batch(CHOSEN + [ChatEncoding([5, 6], [0, 1])], pad_id=PAD)
    assert idx.tolist() == [[5, 6, 7, 9], [5, 6, 0, 0]] and lengths.tolist() == [4, 2]


def test_a_trained_reward_model_prefers_the_chosen_answer():
    rm = RewardModel(tiny())
    result = train_reward_model(rm, CHOSEN, REJECTED, quick(), pad_id=PAD)
    assert result.train_loss[0] == pytest.approx(math.log(2))  # zero head: a tie
    assert result.train_loss[-1] < 0.1
    idx, lengths = reward_batch(CHOSEN + REJECTED, pad_id=PAD)
    with torch.no_grad():
        chosen, rejected = rm.eval()(idx, lengths).tolist()
    assert chosen > rejected


def test_dpo_moves_probability_to_the_chosen_answer_and_leaves_the_reference():
    policy = tiny()
    reference = tiny()  # the same seed: the same weights
    before = {k: v.clone() for k, v in reference.state_dict().items()}
    result = train_dpo(
        policy, reference, CHOSEN, REJECTED, quick(), beta=0.5, pad_id=PAD
    )
    assert result.train_loss[0] == pytest.approx(math.log(2), abs=1e-6)
    assert result.train_loss[-1] < result.train_loss[0]
    assert all(torch.equal(before[k], v) for k, v in reference.state_dict().items())
    idx = torch.tensor([[5, 6]])
    with torch.no_grad():
        probs = torch.softmax(policy.eval()(idx)[0][0, -1], dim=-1)
        ref = torch.softmax(reference.eval()(idx)[0][0, -1], dim=-1)
    assert probs[7] / probs[8] > ref[7] / ref[8]


def test_the_trainings_refuse_bad_pairs():
    with pytest.raises(ValueError, match="pair up"):
        train_reward_model(
            RewardModel(tiny()), CHOSEN * 2, REJECTED, quick(), pad_id=PAD
        )
    with pytest.raises(TypeError, match="RewardModel"):
        train_reward_model(tiny(), CHOSEN, REJECTED, quick(), pad_id=PAD)
    model = tiny()
    with pytest.raises(ValueError, match="separate"):
        train_dpo(model, model, CHOSEN, REJECTED, quick(), beta=0.1, pad_id=PAD)
    with pytest.raises(ValueError, match="beta"):
        train_dpo(model, tiny(), CHOSEN, REJECTED, quick(), beta=0.0, pad_id=PAD)
    with pytest.raises(ValueError, match="2 to 7 tokens"):
        train_dpo(
            model,
            tiny(),
            [ChatEncoding(list(range(9)), [True] * 9)],
            REJECTED,
            quick(),
            beta=0.1,
            pad_id=PAD,
        )
