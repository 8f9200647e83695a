"""The benchmarks' common report: the machine, the versions, and each benchmark's figures.

Every benchmark module has a ``run(quick: bool) -> dict`` that returns its figures; a figure
whose name ends in ``_s`` is seconds, ``_ms`` milliseconds, ``_mb_s`` megabytes per second,
and ``ratio`` (or ``*_ratio``) is the comparison the benchmark exists for. ``run_all.py``
collects them into one :class:`Report`, written as JSON and printed as one table.

Examples
--------
>>> report = Report(quick=True)
>>> report.add("demo", {"ours_s": 2.0, "theirs_s": 1.0, "ratio": 2.0, "note": "x"})
>>> print(report.table())
demo  ours_s         2.000
demo  theirs_s       1.000
demo  ratio          2.000
demo            note: x
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "bench.json"
VERSIONED = (
    "torch",
    "sphinx",
    "myst-nb",
    "tokenizers",
    "plotly",
    "playwright",
    "stepbytoken",
)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """Where the figures were measured: CPUs, OS, Python and package versions."""
    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions,
        # other work on the machine slows every figure; ratios suffer less than times
        "load_average_1min": round(os.getloadavg()[0], 2)
        if hasattr(os, "getloadavg")
        else None,
    }


def format_value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"


@dataclass
class Report:
    """Figures of one run of the benchmarks, by benchmark name."""

    quick: bool = False
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=machine)

    def add(self, name: str, figures: dict[str, Any]) -> None:
        """Record the figures a benchmark returned (a dict of JSON-compatible values)."""
        if not isinstance(figures, dict):
            raise TypeError(
                f"benchmark {name} must return a dict, got {type(figures).__name__}"
            )
        self.results[name] = figures

    def to_json(self) -> str:
        data = {"quick": self.quick, "machine": self.machine, "results": self.results}
        return json.dumps(data, indent=2, sort_keys=False, default=str)

    def write(self, path: str | Path = DEFAULT_OUT) -> Path:
        """Write the report as JSON to ``path`` (default ``_build/bench.json``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    def table(self) -> str:
        """One table of every figure; nested figures (per page) are shown one per line."""
        rows: list[tuple[str, str, str]] = []
        for bench, figures in self.results.items():
            for key, value in figures.items():
                if isinstance(value, dict):
                    for sub, v in value.items():
                        rows.append((bench, f"{key}[{sub}]", format_value(v)))
                elif isinstance(value, str):  # the JSON report keeps the whole text
                    first = value.strip().splitlines()[0] if value.strip() else ""
                    more = " ..." if len(first) > 160 or "\n" in value.strip() else ""
                    rows.append((bench, "", f"{key}: {first[:160]}{more}"))
                else:
                    rows.append((bench, key, format_value(value)))
        w0 = max(len(r[0]) for r in rows) if rows else 0
        w1 = max(len(r[1]) for r in rows) if rows else 0
        lines = []
        for bench, key, value in rows:
            if key:
                lines.append(f"{bench:<{w0}}  {key:<{w1}}  {value:>10}")
            else:
                lines.append(f"{bench:<{w0}}  {'':<{w1}}  {value}")
        return "\n".join(lines)

    def header(self) -> str:
        m = self.machine
        v = ", ".join(f"{k} {val}" for k, val in m["versions"].items() if val)
        mode = " (quick: smaller sizes, no cold build)" if self.quick else ""
        return (
            f"benchmarks{mode}: {m['cpu_count']} CPUs ({m['cpu_model']}; load "
            f"{m.get('load_average_1min')} at the start), Python {m['python']}, {v}"
        )
