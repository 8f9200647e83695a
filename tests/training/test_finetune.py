"""Supervised fine-tuning on conversations (stepbytoken.training.finetune)."""

from __future__ import annotations

import copy

import pytest
import torch

from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers.chat import ChatEncoding
from stepbytoken.training import TrainConfig, conversation_loss, fine_tune
from stepbytoken.training.chat_batches import chat_batch

PAD = 15
# two "conversations": prompt tokens (unmasked), then the answer the model must learn
DATA = [
    ChatEncoding([1, 2, 3, 9, 10, PAD], [False, False, False, True, True, True]),
    ChatEncoding([1, 4, 5, 6, 11, PAD], [False, False, False, False, True, True]),
]


def tiny_gpt(seed: int = 0) -> GPT:
    config = GPTConfig(vocab_size=16, block_size=8, n_layer=1, n_head=2, d_model=16)
    return GPT(config, seed=seed)


def config(**changes) -> TrainConfig:
    settings = dict(steps=60, batch_size=4, lr=0.03, eval_every=20, warmup_steps=5)
    return TrainConfig(**{**settings, **changes})


def test_fine_tuning_learns_the_answers_and_records_its_run():
    model = tiny_gpt().eval()
    before = conversation_loss(model, DATA, pad_id=PAD)
    result = fine_tune(model, DATA, config(), pad_id=PAD, val_conversations=DATA[:1])
    after = conversation_loss(model, DATA, pad_id=PAD)
    assert after < 0.05 < before
    assert result.eval_steps == [0, 20, 40, 60]
    assert len(result.train_loss) == len(result.lr) == len(result.grad_norm) == 60
    assert result.eval_train_loss[0] == pytest.approx(before)
    assert result.eval_train_loss[-1] == pytest.approx(after)
    assert result.eval_val_loss[-1] < result.eval_val_loss[0]
    assert not model.training  # the mode it came in


def test_two_runs_with_the_same_seed_agree_and_another_seed_differs():
    runs = [fine_tune(tiny_gpt(), DATA, config(seed=s), pad_id=PAD) for s in (3, 3, 4)]
    assert runs[0].train_loss == runs[1].train_loss
    assert runs[0].train_loss != runs[2].train_loss


def test_the_loss_counts_assistant_tokens_only():
    """Changing a prompt token's target changes nothing; the loss equals the masked mean."""
    model = tiny_gpt()
    idx, targets = chat_batch(DATA, 8, pad_id=PAD)
    with torch.no_grad():
        logits, _ = model.eval()(idx)
    keep = targets >= 0
    expected = torch.nn.functional.cross_entropy(logits[keep], targets[keep])
    assert conversation_loss(model, DATA, pad_id=PAD) == pytest.approx(float(expected))
    other_prompt = [ChatEncoding([1, 7, 7, 9, 10, PAD], DATA[0].mask), DATA[1]]
    one = conversation_loss(model, DATA[:1], pad_id=PAD)
    # a different prompt may change the predictions, not which tokens are scored
    assert conversation_loss(model, other_prompt[:1], pad_id=PAD) != one
    assert conversation_loss(model, DATA, pad_id=PAD, batch_size=1) == pytest.approx(
        float(expected)
    )


def test_the_model_keeps_its_mode_and_the_global_random_state():
    model = tiny_gpt().train()
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    fine_tune(model, DATA, config(steps=3, warmup_steps=1, eval_every=None), pad_id=PAD)
    assert torch.rand(1) == expected
    assert model.training


def test_callback_sees_every_step():
    seen = []
    fine_tune(
        tiny_gpt(),
        DATA,
        config(steps=4, warmup_steps=1, eval_every=None),
        pad_id=PAD,
        callback=lambda step, m: seen.append(step),
    )
    assert seen == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("model", DATA, config()), {"pad_id": PAD}, TypeError, "torch.nn.Module"),
        ((None, [], config()), {"pad_id": PAD}, ValueError, "at least one"),
        ((None, DATA[0], config()), {"pad_id": PAD}, TypeError, "sequence"),
        ((None, DATA, "fast"), {"pad_id": PAD}, TypeError, "TrainConfig"),
        ((None, DATA, config()), {"pad_id": -1}, ValueError, "pad_id"),
        (
            (None, [ChatEncoding(list(range(12)), [True] * 12)], config()),
            {"pad_id": PAD},
            ValueError,
            "block_size",
        ),
        ((None, DATA, config()), {"pad_id": PAD, "callback": 3}, TypeError, "callable"),
    ],
)
def test_bad_arguments_are_refused(args, kwargs, error, match):
    model = tiny_gpt()
    args = tuple(model if a is None else a for a in args)
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(error, match=match):
        fine_tune(*args, **kwargs)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_conversation_loss_refuses_an_empty_set():
    with pytest.raises(ValueError, match="at least one"):
        conversation_loss(tiny_gpt(), [], pad_id=PAD)
