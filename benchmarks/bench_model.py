"""Time one training step of stepbytoken's GPT against the same model built from PyTorch parts.

The reference model has the same embeddings, final LayerNorm and tied head, but its blocks are
``torch.nn.TransformerEncoderLayer`` (pre-norm, GELU, causal mask), so both models have exactly
the same parameters and do the same arithmetic. A training step is forward, backward and one
AdamW update. After a few warm-up steps the two models are timed in alternation (so that noise
from other work on the machine falls on both equally) and the median step time is reported.

Run it with::

    python benchmarks/bench_model.py            # defaults: d_model=128, n_layer=4, ...
    python benchmarks/bench_model.py --help
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from stepbytoken.nn import GPT, GPTConfig, causal_mask, count_parameters


class TorchReferenceLM(nn.Module):
    """The benchmark's reference: a GPT made of ``torch.nn.TransformerEncoderLayer`` blocks."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.d_model)
        self.wpe = nn.Embedding(config.block_size, config.d_model)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d_model=config.d_model,
                nhead=config.n_head,
                dim_feedforward=config.d_ff,
                dropout=0.0,
                activation="gelu",
                batch_first=True,
                norm_first=True,
            )
            for _ in range(config.n_layer)
        )
        self.norm_f = nn.LayerNorm(config.d_model)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        self.register_buffer("mask", ~causal_mask(config.block_size), persistent=False)

    @torch.no_grad()
    def copy_weights_from(self, gpt: GPT) -> None:
        """Load the weights of ``gpt`` so both models compute exactly the same function.

        This matters for timing, not only for fairness: with PyTorch's default initialisation
        (embeddings drawn from N(0, 1) and tied to the head) the logits are so large that the
        softmax gradients underflow into subnormal floats, which make CPU matrix products many
        times slower.
        """
        self.wte.weight.copy_(gpt.wte.weight)
        self.wpe.weight.copy_(gpt.wpe.weight)
        for ref, block in zip(self.blocks, gpt.blocks, strict=True):
            ref.norm1.load_state_dict(block.norm_1.state_dict())
            ref.self_attn.in_proj_weight.copy_(block.attn.c_attn.weight)
            ref.self_attn.in_proj_bias.copy_(block.attn.c_attn.bias)
            ref.self_attn.out_proj.load_state_dict(block.attn.c_proj.state_dict())
            ref.norm2.load_state_dict(block.norm_2.state_dict())
            ref.linear1.load_state_dict(block.mlp.c_fc.state_dict())
            ref.linear2.load_state_dict(block.mlp.c_proj.state_dict())
        self.norm_f.load_state_dict(gpt.norm_f.state_dict())

    def forward(self, idx: Tensor, targets: Tensor) -> Tensor:
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        mask = self.mask[:T, :T]  # True = not allowed, torch's convention
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        logits = self.lm_head(self.norm_f(x))
        return nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


def make_step(
    loss_fn: Callable[[], Tensor], optimizer: torch.optim.Optimizer
) -> Callable[[], float]:
    """Return a function that runs one training step and returns its wall time in seconds."""

    def step() -> float:
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    return step


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the two median step times and their ratio, and return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab-size", type=int, default=2048)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per model")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per model")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    config = GPTConfig(
        vocab_size=args.vocab_size,
        block_size=args.block_size,
        n_layer=args.n_layer,
        n_head=args.n_head,
        d_model=args.d_model,
    )
    ours = GPT(config, seed=args.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(args.seed)
        reference = TorchReferenceLM(config)
    n_ours, n_ref = count_parameters(ours), count_parameters(reference)
    if n_ours != n_ref:
        raise RuntimeError(f"models differ in size: {n_ours} vs {n_ref} parameters")
    reference.copy_weights_from(ours)

    g = torch.Generator().manual_seed(args.seed)
    shape = (args.batch_size, args.block_size)
    idx = torch.randint(0, args.vocab_size, shape, generator=g)
    targets = torch.randint(0, args.vocab_size, shape, generator=g)
    with torch.no_grad():  # same weights, same inputs: the two models must agree
        loss_ours, loss_ref = (
            ours(idx, targets)[1].item(),
            reference(idx, targets).item(),
        )
    if abs(loss_ours - loss_ref) > 1e-4:
        raise RuntimeError(f"models disagree: loss {loss_ours:.6f} vs {loss_ref:.6f}")

    steps = {
        "stepbytoken GPT": make_step(
            lambda: ours(idx, targets)[1], torch.optim.AdamW(ours.parameters(), lr=1e-4)
        ),
        "torch TransformerEncoderLayer": make_step(
            lambda: reference(idx, targets),
            torch.optim.AdamW(reference.parameters(), lr=1e-4),
        ),
    }
    for _ in range(args.warmup):
        for step in steps.values():
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.steps):
        for name, step in steps.items():  # alternate, so slow spells hit both models
            times[name].append(step())

    print(
        f"config: d_model={args.d_model} n_layer={args.n_layer} n_head={args.n_head} "
        f"block_size={args.block_size} vocab_size={args.vocab_size}; "
        f"batch {args.batch_size}; {n_ours:,} parameters; {args.threads} threads; "
        f"median of {args.steps} steps after {args.warmup} warm-up; "
        f"initial loss {loss_ours:.4f} (both)"
    )
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, m in medians.items():
        spread = f"min {min(times[name]) * 1e3:.1f}, max {max(times[name]) * 1e3:.1f}"
        print(f"{name:>30}: {m * 1e3:8.1f} ms per step ({spread})")
    ours_s, ref_s = medians["stepbytoken GPT"], medians["torch TransformerEncoderLayer"]
    print(f"{'ratio ours / torch':>30}: {ours_s / ref_s:8.3f}")
    return {"ours_s": ours_s, "torch_s": ref_s, "ratio": ours_s / ref_s}


def run(quick: bool = False) -> dict[str, float | str]:
    """Figures for ``run_all.py`` (quick: 2 warm-up and 5 timed steps)."""
    figures: dict[str, float | str] = dict(
        main(["--warmup", "2", "--steps", "5"] if quick else [])
    )
    figures["ratio_means"] = (
        "stepbytoken GPT step time / same model of TransformerEncoderLayer"
    )
    return figures


if __name__ == "__main__":
    main()
