"""Print every glued value of a built site as JSON: ``{page: {name: value}}``.

MyST-NB writes the glue outputs of each executed page to ``_build/jupyter_execute`` as
``PAGE.glue.json``. Comparing two of these dumps shows which measured
numbers a change moved (timings included, so compare them by name).

Usage: ``python docs/_ext/glue_values.py [_build/jupyter_execute] > glue.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def glue_values(executed: Path) -> dict[str, dict[str, str]]:
    """The glued values of every executed page under ``executed``, by page and name."""
    pages: dict[str, dict[str, str]] = {}
    for path in sorted(executed.rglob("*.glue.json")):
        outputs = json.loads(path.read_text(encoding="utf-8"))
        page = path.relative_to(executed).as_posix().removesuffix(".glue.json")
        pages[page] = {
            name: out.get("data", {}).get("text/plain", "") for name, out in outputs.items()
        }
    return pages


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/jupyter_execute")
    json.dump(glue_values(folder), sys.stdout, indent=1, sort_keys=True)
    print()
