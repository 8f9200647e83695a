"""Print every glued value of a built site as JSON: ``{page: {name: value}}``.

MyST-NB writes the glue outputs of each executed page to ``_build/jupyter_execute`` as
``PAGE.glue.json``. Comparing two of these dumps (:func:`differences`) shows which measured
numbers a change moved (timings included, so leave them out by name).

Usage: ``python docs/_ext/glue_values.py [_build/jupyter_execute] > glue.json``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def glue_values(executed: Path) -> dict[str, dict[str, str]]:
    """The glued values of every executed page under ``executed``, by page and name."""
    pages: dict[str, dict[str, str]] = {}
    for path in sorted(executed.rglob("*.glue.json")):
        outputs = json.loads(path.read_text(encoding="utf-8"))
        page = path.relative_to(executed).as_posix().removesuffix(".glue.json")
        pages[page] = {
            name: out.get("data", {}).get("text/plain", "")
            for name, out in outputs.items()
        }
    return pages


def differences(
    first: dict[str, dict[str, str]],
    second: dict[str, dict[str, str]],
    ignore: re.Pattern[str] | None = None,
) -> list[str]:
    """``page: name`` of each glued value that differs (or is missing) between two dumps.

    Names that ``ignore`` matches (``re.search``), such as timings, are left out.

    Examples
    --------
    >>> a = {"p": {"ch01_loss": "2.5", "ch01_seconds": "3.1"}}
    >>> b = {"p": {"ch01_loss": "2.6", "ch01_seconds": "2.9"}, "q": {}}
    >>> differences(a, b, re.compile("_seconds$"))
    ['p: ch01_loss', 'q']
    """
    found = []
    for page in sorted(first.keys() | second.keys()):
        if page not in first or page not in second:
            found.append(page)
            continue
        names = first[page].keys() | second[page].keys()
        for name in sorted(n for n in names if not (ignore and ignore.search(n))):
            if first[page].get(name) != second[page].get(name):
                found.append(f"{page}: {name}")
    return found


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/jupyter_execute")
    json.dump(glue_values(folder), sys.stdout, indent=1, sort_keys=True)
    print()
