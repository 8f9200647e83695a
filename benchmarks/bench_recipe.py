"""Time the reference recipe's training step with one process and with two under ``torchrun``.

The reference model of ``python -m stepbytoken train reference`` (its model and training
settings, one torch thread per process, the vocabulary of the shipped tokenizer) trains for a
few dozen steps on random token ids, which cost the same as the corpus's, under
``torchrun --standalone --nproc_per_node N`` for N = 1 and N = 2, each process taking its share
of the same global batch of 16 windows (gloo, DistributedDataParallel). Rank 0 records the
time of every step; the median step after a few warm-up steps is reported, with the speed-up
(1-process time / 2-process time) and the largest difference between the two runs' per-step
losses (they should agree to rounding). The runs alternate (1, 2, 1, 2, ...) so that noise
from other work on the machine falls on both. Usage::

    python benchmarks/bench_recipe.py [--steps 40] [--warmup 5] [--rounds 2]

A speed-up needs two free cores: on a busy machine the two processes share what is left.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

PROCESSES = (1, 2)


def worker(out: str, steps: int) -> None:
    """One process of a run (started by torchrun): train, and on rank 0 write the timings."""
    import dataclasses

    import torch

    from stepbytoken.artifacts import load_reference
    from stepbytoken.nn import GPT, GPTConfig
    from stepbytoken.recipes import MODEL_ARGS, MODEL_SEED, NUM_THREADS, TRAIN_ARGS
    from stepbytoken.training import (
        TrainConfig,
        is_main_process,
        process_group,
        train,
        world,
    )

    torch.set_num_threads(NUM_THREADS)
    vocab_size = load_reference().config.vocab_size
    data = torch.randint(
        vocab_size, (200_000,), generator=torch.Generator().manual_seed(0)
    )
    settings = {**TRAIN_ARGS, "steps": steps, "warmup_steps": min(10, steps // 4)}
    config = dataclasses.replace(
        TrainConfig(**settings), eval_every=None, eval_batches=1
    )
    stamps: list[float] = []
    with process_group("cpu"):
        model = GPT(GPTConfig(vocab_size=vocab_size, **MODEL_ARGS), seed=MODEL_SEED)
        result = train(
            model,
            data,
            None,
            config,
            callback=lambda step, m: stamps.append(time.perf_counter()),
        )
        if is_main_process():
            step_s = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
            Path(out).write_text(
                json.dumps(
                    {
                        "processes": world()[1],
                        "step_s": step_s,
                        "loss": result.train_loss,
                    }
                )
            )


def run_once(processes: int, steps: int) -> dict:
    """One run under ``torchrun --nproc_per_node processes``; rank 0's timings and losses."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "timings.json"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        command += ["--nproc_per_node", str(processes), __file__, "--worker", str(out)]
        command += ["--steps", str(steps)]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(
                f"torchrun failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        return json.loads(out.read_text())


def measure(
    steps: int = 40, warmup: int = 5, rounds: int = 2
) -> dict[str, float | int | str]:
    """Time both process counts, alternating, and return JSON-ready figures."""
    step_s: dict[int, list[float]] = {n: [] for n in PROCESSES}
    losses: dict[int, list[float]] = {}
    for _ in range(rounds):
        for n in PROCESSES:
            run = run_once(n, steps)
            step_s[n] += run["step_s"][warmup:]
            losses[n] = run["loss"]
    ms = {n: statistics.median(times) * 1e3 for n, times in step_s.items()}
    max_diff = max(abs(a - b) for a, b in zip(losses[1], losses[2], strict=True))
    from stepbytoken.recipes import TRAIN_ARGS

    return {
        "steps": steps,
        "timed_steps_per_run": steps - warmup - 1,
        "rounds": rounds,
        "batch_size": TRAIN_ARGS["batch_size"],
        "cpu_count": os.cpu_count() or 0,
        "step_ms_1_process": ms[1],
        "step_ms_2_processes": ms[2],
        "ratio": ms[1] / ms[2],
        "ratio_means": "speed-up: median step time with 1 process / with 2 (torchrun, gloo)",
        "max_abs_loss_diff": max_diff,
        "projected_recipe_min_1_process": ms[1] * TRAIN_ARGS["steps"] / 60e3,
        "projected_recipe_min_2_processes": ms[2] * TRAIN_ARGS["steps"] / 60e3,
    }


def table(figures: dict) -> str:
    """The figures as a small text table."""
    return "\n".join(
        [
            f"reference recipe, batch {figures['batch_size']}, median of "
            f"{figures['timed_steps_per_run']} steps x {figures['rounds']} runs, "
            f"{figures['cpu_count']} CPUs",
            f"  {'processes':<12}{'ms / step':>10}{'3000 steps':>12}",
            f"  {1:<12}{figures['step_ms_1_process']:>10.1f}"
            f"{figures['projected_recipe_min_1_process']:>9.1f} min",
            f"  {2:<12}{figures['step_ms_2_processes']:>10.1f}"
            f"{figures['projected_recipe_min_2_processes']:>9.1f} min",
            f"  speed-up (1 / 2 processes): {figures['ratio']:.2f}x; "
            f"per-step losses agree within {figures['max_abs_loss_diff']:.1e}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the benchmark (or, with ``--worker``, one process of it); print and return figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument(
        "--warmup", type=int, default=5, help="steps left out of the median"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each process count"
    )
    parser.add_argument("--quick", action="store_true", help="12 steps, one round")
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.steps)
        return {}
    if args.quick:
        args.steps, args.warmup, args.rounds = 12, 3, 1
    figures = measure(args.steps, args.warmup, args.rounds)
    print(table(figures))
    return figures


def run(quick: bool = False) -> dict:
    """Figures for ``run_all.py`` (quick: 12 steps, one round)."""
    return main(["--quick"] if quick else [])


if __name__ == "__main__":
    main()
