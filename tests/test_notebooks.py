"""The chapter notebooks (docs/_ext/notebooks.py): plain Jupyter, and up to date with the pages.

The conversion is tested on a small synthetic page; the real notebooks are compared with what
the converter makes from the pages and the last build's glued values (``nox -s tests`` builds
first). Glued timings (names ending in ``_seconds`` or holding ``_timed_``, such as chapter 18's
measured times and their ratios) may differ from build to build, and so may two kinds of value
that depend on the CPU that ran the build: rounding gaps (values under 1e-3 printed in
e-notation or to one digit, such as "differ by 6e-08"), and statistics of text sampled from a
model trained during the build (names holding ``_sampled_``: one different rounding changes
the samples).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_ext(name: str):
    """A module of docs/_ext (not a package), imported by path."""
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "docs" / "_ext" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = load_ext("notebooks")
PAGES = sorted(notebooks.CHAPTERS.glob("[0-9][0-9]-*.md"))
SITE = Path(os.environ.get("SBT_SITE_DIR", ROOT / "_build" / "html"))
EXECUTED = SITE.parent / "jupyter_execute"
# glued values free to differ between builds: timings, exponents fitted to them, and
# statistics of text sampled from a model trained at build
FREE = re.compile(r"_seconds$|_time_exp_|_timed_|_sampled_")
# a glued value shown in e-notation (":.0e") or to one significant digit (":.1g"): with
# a value under 1e-3, a rounding gap such as "differ by 6e-08"
ROUGH = re.compile(r"\{glue:text\}`([A-Za-z0-9_]+):(\.[0-9]+[eE]|\.1g)`")


def rounding_gaps(page: Path, glue: dict) -> set[str]:
    """Names of the page's glued rounding gaps: under 1e-3, shown roughly (see ROUGH)."""
    names = set()
    for name, _ in ROUGH.findall(page.read_text(encoding="utf-8")):
        try:
            value = float(glue[name]["data"]["text/plain"])
        except (KeyError, ValueError):
            continue
        if abs(value) < 1e-3:
            names.add(name)
    return names


SOURCE = '''\
import functools


def helper(x):
    """Double x."""
    return 2 * x


class Model:
    """A model."""

    @functools.cache
    def forward(self, x):
        y = x + 1
        return y
'''

PAGE = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# 9 · A synthetic chapter

(sec-counting)=
## Counting

We counted {glue:text}`ch09_tokens:,` tokens in {glue:text}`ch09_seconds:.1f` s, as
{cite}`ch09-shannon1948mathematical,ch09-bengio2003neural` did; see {ref}`sec-counting`,
{doc}`../about` and {py:func}`~pkg.mod.helper`. Code spans stay: `{glue:text}`.

```{code-cell} ipython3
:tags: [remove-cell]
from myst_nb import glue
glue("ch09_tokens", 12345, display=False)
```

```{code-cell} ipython3
:tags: [hide-input]
print("visible")
```

+++

```{literalinclude} ../pkg/mod.py
:pyobject: Model.forward
:start-at: y = x + 1
:dedent:
```

:::{note}
Remember {glue:text}`ch09_tokens:,`.
:::

```python
print("a plain fence stays")
```

```{bibliography}
:filter: docname in docnames
:keyprefix: ch09-
```
"""


@pytest.fixture
def synthetic(tmp_path):
    """A docs tree with one page, a module it includes and the glue of a 'last build'."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(SOURCE)
    (tmp_path / "about.md").write_text("# About this book\n\nText.\n")
    page = tmp_path / "chapters" / "09-synthetic.md"
    page.write_text(PAGE)
    executed = tmp_path / "executed"
    (executed / "chapters").mkdir(parents=True)
    glue = {"ch09_tokens": {"data": {"text/plain": "12345"}}}
    glue["ch09_seconds"] = {"data": {"text/plain": "3.14159"}}
    (executed / "chapters" / "09-synthetic.glue.json").write_text(json.dumps(glue))
    return page, executed


def test_synthetic_page_becomes_a_plain_notebook(synthetic):
    page, executed = synthetic
    cells = notebooks.chapter_cells(page, executed)
    code = [src for kind, src in cells if kind == "code"]
    markdown = "\n\n".join(src for kind, src in cells if kind == "markdown")
    assert code == [notebooks.install_cell(), 'print("visible")']
    assert "We counted 12,345 tokens in 3.1 s" in markdown
    assert "(Shannon, 1948; Bengio et al., 2003)" in markdown
    assert "- **Bengio et al., 2003.** Yoshua Bengio" in markdown
    assert "see Counting,\nAbout this book and `helper()`" in markdown
    assert "Code spans stay: `{glue:text}`." in markdown
    assert "> **Note**\n>\n> Remember 12,345." in markdown
    assert '```python\nprint("a plain fence stays")\n```' in markdown
    assert (
        "- **Shannon, 1948.** Claude E. Shannon. A mathematical theory of" in markdown
    )
    for myst in (
        "{glue",
        "{cite",
        "{ref",
        "(sec-counting)=",
        "+++",
        "```{",
        ":::",
        "myst_nb",
    ):
        assert myst not in markdown.replace("`{glue:text}`", ""), myst


def test_literalinclude_becomes_the_code_it_shows(synthetic):
    page, executed = synthetic
    cells = notebooks.chapter_cells(page, executed)
    assert ("markdown", "```python\ny = x + 1\nreturn y\n```") in cells


