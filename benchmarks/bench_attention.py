"""Time the book's attention against PyTorch's fused ``scaled_dot_product_attention``.

:func:`stepbytoken.nn.scaled_dot_product_attention` computes attention step by step and returns
the weights too (chapter 4); :func:`torch.nn.functional.scaled_dot_product_attention` fuses the
steps and returns only the output. Both get the same causal queries, keys and values of shape
``(batch, n_head, T, d_head)``; their outputs must agree. A forward pass, and a forward plus
backward pass, are timed for each in alternation (so that noise from other work on the machine
falls on both), and the medians are reported with their ratio. Usage::

    python benchmarks/bench_attention.py [--batch 16] [--heads 4] [--T 128] [--d-head 32]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from stepbytoken.nn import scaled_dot_product_attention


def timer(fn: Callable[[], object]) -> Callable[[], float]:
    def timed() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    return timed


def main(argv: Sequence[str] | None = None) -> dict[str, float | str]:
    """Run the benchmark, print the medians and ratios, and return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--T", type=int, default=128)
    parser.add_argument("--d-head", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    g = torch.Generator().manual_seed(0)
    shape = (args.batch, args.heads, args.T, args.d_head)
    q, k, v = (torch.randn(shape, generator=g, requires_grad=True) for _ in range(3))
    ours_out, _ = scaled_dot_product_attention(q, k, v, causal=True)
    torch_out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    max_diff = (ours_out - torch_out).abs().max().item()
    if max_diff > 1e-5:
        raise RuntimeError(f"outputs disagree by {max_diff:.2e}")

    def ours() -> torch.Tensor:
        return scaled_dot_product_attention(q, k, v, causal=True)[0]

    def fused() -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def backward(fn: Callable[[], torch.Tensor]) -> Callable[[], None]:
        def step() -> None:
            q.grad = k.grad = v.grad = None
            fn().sum().backward()

        return step

    cases = {
        "forward_ours": timer(lambda: torch.no_grad()(ours)()),
        "forward_torch": timer(lambda: torch.no_grad()(fused)()),
        "train_ours": timer(backward(ours)),
        "train_torch": timer(backward(fused)),
    }
    for _ in range(args.warmup):
        for case in cases.values():
            case()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, case in cases.items():
            times[name].append(case())
    ms = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    figures: dict[str, float | str] = {
        "shape": "x".join(map(str, shape)),
        "max_abs_diff": max_diff,
        **{f"{name}_ms": value for name, value in ms.items()},
        "ratio": ms["forward_ours"] / ms["forward_torch"],
        "train_ratio": ms["train_ours"] / ms["train_torch"],
        "ratio_means": "our attention time / torch's fused SDPA (forward; train: +backward)",
    }
    print(
        f"causal attention, (batch, heads, T, d_head) = {shape}, {args.threads} threads, "
        f"median of {args.repeats}; outputs agree within {max_diff:.1e}"
    )
    for name, value in ms.items():
        print(f"  {name:<14} {value:8.3f} ms")
    print(f"  forward ours / torch:           {figures['ratio']:.2f}")
    print(f"  forward+backward ours / torch:  {figures['train_ratio']:.2f}")
    return figures


def run(quick: bool = False) -> dict[str, float | str]:
    """Figures for ``run_all.py`` (quick: 2 warm-up and 10 timed repeats)."""
    return main(["--warmup", "2", "--repeats", "10"] if quick else [])


if __name__ == "__main__":
    main()
