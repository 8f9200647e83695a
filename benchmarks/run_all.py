"""Run every benchmark in one process, write one JSON report and print one table.

What readers and maintainers wait for, each compared with a reference measured in the same
run (see each module's docstring):

==============  ==========================================================================
``bpe``         BPE training (incremental vs naive vs ``tokenizers``) and encoding
                throughput (vs ``tokenizers`` with the same merges): ``bench_bpe.py``
``model``       one GPT training step vs ``nn.TransformerEncoderLayer``: ``bench_model.py``
``attention``   attention vs torch's ``scaled_dot_product_attention``: ``bench_attention.py``
``browser``     the browser model (``gpt.js``), KV cache vs none: ``bench_browser.py``
``recipe``      the reference recipe's time per step, 1 and 2 processes: ``bench_recipe.py``
``docs``        cold and warm docs build, per-chapter execution, projection to 21 chapters:
                ``bench_docs.py`` (minutes: it builds the whole site twice)
==============  ==========================================================================

The report (machine: CPU count and model; Python, torch, Sphinx, ... versions; every figure)
goes to ``_build/bench.json`` (``--out``). A benchmark that cannot run (no built site for the
browser, no recipe benchmark yet) is reported as skipped with the reason; one that fails is
reported with its error and makes the exit status 1. Usage::

    python benchmarks/run_all.py [--quick] [--only bpe model ...] [--out FILE]

``--quick`` uses small sizes and no cold docs build, for trying the benchmarks out; its report
says so.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import DEFAULT_OUT, ROOT, Report  # noqa: E402  (benchmarks/ is on the path now)

BENCHMARKS = ("bpe", "model", "attention", "browser", "recipe", "docs")


def site_dir() -> Path:
    return Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))


def recipe_runner() -> Callable[[bool], dict] | str:
    """``bench_recipe``'s entry point, or why there is none."""
    if not (HERE / "bench_recipe.py").exists():
        return "benchmarks/bench_recipe.py does not exist yet: recipe time per step not measured"
    module = importlib.import_module("bench_recipe")
    for name in ("run", "bench", "main"):
        fn = getattr(module, name, None)
        if callable(fn):
            return lambda quick: call_with_quick(fn, quick)
    return "benchmarks/bench_recipe.py has no run()/bench()/main() function returning a dict"


def call_with_quick(fn: Callable[..., dict], quick: bool) -> dict:
    import inspect

    parameters = inspect.signature(fn).parameters
    if "quick" in parameters:
        return fn(quick=quick)
    if "argv" in parameters:
        return fn(["--quick"] if quick else [])
    return fn()


def runner(name: str) -> Callable[[bool], dict] | str:
    """The function that runs benchmark ``name``, or the reason it cannot run here."""
    if name == "browser" and not (site_dir() / "_static" / "gpt.js").exists():
        return f"no built site with gpt.js in {site_dir()}: run `nox -s docs` first"
    if name == "recipe":
        return recipe_runner()
    module = importlib.import_module(f"bench_{name}")
    return module.run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, no cold docs build"
    )
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help="JSON report (_build/bench.json)"
    )
    args = parser.parse_args(argv)

    report = Report(quick=args.quick)
    failed = []
    for name in args.only or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        run = runner(name)
        if isinstance(run, str):
            print(f"skipped: {run}")
            report.add(name, {"skipped": run})
            report.write(args.out)
            continue
        try:
            figures = run(args.quick)
        except Exception as error:  # report it, run the others, fail at the end
            traceback.print_exc()
            failed.append(name)
            measured = getattr(error, "figures", {})  # what it measured before failing
            report.add(name, {**measured, "error": f"{type(error).__name__}: {error}"})
            report.write(args.out)
            continue
        # a module may return several benchmarks at once (bench_bpe: training and encoding)
        if figures and all(isinstance(v, dict) for v in figures.values()):
            for sub, sub_figures in figures.items():
                report.add(sub, sub_figures)
        else:
            report.add(name, figures)
        # after each benchmark, so an interrupted run keeps its figures
        report.write(args.out)
    path = report.write(args.out)
    print(f"\n{report.header()}\n")
    print(report.table())
    print(f"\nreport: {path}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
