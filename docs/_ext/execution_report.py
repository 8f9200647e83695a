"""How long each executed page took, and the order in which a parallel build reads the pages.

As a script, after a build: print each page's execution time as myst-nb's execution cache
recorded it, their sum, and (``--wall-time``) the whole build's wall time, which ``nox -s docs``
measures around ``sphinx-build``::

    python docs/_ext/execution_report.py _build/.jupyter_cache --wall-time 95.2

As a Sphinx extension (``conf.py``): with ``sphinx-build -j N``, Sphinx reads the pages in
chunks of consecutive names, ``N`` chunks at a time, and myst-nb executes each page while it is
read. In name order the chapters would all share one chunk and run one after another, so before
reading, the pages are reordered so that each chunk carries a similar share of the expected
execution time: the time the cache recorded for the page, or for a page not yet executed, its
number of code cells. The execution cache is also created here, once, before the reading
processes start, so that they do not race to create it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

CODE_CELL = re.compile(r"^(```|:::)\{(code-cell|jupyter-execute)\}", re.M)


def cache_times(cache_path: str | Path) -> dict[Path, float]:
    """Seconds of execution of each page in the execution cache, by source path (latest record).

    The cache is created if it does not exist yet.
    """
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    records = sorted(cache.list_cache_records(), key=lambda record: record.created)
    times = {
        Path(record.uri): float(record.data.get("execution_seconds", float("nan")))
        for record in records
    }
    # no open database connection is carried into the reading processes
    cache.db.dispose()
    return times


def execution_times(cache_path: str | Path) -> dict[str, float]:
    """Seconds of execution of each cached page, keyed by its path relative to docs/."""
    times = {
        path.as_posix().split("/docs/", 1)[-1]: seconds
        for path, seconds in cache_times(cache_path).items()
    }
    return dict(sorted(times.items()))


def balanced_order(costs: dict[str, float], sizes: list[int], nproc: int) -> list[str]:
    """Names ordered so that consecutive chunks of ``sizes`` carry similar total costs.

    Chunk ``i`` is taken to run in lane ``i % nproc``; the costliest name goes first into the
    chunk with room whose lane carries the least so far (ties: the earlier chunk).

    Examples
    --------
    >>> balanced_order({"a": 9, "b": 8, "c": 1, "d": 1}, sizes=[2, 2], nproc=2)
    ['a', 'd', 'b', 'c']
    """
    if sum(sizes) != len(costs):
        raise ValueError(f"chunk sizes {sizes} do not add up to {len(costs)} names")
    chunks: list[list[str]] = [[] for _ in sizes]
    lanes = [0.0] * nproc
    for name in sorted(costs, key=lambda name: (-costs[name], name)):
        open_chunks = [i for i, size in enumerate(sizes) if len(chunks[i]) < size]
        chunk = min(open_chunks, key=lambda i: (lanes[i % nproc], i))
        chunks[chunk].append(name)
        lanes[chunk % nproc] += costs[name]
    return [name for chunk in chunks for name in chunk]


def order_for_parallel_read(app: Any, env: Any, docnames: list[str]) -> None:
    """Reorder ``docnames`` in place so that Sphinx's parallel chunks take similar times."""
    from sphinx.util.parallel import make_chunks

    if app.config.nb_execution_mode != "cache":
        return
    cache = (
        app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    )
    recorded = {path.resolve(): seconds for path, seconds in cache_times(cache).items()}
    if app.parallel <= 1 or len(docnames) <= 1:
        return
    costs = {}
    for name in docnames:
        source = Path(env.doc2path(name)).resolve()
        seconds = recorded.get(source, float("nan"))
        # never executed (or no time recorded): count its code cells
        if seconds != seconds:
            seconds = len(CODE_CELL.findall(source.read_text(encoding="utf-8")))
        costs[name] = seconds
    sizes = [len(chunk) for chunk in make_chunks(docnames, app.parallel)]
    docnames[:] = balanced_order(costs, sizes, app.parallel)


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-before-read-docs", order_for_parallel_read)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", nargs="?", default="_build/.jupyter_cache")
    parser.add_argument("--wall-time", type=float, help="seconds the whole build took")
    args = parser.parse_args(argv[1:])
    times = execution_times(args.cache)
    print("Execution time of each page (myst-nb cache):")
    for name, seconds in times.items():
        print(f"  {name:48} {seconds:7.1f} s")
    print(f"  {'total (sum of the pages)':48} {sum(times.values()):7.1f} s")
    if args.wall_time is not None:
        print(f"  {'whole build (wall time)':48} {args.wall_time:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
