"""Time the docs build: cold, warm, each chapter's execution, and a projection to 21 chapters.

Builds the site into a temporary folder with the project's own ``sphinx-build`` command (the
``SPHINX`` list of ``noxfile.py``: parallel reading, ``-W``), its own execution cache
(``SBT_NB_CACHE``), so nothing in ``_build`` is touched:

- ``cold``: an empty execution cache and no doctrees: every page is executed;
- ``warm``: the same build again with nothing changed;
- per chapter: the execution seconds the cold build's cache recorded (myst-nb), the slowest,
  and the mean;
- the projection for the book's 21 chapters (``docs/_data/outline.json``): the cold build plus
  the missing chapters at the measured mean, executed one after another (``projected_21_s``;
  an upper bound, since the build runs pages in parallel).

``--quick`` skips the cold build: the first build starts from a copy of ``_build``'s execution
cache (only pages changed since re-execute) and the per-chapter times are the ones that cache
recorded, which the report says. Usage::

    python benchmarks/bench_docs.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_LIMIT_S = 6 * 60  # issue 12: cold build and the 21-chapter projection
WARM_LIMIT_S = 20.0
CHAPTER_LIMIT_S = 20.0
# not a kernel's log lines
SPHINX_PROBLEM = re.compile(r"(^|: )(WARNING|ERROR|CRITICAL):")


def sphinx_command() -> list[str]:
    """The project's ``sphinx-build`` arguments: ``SPHINX`` in ``noxfile.py`` (read, not run)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SPHINX" for t in node.targets
        ):
            command = ast.literal_eval(node.value)
            break
    else:
        raise SystemExit(
            "noxfile.py has no SPHINX list (the project's sphinx-build command)"
        )
    executable = Path(sys.executable).with_name(command[0])
    return [str(executable) if executable.exists() else command[0], *command[1:]]


def chapter_count() -> int:
    outline = json.loads(
        (ROOT / "docs" / "_data" / "outline.json").read_text(encoding="utf-8")
    )
    return sum(len(part["chapters"]) for part in outline["parts"])


def build(folder: Path, log_name: str) -> tuple[float, list[str]]:
    """Run one build into ``folder``; return its wall time and its warnings if it failed.

    A build that fails on warnings (``-W``) but wrote the site is still timed, and its
    warnings are returned (and reported); one that wrote no site raises ``RuntimeError``.
    """
    command = [*sphinx_command(), str(folder / "html"), "-d", str(folder / "doctrees")]
    env = {**os.environ, "SBT_NB_CACHE": str(folder / "cache")}
    log = folder / log_name
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        return seconds, []
    lines = log.read_text(encoding="utf-8").splitlines()
    if not (folder / "html" / "index.html").exists():
        tail = "\n".join(lines[-30:])
        raise RuntimeError(f"docs build failed ({' '.join(command)}):\n{tail}")
    return seconds, [line for line in lines if SPHINX_PROBLEM.search(line)]


def chapter_times(cache: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from execution_report import execution_times

    return {
        Path(name).stem: seconds
        for name, seconds in execution_times(cache).items()
        if name.startswith("chapters/")
    }


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Run the builds, print the figures and return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="no cold build (see above)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary build folder"
    )
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="sbt-bench-docs-"))
    figures: dict[str, object] = {"command": " ".join(sphinx_command()[1:])}
    try:
        if args.quick:
            existing = ROOT / "_build" / ".jupyter_cache"
            if existing.exists():
                shutil.copytree(existing, folder / "cache")
            figures["first_build_s"], problems = build(folder, "first.log")
            figures["note"] = (
                "quick: no cold build; first build from a copy of _build/.jupyter_cache, "
                "chapter times as that cache recorded them"
            )
        else:
            figures["cold_s"], problems = build(folder, "cold.log")
        figures["warm_s"], warm_problems = build(folder, "warm.log")
        if problems or warm_problems:
            figures["build_failed"] = "; ".join(dict.fromkeys(problems + warm_problems))
        times = chapter_times(folder / "cache")
    finally:
        if args.keep:
            print(f"build folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    n, total = len(times), chapter_count()
    mean = sum(times.values()) / n if n else float("nan")
    slowest = max(times, key=times.get) if times else None
    figures.update(
        {
            "chapters_built": n,
            "chapter_exec_s": times,
            "chapter_exec_sum_s": sum(times.values()),
            "chapter_exec_mean_s": mean,
            "chapter_exec_max_s": times[slowest] if slowest else float("nan"),
            "slowest_chapter": str(slowest),
            "chapter_max_ratio": (times[slowest] if slowest else float("nan"))
            / CHAPTER_LIMIT_S,
            "warm_ratio": figures["warm_s"] / WARM_LIMIT_S,
        }
    )
    if "cold_s" in figures:
        cold = figures["cold_s"]
        projected = cold + max(total - n, 0) * mean
        figures.update(
            {
                "projected_chapters": total,
                "projected_21_s": projected,
                "cold_ratio": cold / BUILD_LIMIT_S,
                "projected_ratio": projected / BUILD_LIMIT_S,
                "cold_over_warm": cold / figures["warm_s"],
                "ratio_means": (
                    f"cold_ratio, projected_ratio: time / {BUILD_LIMIT_S} s; warm_ratio: "
                    f"time / {WARM_LIMIT_S:.0f} s; chapter_max_ratio: time / "
                    f"{CHAPTER_LIMIT_S:.0f} s (issue 12's limits; <= 1 meets them)"
                ),
            }
        )
    for key, value in figures.items():
        if isinstance(value, dict):
            for name, seconds in value.items():
                print(f"  {name:<36} {seconds:8.1f} s")
        elif isinstance(value, float):
            print(f"{key:<38} {value:8.2f}")
        else:
            print(f"{key:<38} {value}")
    return figures


def run(quick: bool = False) -> dict[str, object]:
    """Figures for ``run_all.py``; raises after the figures if a build failed on warnings."""
    figures = main(["--quick"] if quick else [])
    if "build_failed" in figures:
        raise BuildFailed(figures)
    return figures


class BuildFailed(RuntimeError):
    """The docs build failed on warnings; ``figures`` still holds what was measured."""

    def __init__(self, figures: dict[str, object]) -> None:
        super().__init__(f"docs build failed: {figures['build_failed']}")
        self.figures = figures


if __name__ == "__main__":
    main()