def test_sync_check_allows_only_timings_to_differ(synthetic):
    page, executed = synthetic
    pattern = pattern_allowing_timings(page, executed)
    glue = notebooks.Page(page, executed).glue
    assert pattern.fullmatch(notebooks.chapter_notebook(page, executed))
    slower = {**glue, "ch09_seconds": {"data": {"text/plain": "12.5"}}}
    assert pattern.fullmatch(notebooks.chapter_notebook(page, executed, slower))
    more = {**glue, "ch09_tokens": {"data": {"text/plain": "12346"}}}
    assert not pattern.fullmatch(notebooks.chapter_notebook(page, executed, more))


def test_pyobject_includes_decorators_and_methods(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    assert notebooks.object_source(path, "helper").startswith("def helper(x):\n")
    method = notebooks.object_source(path, "Model.forward")
    assert method.startswith(
        "    @functools.cache\n    def forward"
    ) and method.endswith("y\n")
    with pytest.raises(ValueError, match="no 'Model.backward'"):
        notebooks.object_source(path, "Model.backward")


def test_notebook_text_is_valid_and_deterministic(synthetic):
    page, executed = synthetic
    text = notebooks.chapter_notebook(page, executed)
    assert text == notebooks.chapter_notebook(page, executed)
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert notebooks.script_cells(nb) == ['print("visible")']


def test_missing_build_says_to_build_first(synthetic, tmp_path):
    page, _ = synthetic
    with pytest.raises(FileNotFoundError, match="build the site first"):
        notebooks.chapter_cells(page, tmp_path / "nowhere")


def test_unknown_myst_syntax_is_an_error_not_raw_text(synthetic):
    page, executed = synthetic
    page.write_text(PAGE + "\n```{eval-rst}\n.. note:: x\n```\n")
    with pytest.raises(ValueError, match="eval-rst"):
        notebooks.chapter_cells(page, executed)


def test_install_cell_uses_the_repository_of_pyproject():
    assert notebooks.repository_url().startswith("https://")
    assert notebooks.repository_url() in notebooks.install_cell()


LITERALINCLUDE = re.compile(
    r"^```\{literalinclude\} (\S+)\n((?::[\w-]+:.*\n)*)```", re.M
)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_literalincludes_match_what_sphinx_shows(page):
    from sphinx.config import Config
    from sphinx.directives.code import LiteralIncludeReader

    config = Config({"source_encoding": "utf-8"})
    for path, option_lines in LITERALINCLUDE.findall(page.read_text(encoding="utf-8")):
        options = {
            key: notebooks.unquote_option(value)
            for key, value in re.findall(r"^:([\w-]+):[ \t]*(.*)$", option_lines, re.M)
        }
        sphinx_options = {k: v for k, v in options.items() if k != "dedent"}
        if "dedent" in options:
            sphinx_options["dedent"] = (
                int(options["dedent"]) if options["dedent"] else None
            )
        expected, _ = LiteralIncludeReader(
            page.parent / path, sphinx_options, config
        ).read()
        shown = notebooks.literalinclude(page, path, options)
        assert shown.split("\n", 1)[1] == expected.rstrip() + "\n```", (
            page.name,
            options,
        )


def pattern_allowing_timings(page: Path, executed: Path) -> re.Pattern[str]:
    """The expected notebook text, with each glued timing or rounding error free to be any
    number.

    The notebook is made twice, with every such value glued as 1111111 and then as 2222222:
    the numbers that differ between the two texts are the free ones.
    """
    glue = notebooks.Page(page, executed).glue
    rounding = rounding_gaps(page, glue)

    def made_with(value: str, small: str) -> str:
        timed = {
            name: {
                "data": {
                    **out.get("data", {}),
                    "text/plain": small if name in rounding else value,
                }
            }
            for name, out in glue.items()
            if FREE.search(name) or name in rounding
        }
        return notebooks.chapter_notebook(page, executed, {**glue, **timed})

    # a rounding gap is free whole, exponent included: "1e-07" against "2e-08" (and it may
    # come out as "0.0003" where the page's format prints small values without one)
    a, b = made_with("1111111", "1.1e-07"), made_with("2222222", "2.2e-08")
    assert len(a) == len(b)
    pattern, end = [], 0
    for number in re.finditer(r"[0-9][0-9.,]*(?:[eE][+-]?[0-9]+)?", a):
        if a[number.start() : number.end()] != b[number.start() : number.end()]:
            pattern += [re.escape(a[end : number.start()]), r"[0-9][0-9.,e+-]*"]
            end = number.end()
    return re.compile("".join([*pattern, re.escape(a[end:])]))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_notebook_matches_its_page(page):
    if not EXECUTED.is_dir():
        pytest.fail(f"no build in {EXECUTED}: run `nox -s docs` first", pytrace=False)
    target = page.with_suffix(".ipynb")
    assert target.exists(), f"{target.name} is missing: run `nox -s notebooks`"
    assert pattern_allowing_timings(page, EXECUTED).fullmatch(
        target.read_text(encoding="utf-8")
    ), f"{target.name} is out of date: run `nox -s notebooks`"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_notebook_is_plain_jupyter(page):
    nb = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    assert nb.cells[1].source.startswith("%pip install"), "the install cell comes first"
    for cell in nb.cells:
        text = textwrap.dedent(cell.source)
        assert "myst_nb" not in text, (
            f"{page.name}: a visible cell uses myst_nb: {text[:80]}"
        )
        if cell.cell_type == "markdown":
            for myst in ("{glue", "{cite}", "{literalinclude}", "```{", "+++"):
                assert myst not in text, (
                    f"{page.name}: MyST syntax {myst!r} left: {text[:80]}"
                )
