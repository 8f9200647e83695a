"""The reader's check: each chapter's notebook runs anywhere and prints what the page shows.

For every chapter, the plain notebook's code cells (``docs/_ext/notebooks.py``; the
``%pip install`` cell left out) are written into one script and run in a plain environment
(``plain_env.py``: a fresh virtual environment with only ``pip install`` of the package, no
extras), with matplotlib's non-interactive backend. The script must exit cleanly, and what each
cell prints must equal what the page shows under that cell: the ``stdout`` of the executed
notebook that the site build wrote (``_build/jupyter_execute/chapters/PAGE.ipynb``), line by
line. Documented exceptions: a line may differ where it prints a duration (``12.3 s``), and
nowhere else on that line; blank lines and trailing spaces are not compared (myst-nb's merging
of output chunks drops some). Cells tagged ``remove-output`` are run but not compared.

The build executes each chapter once and this test once more; nothing else runs them. The
plain environment is kept in ``_build/reader-venv`` between runs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))
EXECUTED = SITE.parent / "jupyter_execute"
CACHE = SITE.parent / ".jupyter_cache"
VENV = ROOT / "_build" / "reader-venv"
END_OF_CELL = "<<<sbt: end of cell {}>>>"
END_RE = re.compile(r"<<<sbt: end of cell (\d+)>>>\n")
#: The one allowed difference: a duration, such as "12 s", "3.4 s" or "250 ms", or an exponent
#: fitted to durations ("time as T^2.1", chapter 4's cost of attention). The spaces before it
#: belong to it: a table pads a shorter number with more of them.
DURATION = re.compile(
    r" *\d[\d,]*(?:\.\d+)?\s?(?:s|ms|seconds|min|minutes)\b| *time as T\^\d+(?:\.\d+)?"
)


def load(path: Path) -> Any:
    """A helper module imported by path (tests import nothing from each other)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = load(ROOT / "docs" / "_ext" / "notebooks.py")
plain_env = load(Path(__file__).with_name("plain_env.py"))
PAGES = sorted(notebooks.CHAPTERS.glob("[0-9][0-9]-*.md"))


def reader_script(cells: list[str]) -> str:
    """The cells as one script, each followed by a line that marks where its output ends."""
    parts = [
        f"{src.rstrip()}\n\nprint({END_OF_CELL.format(i)!r})"
        for i, src in enumerate(cells)
    ]
    return "\n\n".join(parts) + "\n"


def split_output(stdout: str) -> list[str]:
    """What each cell of a :func:`reader_script` printed, in order."""
    return END_RE.split(stdout)[0::2][:-1]


def shown_stdout(outputs: list[Any]) -> str:
    """The stdout the page shows under a cell, from the cell's outputs in the executed notebook.

    myst-nb (``nb_merge_streams``) merges a cell's stdout chunks into one, each chunk stripped
    of trailing whitespace; version 1.4 merges them into the first chunk in place, so the
    notebook it writes holds the merged text followed by the chunks it merged.
    """
    chunks = [
        o.text for o in outputs if o.output_type == "stream" and o.name == "stdout"
    ]
    if not chunks:
        return ""
    rest = "".join(c.rstrip() + "\n" for c in chunks[1:] if c.rstrip())
    if rest and chunks[0].endswith(rest):
        return chunks[0]
    return chunks[0].rstrip() + "\n" + rest


def executed_page(page: Path, cache: Path) -> Any:
    """The page as the build executed it, from myst-nb's execution cache.

    The cache holds every executed page with its outputs, whether this build ran it or reused
    an earlier run (``_build/jupyter_execute`` has outputs only for the pages it ran).
    """
    from jupyter_cache import get_cache

    record = get_cache(cache).match_cache_notebook(jupytext.read(page, fmt="md:myst"))
    return get_cache(cache).get_cache_bundle(record.pk).nb


def page_cells(nb: Any) -> list[dict[str, Any]]:
    """The page's visible code cells: source, the stdout the page shows, and whether it shows it."""
    return [
        {
            "source": cell.source,
            "stdout": shown_stdout(cell.get("outputs", [])),
            "shown": "remove-output" not in cell.metadata.get("tags", []),
        }
        for cell in nb.cells
        if cell.cell_type == "code"
        and notebooks.HIDDEN not in cell.metadata.get("tags", [])
    ]


