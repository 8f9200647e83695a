"""Each chapter's code, taken from its page, runs as a plain Python script in a fresh process.

This is what a reader who copies the snippets in order gets: no IPython magics, no hidden
state, no kernel. The scripts use matplotlib's non-interactive backend.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHAPTERS = sorted(
    (Path(__file__).resolve().parent.parent / "docs" / "chapters").glob("[0-9][0-9]-*.md")
)
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.S | re.M)


def chapter_code(page: Path) -> str:
    """The code cells of a MyST page, in order, without their option headers."""
    cells = []
    for body in CELL.findall(page.read_text(encoding="utf-8")):
        lines = body.splitlines()
        if lines and lines[0].strip() == "---":  # YAML options block
            end = lines.index("---", 1)
            lines = lines[end + 1 :]
        lines = [line for line in lines if not line.startswith(":")]  # short options (:tags:)
        cells.append("\n".join(lines))
    return "\n\n".join(cells) + "\n"


def test_every_chapter_has_code():
    assert CHAPTERS, "no chapter pages found"
    for page in CHAPTERS:
        assert chapter_code(page).count("\n") > 20, page.name


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_has_no_magics(page):
    for line in chapter_code(page).splitlines():
        assert not line.lstrip().startswith(("%", "!")), f"{page.name}: IPython syntax: {line}"


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_as_a_script(page, tmp_path):
    script = tmp_path / f"{page.stem.replace('-', '_')}.py"
    script.write_text(chapter_code(page), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg", "TQDM_DISABLE": "1"}
    env.pop("STEPBYTOKEN_SITE", None)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"{page.name} failed:\n{result.stderr[-4000:]}"
