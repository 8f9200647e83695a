"""Print how long each executed page took, as myst-nb's execution cache recorded it.

Usage: ``python docs/_ext/execution_report.py _build/.jupyter_cache``
"""

from __future__ import annotations

import sys
from pathlib import Path


def execution_times(cache_path: str) -> dict[str, float]:
    """Seconds of execution of each cached page, keyed by its path relative to docs/."""
    from jupyter_cache import get_cache

    times = {}
    for record in get_cache(cache_path).list_cache_records():
        name = Path(record.uri).as_posix().split("/docs/", 1)[-1]
        times[name] = float(record.data.get("execution_seconds", float("nan")))
    return dict(sorted(times.items()))


def main(argv: list[str]) -> int:
    times = execution_times(argv[1] if len(argv) > 1 else "_build/.jupyter_cache")
    print("Execution time of each page (myst-nb cache):")
    for name, seconds in times.items():
        print(f"  {name:48} {seconds:7.1f} s")
    print(f"  {'total':48} {sum(times.values()):7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
