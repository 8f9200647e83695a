"""The execution report (docs/_ext/execution_report.py): its table, and the parallel order."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sphinx.util.parallel import make_chunks

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "execution_report", ROOT / "docs" / "_ext" / "execution_report.py"
)
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def lane_loads(order: list[str], costs: dict[str, float], nproc: int) -> list[float]:
    """What each of ``nproc`` processes executes when Sphinx reads ``order`` in its chunks."""
    loads = [0.0] * nproc
    start = 0
    for i, chunk in enumerate(make_chunks(order, nproc)):
        loads[i % nproc] += sum(
            costs[name] for name in order[start : start + len(chunk)]
        )
        start += len(chunk)
    return loads


def test_the_pages_are_spread_over_the_processes():
    # the site's shape: 12 API pages, then the chapters, in name order all in one chunk
    costs = {f"api/{i:02d}": 0.0 for i in range(12)}
    costs.update({"chapters/01": 64.0, "chapters/02": 8.0, "chapters/03": 15.0})
    costs.update({"chapters/04": 12.0, "chapters/05": 20.0, "chapters/06": 19.0})
    costs.update({"chapters/07": 22.0, "index": 0.0, "small-world": 5.0, "zz": 0.0})
    names = sorted(costs)
    sizes = [len(chunk) for chunk in make_chunks(names, 2)]
    order = report.balanced_order(costs, sizes, nproc=2)
    assert sorted(order) == names
    # name order: one process does nearly all
    assert max(lane_loads(names, costs, 2)) > 150
    # balanced: about half of the 165 s each
    assert max(lane_loads(order, costs, 2)) < 90


def test_chunk_sizes_must_fit_the_names():
    with pytest.raises(ValueError, match="do not add up"):
        report.balanced_order({"a": 1.0}, sizes=[1, 1], nproc=2)


def test_the_report_prints_the_pages_total_and_wall_time(tmp_path, capsys):
    assert (
        report.main(
            ["execution_report.py", str(tmp_path / "cache"), "--wall-time=95.2"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "total (sum of the pages)" in out and "0.0 s" in out
    assert "whole build (wall time)" in out and "95.2 s" in out