def lines(text: str) -> list[str]:
    """The lines compared: trailing spaces and blank lines are not (myst-nb's merge drops some)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def differences(shown: list[dict[str, Any]], printed: list[str]) -> list[str]:
    """Lines a reader would see differently from the page (durations allowed to differ)."""
    problems = []
    for i, (cell, got) in enumerate(zip(shown, printed, strict=True)):
        if not cell["shown"]:
            continue
        want_lines, got_lines = lines(cell["stdout"]), lines(got)
        if len(want_lines) != len(got_lines):
            problems.append(
                f"cell {i}: the page shows {len(want_lines)} lines, the script printed "
                f"{len(got_lines)}:\n  page:   {want_lines}\n  script: {got_lines}"
            )
            continue
        for want, line in zip(want_lines, got_lines, strict=True):
            if DURATION.sub(" <duration>", want) != DURATION.sub(" <duration>", line):
                problems.append(f"cell {i}:\n  page:   {want}\n  script: {line}")
    return problems


# --- the reader's check --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def executed() -> Path:
    if not EXECUTED.is_dir():
        pytest.fail(
            f"no built site next to {SITE}: run `nox -s docs` first", pytrace=False
        )
    return EXECUTED


@pytest.fixture(scope="session")
def plain_python(executed: Path) -> Path:
    return plain_env.make_plain_env(VENV, ROOT)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_chapter_runs_anywhere_and_prints_what_the_page_shows(
    page, executed, plain_python, tmp_path
):
    notebook = nbformat.reads(notebooks.chapter_notebook(page, executed), as_version=4)
    cells = notebooks.script_cells(notebook)
    try:
        shown = page_cells(executed_page(page, CACHE))
    except KeyError:
        pytest.fail(
            f"the build has not executed {page.name} as it is: run `nox -s docs`"
        )
    assert [c.strip() for c in cells] == [c["source"].strip() for c in shown], (
        f"the build in {executed} is older than {page.name}: run `nox -s docs` again"
    )
    script = tmp_path / f"{page.stem.replace('-', '_')}.py"
    script.write_text(reader_script(cells), encoding="utf-8")
    result = run_plain(plain_python, script)
    assert result.returncode == 0, (
        f"{page.name} failed as a script:\n{result.stderr[-4000:]}"
    )
    problems = differences(shown, split_output(result.stdout))
    assert not problems, (
        f"{page.name} prints other lines than the page shows:\n" + "\n".join(problems)
    )


def run_plain(python: Path, script: Path) -> subprocess.CompletedProcess[str]:
    """Run a script as a reader would: the plain environment, no display, nothing else."""
    env = {
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(script.parent),
        "MPLBACKEND": "Agg",
        "PYTHONUTF8": "1",
    }
    return subprocess.run(
        [str(python), script.name],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- the machinery, on synthetic cells -----------------------------------------------------------


def test_script_output_splits_back_into_cells(tmp_path):
    cells = [
        'print("a")\nprint("b")',
        "x = 1",
        'print("no newline", end="")',
        "print(x + 1)",
    ]
    script = tmp_path / "demo.py"
    script.write_text(reader_script(cells))
    result = run_plain(Path(sys.executable), script)
    assert result.returncode == 0, result.stderr
    assert split_output(result.stdout) == ["a\nb\n", "", "no newline", "2\n"]


def test_page_cells_are_the_visible_ones_with_their_stdout(tmp_path):
    nb = nbformat.v4.new_notebook()
    stream = nbformat.v4.new_output
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("glue()", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell(
            "print(1)",
            metadata={"tags": ["hide-input"]},
            outputs=[
                stream("stream", name="stdout", text="1\n"),
                stream("stream", name="stderr", text="warning\n"),
                stream("stream", name="stdout", text="2\n"),
            ],
        ),
        nbformat.v4.new_code_cell("print(3)", metadata={"tags": ["remove-output"]}),
    ]
    assert page_cells(nb) == [
        {"source": "print(1)", "stdout": "1\n2\n", "shown": True},
        {"source": "print(3)", "stdout": "", "shown": False},
    ]


def test_shown_stdout_is_what_myst_nb_merged():
    def out(text):
        return nbformat.v4.new_output("stream", name="stdout", text=text)

    assert shown_stdout([out("a\n")]) == "a\n"
    assert shown_stdout([out("a\n"), out("b\n\n"), out("c")]) == "a\nb\nc\n"
    # as myst-nb 1.4 writes it: the first chunk merged in place, the merged chunks kept
    assert shown_stdout([out("a\nb\nc\n"), out("b\n\n"), out("c")]) == "a\nb\nc\n"


def test_only_durations_may_differ():
    shown = [
        {"stdout": "trained in 12 s; loss 2.31\n", "shown": True},
        {"stdout": "anything\n", "shown": False},
    ]
    assert differences(shown, ["trained in 9.5 s; loss 2.31\n", "other\n"]) == []
    assert differences(shown, ["trained in 12 s; loss 2.32\n", ""])
    assert differences(shown, ["trained in 12 s; loss 2.31\nextra\n", ""])
    # a table pads a shorter duration with more spaces
    padded = [{"stdout": "ours   20.84 ms | T=512\n", "shown": True}]
    assert differences(padded, ["ours    6.68 ms | T=512\n"]) == []
    assert differences(padded, ["ours    6.68 ms | T=256\n"])
