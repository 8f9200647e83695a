"""The reward model (stepbytoken.nn.reward_model)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn import GPT, GPTConfig, RewardModel
from stepbytoken.training import reward_loss


@pytest.fixture
def gpt() -> GPT:
    return GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, d_model=16))


def test_it_starts_at_zero_and_leaves_the_gpt_alone(gpt):
    rm = RewardModel(gpt)
    idx = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert rm(idx, torch.tensor([3, 3])).tolist() == [0.0, 0.0]
    rm.body.wte.weight.data.add_(1)
    assert not torch.equal(rm.body.wte.weight, gpt.wte.weight)  # a copy
    assert rm.block_size == 8


def test_padding_after_a_row_changes_nothing(gpt):
    torch.manual_seed(0)
    rm = RewardModel(gpt).eval()
    torch.nn.init.normal_(rm.head.weight)
    short = rm(torch.tensor([[1, 2, 3]]), torch.tensor([3]))
    padded = rm(torch.tensor([[1, 2, 3, 9, 9]]), torch.tensor([3]))
    assert torch.allclose(short, padded, atol=1e-6)
    # the reward reads the last token: another last token, another reward
    assert not torch.allclose(short, rm(torch.tensor([[1, 2, 4]]), torch.tensor([3])))


def test_training_on_one_pair_ranks_it(gpt):
    rm = RewardModel(gpt)
    better, worse = torch.tensor([[1, 2, 3]]), torch.tensor([[1, 2, 4]])
    optimizer = torch.optim.Adam(rm.parameters(), lr=1e-2)
    lengths = torch.tensor([3])
    for _ in range(30):
        loss = reward_loss(rm(better, lengths), rm(worse, lengths))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(rm(better, lengths)) > float(rm(worse, lengths))


def test_bad_arguments_are_refused(gpt):
    rm = RewardModel(gpt)
    with pytest.raises(TypeError, match="GPT"):
        RewardModel("gpt")
    with pytest.raises(ValueError, match="one entry per row"):
        rm(torch.tensor([[1, 2]]), torch.tensor([2, 2]))
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 2\]"):
        rm(torch.tensor([[1, 2]]), torch.tensor([3]))
    with pytest.raises(ValueError, match="integer"):
        rm(torch.tensor([[1, 2]]), torch.tensor([2.0]))
