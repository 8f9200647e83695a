"""Tests for stepbytoken.generation.generate: the sampler and the generation loop."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from stepbytoken.generation import (
    GenerationStep,
    generate,
    generation_steps,
    next_token_distribution,
    sample_next,
    stream,
)
from stepbytoken.nn import NGramModel

# ----------------------------------------------------------------------------------------------
# Tiny language models


class Bigram(nn.Module):
    """A lookup table of next-token logits that records how it was called."""

    def __init__(
        self, vocab_size: int = 7, seed: int = 0, block_size: int | None = None
    ):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.table = nn.Parameter(
            torch.randn(vocab_size, vocab_size, generator=generator)
        )
        self.vocab_size, self.block_size = vocab_size, block_size
        self.seen_training: list[bool] = []
        self.seen_grad: list[bool] = []

    def forward(self, idx, targets=None):
        self.seen_training.append(self.training)
        self.seen_grad.append(torch.is_grad_enabled())
        logits = self.table[idx]  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss


class ContextLength(nn.Module):
    """Puts all its mass on token ``T mod vocab_size``, T being the length of what it reads."""

    def __init__(self, vocab_size: int = 10, block_size: int | None = None):
        super().__init__()
        self.vocab_size, self.block_size = vocab_size, block_size
        self.seen_lengths: list[int] = []

    def forward(self, idx, targets=None):
        B, T = idx.shape
        self.seen_lengths.append(T)
        target = torch.full((B, T), T % self.vocab_size)
        return F.one_hot(target, self.vocab_size).float() * 20.0, None  # (B, T, V)


class Counter:
    """Not a torch module: the next token is the last one plus one (mod 5), almost surely."""

    vocab_size, block_size = 5, None

    def __call__(self, idx, targets=None):
        return F.one_hot((idx + 1) % 5, 5).float() * 30.0, None


counter = Counter()


# ----------------------------------------------------------------------------------------------
# Generation


def test_greedy_generate_follows_the_bigram_argmax_chain():
    model = Bigram()
    out = generate(model, torch.tensor([[3]]), 10, greedy=True)
    chain = [3]
    for _ in range(10):
        chain.append(int(model.table[chain[-1]].argmax()))
    assert out.tolist() == [chain]


def test_generate_is_deterministic_and_seed_equals_generator():
    model = Bigram()
    prompt = torch.tensor([[0, 1], [2, 3]])
    a = generate(model, prompt, 20, seed=5, temperature=0.9, top_k=4)
    b = generate(
        model,
        prompt,
        20,
        generator=torch.Generator().manual_seed(5),
        temperature=0.9,
        top_k=4,
    )
    c = generate(model, prompt, 20, seed=6, temperature=0.9, top_k=4)
    assert a.shape == (2, 22) and torch.equal(a[:, :2], prompt)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_generate_matches_a_manual_sampling_loop():
    # Reference: call the model and sample_next step by step with the same generator.
    model = Bigram(vocab_size=9, seed=3)
    options = dict(temperature=1.3, top_p=0.9)
    out = generate(
        model, [4], 15, generator=torch.Generator().manual_seed(11), **options
    )
    generator = torch.Generator().manual_seed(11)
    idx = torch.tensor([[4]])
    for _ in range(15):
        logits = model(idx)[0][:, -1, :].detach()
        idx = torch.cat(
            [idx, sample_next(logits, generator=generator, **options)[:, None]], 1
        )
    assert out.tolist() == idx[0].tolist()


@pytest.mark.parametrize(
    "options",
    [
        {"greedy": True},
        {"seed": 0},
        {"seed": 1, "temperature": 0.5, "top_k": 3, "top_p": 0.9},
    ],
)
def test_stream_and_generation_steps_agree_with_generate(options):
    model = Bigram()
    prompt = [1, 2, 3]
    full = generate(model, prompt, 12, **options)
    streamed = list(stream(model, prompt, 12, **options))
    steps = generation_steps(model, prompt, 12, **options)
    assert full.tolist() == prompt + streamed
    assert [s.token for s in steps] == streamed
    assert all(isinstance(token, int) for token in streamed)


def test_generation_steps_record_the_distribution():
    model = Bigram(vocab_size=6)
    steps = generation_steps(model, [2], 5, seed=3, temperature=0.8, top_k=4, top=3)
    assert len(steps) == 5 and all(isinstance(s, GenerationStep) for s in steps)
    for i, s in enumerate(steps):
        assert s.step == i and len(s.context) == 1 + i
        if i:
            assert s.context == steps[i - 1].context + (steps[i - 1].token,)
        logits = model.table[s.context[-1]].detach()
        torch.testing.assert_close(
            s.probs, next_token_distribution(logits, temperature=0.8, top_k=4)
        )
        torch.testing.assert_close(s.model_probs, torch.softmax(logits, -1))
        assert s.prob == pytest.approx(float(s.probs[s.token]))
        assert s.prob > 0
        assert len(s.top_ids) == 3 and list(s.top_probs) == sorted(
            s.top_probs, reverse=True
        )
        assert s.top_ids[0] == int(s.probs.argmax())


def test_low_temperature_generation_equals_greedy():
    model = Bigram(vocab_size=8, seed=4)
    greedy = generate(model, [0], 15, greedy=True)
    assert torch.equal(generate(model, [0], 15, temperature=1e-5, seed=9), greedy)


@pytest.mark.parametrize("where", ["attribute", "argument"])
def test_context_is_cropped_to_block_size(where):
    model = ContextLength(block_size=3 if where == "attribute" else 100)
    kwargs = {"block_size": 3} if where == "argument" else {}  # the argument wins
    out = generate(model, [9], 6, greedy=True, **kwargs)
    # Reads 1, 2, 3 tokens, then always the last 3: next tokens 1, 2, 3, 3, 3, 3.
    assert out.tolist() == [9, 1, 2, 3, 3, 3, 3]
    assert model.seen_lengths == [1, 2, 3, 3, 3, 3]


def test_no_block_size_means_no_cropping():
    model = ContextLength()
    assert generate(model, [0, 0], 4, greedy=True).tolist() == [0, 0, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="block_size"):
        generate(model, [0], 1, greedy=True, block_size=0)


def test_eval_mode_and_no_grad_during_generation_then_restored():
    model = Bigram()
    model.extra = nn.Dropout(0.5).eval()  # a submodule that was already in eval mode
    model.train()
    model.extra.eval()
    tokens = stream(model, [0], 4, seed=0)
    next(tokens)
    # Between two streamed tokens the caller's state is untouched.
    assert torch.is_grad_enabled() and model.training
    rest = list(tokens)
    assert len(rest) == 3
    assert model.seen_training == [False] * 4 and model.seen_grad == [False] * 4
    assert model.training and not model.extra.training
    out = generate(model, [0], 3, seed=0)
    assert not out.requires_grad and model.training


def test_models_that_are_not_modules_and_one_dimensional_prompts():
    out = generate(counter, torch.tensor([2]), 4, seed=0)
    assert out.tolist() == [2, 3, 4, 0, 1]
    assert generate(counter, [2], 0).tolist() == [2]


def test_stop_token_ends_generation_and_pads_finished_rows():
    assert generate(counter, [0], 10, greedy=True, stop_token=3).tolist() == [
        0,
        1,
        2,
        3,
    ]
    assert list(stream(counter, [0], 10, greedy=True, stop_token=3)) == [1, 2, 3]
    batch = generate(counter, torch.tensor([[2], [0]]), 10, greedy=True, stop_token=3)
    assert batch.tolist() == [[2, 3, 3, 3], [0, 1, 2, 3]]
    # Never produced: generation runs to max_new_tokens.
    assert generate(counter, [0], 4, greedy=True, stop_token=99).tolist() == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_global_rng_is_not_used_by_generation():
    model = Bigram()
    state = torch.get_rng_state()
    generate(model, [0], 5)
    list(stream(model, [0], 5, top_p=0.5))
    assert torch.equal(state, torch.get_rng_state())


def test_generation_argument_errors_are_raised_eagerly():
    model = Bigram()
    with pytest.raises(ValueError, match="one sequence"):
        stream(model, torch.zeros(2, 3, dtype=torch.long), 2, seed=0)
    with pytest.raises(ValueError, match="one sequence"):
        generation_steps(model, torch.zeros(2, 3, dtype=torch.long), 2, seed=0)
    with pytest.raises(ValueError, match="temperature"):
        stream(model, [0], 2, temperature=0)  # on the call, not at the first next()
    with pytest.raises(ValueError, match="idx must be a tensor of integer dtype"):
        generate(model, torch.tensor([0.5]), 2)
    with pytest.raises(TypeError, match=r"idx\[1\] must be an int"):
        generate(model, [0, True], 2)
    with pytest.raises(ValueError, match="at least one token"):
        generate(model, torch.zeros(1, 0, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(model, [0], -1)
    with pytest.raises(TypeError, match="model must be a LanguageModel"):
        generate("not a model", [0], 1)
    with pytest.raises(TypeError, match="model must be a LanguageModel"):
        generate(lambda idx: (torch.zeros(1, 1, 5), None), [0], 1)
    with pytest.raises(ValueError, match="top"):
        generation_steps(model, [0], 1, top=0)


def test_a_model_with_the_wrong_output_shape_is_explained():
    class Flat(Counter):
        def __call__(self, idx, targets=None):
            # (B, V): the time axis is missing
            return torch.zeros(idx.shape[0], 5), None

    with pytest.raises(ValueError, match=r"\(B, T, vocab_size\)"):
        generate(Flat(), [0], 1, greedy=True)


def test_a_model_returning_only_the_last_position_works():
    class LastOnly(Bigram):  # like nanoGPT at inference: (B, 1, V) logits and no loss
        def forward(self, idx, targets=None):
            logits, _ = super().forward(idx)
            return logits[:, [-1], :], None

    full, last = Bigram(seed=2), LastOnly(seed=2)
    assert torch.equal(
        generate(full, [1, 4], 8, seed=3), generate(last, [1, 4], 8, seed=3)
    )


def test_an_ngram_model_generates_through_the_same_loop():
    # A deterministic cycle is reproduced by sampling; the model reads its last 2 tokens.
    model = NGramModel(3, 3, smoothing="add-k", k=1e-9).fit([0, 1, 2] * 5)
    assert generate(model, [0], max_new_tokens=5, seed=0).tolist() == [0, 1, 2, 0, 1, 2]
    steps = generation_steps(model, [0, 1], 2, greedy=True)
    torch.testing.assert_close(
        steps[0].model_probs, torch.from_numpy(model.next_token_probs([0, 1])).float()
    )


class _ConstantModel(nn.Module):
    """A language model whose logits are always ``row`` (NaN or -inf rows for the tests)."""

    block_size = 4

    def __init__(self, row: list[float]) -> None:
        super().__init__()
        self.row = torch.tensor(row)
        self.vocab_size = len(row)

    def forward(self, idx, targets=None):
        return self.row.expand(*idx.shape, len(self.row)).clone(), None


@pytest.mark.parametrize("row", [[float("nan"), 0.0], [float("-inf"), float("-inf")]])
@pytest.mark.parametrize("greedy", [True, False])
def test_greedy_and_sampled_decoding_refuse_logits_without_a_choice(row, greedy):
    model = _ConstantModel(row)
    for run in (generate, lambda *a, **k: list(stream(*a, **k))):
        with pytest.raises(ValueError, match="NaN|finite maximum"):
            run(model, [0], 2, greedy=greedy, seed=None if greedy else 0)
