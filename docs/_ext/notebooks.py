"""Write each chapter as a plain Jupyter notebook next to its MyST page (for Colab and Binder).

The notebook is what a reader can run anywhere with only ``pip install`` of the package:

* an install cell first (``%pip install``, from the repository in ``[project.urls]``);
* the page's markdown, turned into plain Markdown: ``{glue:text}`` becomes the number the last
  build measured, ``{cite}`` an "(Author, Year)" text, the bibliography a list, cross-references
  plain text, admonitions blockquotes; ``literalinclude`` becomes the code it shows;
* the page's visible code cells (cells tagged ``remove-cell`` are book machinery: dropped).

The glued values come from the last build (``_build/jupyter_execute/chapters/PAGE.glue.json``),
so build the site first. ``tests/test_notebooks.py`` fails when a notebook is out of date.

Usage: ``python docs/_ext/notebooks.py [EXECUTED_DIR]`` (or ``nox -s notebooks``).
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "docs" / "chapters"
EXECUTED = ROOT / "_build" / "jupyter_execute"
BIBLIOGRAPHY = ROOT / "docs" / "references.bib"
HIDDEN = "remove-cell"

ROLE_OR_CODE = re.compile(
    r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]*)`|(?P<code>`+)[^`]+(?P=code)"
)
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
EXPLICIT = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")
LABEL = re.compile(r"^\((?P<label>[\w:.-]+)\)=\s*$")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}


def repository_url() -> str:
    """The book's repository, from ``[project.urls]`` in ``pyproject.toml`` (the one setting)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"]


def install_cell() -> str:
    """The notebook's first cell: install the package from the repository."""
    return f'%pip install --quiet "stepbytoken @ git+{repository_url()}"'


def unquote_option(value: str) -> str:
    """An option's value as MyST reads it: a quoted value (YAML's rules) loses its quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return str(yaml.safe_load(value))
    return value


class PageError(ValueError):
    """A page uses MyST syntax that has no plain-Markdown form here."""


# --- literalinclude ------------------------------------------------------------------------------


def object_source(path: Path, dotted: str) -> str:
    """The source of ``dotted`` (``name`` or ``Class.method``) in a Python file, with ast.

    Decorators are included; the text keeps its indentation, as Sphinx shows it.
    """
    source = path.read_text(encoding="utf-8")
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.AST | None = None
    for name in dotted.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and n.name == name
            ),
            None,
        )
        if node is None:
            raise PageError(
                f"{path.name} has no {dotted!r} (literalinclude :pyobject:)"
            )
        body = node.body
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = source.splitlines(keepends=True)
    return "".join(lines[start - 1 : node.end_lineno])


def literalinclude(page: Path, arg: str, options: dict[str, str]) -> str:
    """The code a ``literalinclude`` directive shows, as a Markdown code fence."""
    path = (page.parent / arg).resolve()
    text = (
        object_source(path, options["pyobject"])
        if "pyobject" in options
        else path.read_text()
    )
    lines = text.splitlines(keepends=True)
    for key, keep in (("start-at", True), ("start-after", False)):
        if key in options:
            i = next((i for i, line in enumerate(lines) if options[key] in line), None)
            if i is None:
                raise PageError(
                    f"{path.name}: no line contains {options[key]!r} ({key})"
                )
            lines = lines[i if keep else i + 1 :]
    for key, keep in (("end-at", True), ("end-before", False)):
        if key in options:
            i = next((i for i, line in enumerate(lines) if options[key] in line), None)
            if i is None:
                raise PageError(
                    f"{path.name}: no line contains {options[key]!r} ({key})"
                )
            lines = lines[: i + 1 if keep else i]
    unknown = set(options) - {
        "pyobject",
        "start-at",
        "start-after",
        "end-at",
        "end-before",
    }
    unknown -= {"language", "dedent", "caption", "name", "linenos", "emphasize-lines"}
    if unknown:
        raise PageError(
            f"literalinclude options {sorted(unknown)} are not supported here"
        )
    code = "".join(lines)
    if "dedent" in options:
        width = options["dedent"].strip()
        if width:  # blank lines keep their line break
            code = "".join(ln[int(width) :] or ln[-1:] for ln in lines)
        else:
            code = textwrap.dedent(code)
    return f"```{options.get('language', 'python')}\n{code.rstrip()}\n```"


# --- citations -----------------------------------------------------------------------------------


@cache
def bibliography() -> Any:
    from pybtex.database import parse_file

    return parse_file(str(BIBLIOGRAPHY))


def cited_keys(text: str, key_prefix: str) -> list[str]:
    """The bibliography keys a page cites, in order of first citation, without the prefix."""
    keys: list[str] = []
    for match in re.finditer(r"\{cite(?::\w+)?\}`([^`]*)`", text):
        keys += [k.strip().removeprefix(key_prefix) for k in match.group(1).split(",")]
    missing = [k for k in keys if k not in bibliography().entries]
    if missing:
        raise PageError(f"{missing[0]!r} is not in {BIBLIOGRAPHY.name}")
    return list(dict.fromkeys(keys))


def reference_list(entries: list[tuple[str, str, str]]) -> str:
    """A Markdown list of ``(key, label, text)`` entries: the label in bold, then the text."""
    return "\n".join(f"- **{label}.** {text}" for _, label, text in entries)


# --- one page -------------------------------------------------------------------------------------


class Page:
    """A chapter page and what converting it needs: its glue values, labels and citations."""

    def __init__(
        self, path: Path, executed: Path, glue: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.executed = executed
        self.key_prefix = ""
        prefix = re.search(r"^:keyprefix:\s*(\S+)", self.text, re.M)
        if prefix:
            self.key_prefix = prefix.group(1)
        self.labels = self.find_labels(self.text)
        self._glue = glue
        self._references: list[tuple[str, str, str]] | None = None

    @staticmethod
    def find_labels(text: str) -> dict[str, str]:
        """``(label)=`` targets and the heading each one names."""
        labels, pending = {}, None
        for line in text.splitlines():
            if match := LABEL.match(line):
                pending = match.group("label")
            elif pending and line.strip():
                heading = HEADING.match(line)
                labels[pending] = heading.group("title") if heading else pending
                pending = None
        return labels

    @property
    def references(self) -> list[tuple[str, str, str]]:
        """``(key, label, text)`` of every entry the page cites, labelled as on the site."""
        if self._references is None:
            if str(ROOT / "docs" / "_ext") not in sys.path:  # this module's neighbours
                sys.path.insert(0, str(ROOT / "docs" / "_ext"))
            from citation_labels import labelled_entries

            keys = cited_keys(self.text, self.key_prefix)
            self._references = labelled_entries(bibliography().entries[k] for k in keys)
        return self._references

    @property
    def glue(self) -> dict[str, dict[str, Any]]:
        """The values glued by the page in the last build, by name."""
        if self._glue is not None:
            return self._glue
        relative = self.path.relative_to(self.path.parents[1]).with_suffix(".glue.json")
        path = self.executed / relative
        if not path.exists():
            raise FileNotFoundError(
                f"{path} is missing: build the site first (`nox -s docs`), then run "
                "`nox -s notebooks`; the notebooks quote the numbers the last build measured"
            )
        self._glue = json.loads(path.read_text(encoding="utf-8"))
        return self._glue

    def glue_data(self, name: str, mime: str) -> str:
        if name not in self.glue:
            raise PageError(
                f"{self.path.name}: no glued value {name!r} in the last build"
            )
        data = self.glue[name].get("data", {})
        if mime not in data:
            raise PageError(f"{self.path.name}: glued value {name!r} has no {mime}")
        return data[mime]

    # roles -------------------------------------------------------------------------------------

    def role(self, name: str, text: str) -> str:
        """Plain Markdown for one MyST role."""
        from myst_nb.core.variables import format_plain_text  # as the site formats it

        explicit = EXPLICIT.match(text)
        if name in ("glue:text", "glue", "glue:any"):
            key, _, fmt = (
                text.rpartition(":") if name == "glue:text" else (text, "", "")
            )
            if name == "glue:text" and not key:
                key, fmt = fmt, ""
            return format_plain_text(self.glue_data(key, "text/plain"), fmt)
        if name == "glue:md":
            return self.glue_data(
                text.rpartition(":")[0] or text, "text/markdown"
            ).strip()
        if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            keys = [k.strip().removeprefix(self.key_prefix) for k in text.split(",")]
            labels = {key: label for key, label, _ in self.references}
            return "(" + "; ".join(labels[k] for k in keys) + ")"
        if name in ("ref", "numref"):
            if explicit:
                return explicit.group("title")
            return self.labels.get(text, text)
        if name == "doc":
            if explicit:
                return explicit.group("title")
            return self.doc_title(text)
        if name.startswith("py:") or name in (
            "class",
            "func",
            "meth",
            "mod",
            "obj",
            "attr",
        ):
            if explicit:
                return f"`{explicit.group('title')}`"
            target = text.lstrip("~")
            shown = target.rsplit(".", 1)[-1] if text.startswith("~") else target
            if name.split(":")[-1] in ("func", "meth"):
                shown += "()"
            return f"`{shown}`"
        if name == "math":
            return f"${text}$"
        if name in (
            "sub",
            "sup",
            "abbr",
            "term",
            "download",
            "kbd",
            "guilabel",
            "file",
        ):
            return explicit.group("title") if explicit else text
        raise PageError(
            f"{self.path.name}: role {{{name}}} has no plain-Markdown form here"
        )

    def doc_title(self, target: str) -> str:
        for suffix in (".md", ".rst"):
            path = (self.path.parent / target).with_suffix(suffix)
            if path.exists():
                for line in path.read_text(encoding="utf-8").splitlines():
                    if heading := HEADING.match(line):
                        return heading.group("title")
        raise PageError(f"{self.path.name}: {{doc}} target {target!r} not found")

    def inline(self, text: str) -> str:
        """Replace the roles in a run of Markdown text (code spans are left alone)."""

        def replace(match: re.Match[str]) -> str:
            if match.group("name") is None:
                return match.group(0)  # a code span
            return self.role(match.group("name"), match.group("text"))

        return ROLE_OR_CODE.sub(replace, text)

    # blocks ------------------------------------------------------------------------------------

    def markdown(self, text: str) -> list[str]:
        """Plain Markdown cells for one markdown cell of the page (literalincludes split off)."""
        cells: list[str] = []
        current: list[str] = []
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            fence = FENCE.match(line)
            if LABEL.match(line) or line.strip() == "+++" or line.startswith("%"):
                i += 1
                continue
            if not fence:
                current.append(self.inline(line))
                i += 1
                continue
            end = self.closing_fence(lines, i, fence.group("fence"))
            body = lines[i + 1 : end]
            directive = DIRECTIVE.match(fence.group("info").strip())
            i = end + 1
            if not directive:  # a plain code fence: kept as it is
                current.extend([line, *body, lines[end] if end < len(lines) else ""])
                continue
            name, arg = directive.group("name"), directive.group("arg").strip()
            options, body = self.options(body)
            if name == "literalinclude":
                if current:
                    cells.append("\n".join(current))
                    current = []
                cells.append(literalinclude(self.path, arg, options))
            else:
                current.extend(self.directive(name, arg, options, body))
        if current:
            cells.append("\n".join(current))
        return [cell.strip("\n") for cell in cells if cell.strip()]

    @staticmethod
    def closing_fence(lines: list[str], start: int, fence: str) -> int:
        char, width = fence[0], len(fence)
        for j in range(start + 1, len(lines)):
            stripped = lines[j].strip()
            if stripped and set(stripped) == {char} and len(stripped) >= width:
                return j
        return len(lines)

    @staticmethod
    def options(body: list[str]) -> tuple[dict[str, str], list[str]]:
        """A directive's options (``:key: value`` lines or a ``---`` YAML block) and its body."""
        options: dict[str, str] = {}
        if body and body[0].strip() == "---":
            end = body.index("---", 1)
            for line in body[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = unquote_option(value.strip())
            return options, body[end + 1 :]
        while body and (match := re.match(r"^:([\w-]+):\s*(.*)$", body[0])):
            options[match.group(1)] = unquote_option(match.group(2))
            body = body[1:]
        return options, body

    def directive(
        self, name: str, arg: str, options: dict[str, str], body: list[str]
    ) -> list[str]:
        """Plain Markdown lines for one directive (other than literalinclude)."""
        if name == "bibliography":
            return ["", reference_list(self.references), ""] if self.references else []
        if name in ("glue", "glue:any", "glue:figure", "glue:math"):
            return []
        if name == "glue:md":
            return ["", self.glue_data(arg, "text/markdown").strip(), ""]
        if name in ("math",):
            return ["", "$$", *body, "$$", ""]
        if name in ("code-block", "code", "sourcecode"):
            return ["", f"```{arg}", *body, "```", ""]
        if name in ADMONITIONS or name == "admonition":
            title = arg if name == "admonition" else ADMONITIONS[name]
            inner = "\n\n".join(self.markdown("\n".join(body)))
            quoted = [f"> {ln}" if ln else ">" for ln in inner.splitlines()]
            return ["", f"> **{self.inline(title)}**", ">", *quoted, ""]
        if name in ("figure", "image"):
            alt = options.get("alt", "")
            caption = " ".join(self.inline(ln) for ln in body).strip()
            return ["", f"![{alt}]({arg})", *([f"*{caption}*"] if caption else []), ""]
        raise PageError(
            f"{self.path.name}: directive {{{name}}} has no plain-Markdown form here"
        )


def chapter_cells(
    page_path: Path, executed: Path = EXECUTED, glue: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """The plain notebook's cells as ``(cell_type, source)``, install cell first.

    The glued values quoted are ``glue`` if given, else those of the last build in ``executed``.
    """
    import jupytext

    page = Page(page_path, executed, glue)
    cells: list[tuple[str, str]] = [
        (
            "markdown",
            "This notebook is a chapter of *Step by Token*. Run the first cell to install the "
            "book's package (`stepbytoken`), then run the cells in order.",
        ),
        ("code", install_cell()),
    ]
    for cell in jupytext.read(page_path, fmt="md:myst").cells:
        if cell.cell_type == "markdown":
            cells.extend(("markdown", text) for text in page.markdown(cell.source))
        elif HIDDEN not in cell.metadata.get("tags", []):
            cells.append(("code", cell.source))
            caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
            if caption:
                cells.append(
                    ("markdown", f"*{page.inline(' '.join(caption.split()))}*")
                )
    return cells


def chapter_notebook(
    page_path: Path, executed: Path = EXECUTED, glue: dict[str, Any] | None = None
) -> str:
    """The plain notebook of one chapter page, as text (deterministic: no version stamps)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for i, (kind, source) in enumerate(chapter_cells(page_path, executed, glue)):
        new = (
            nbformat.v4.new_code_cell
            if kind == "code"
            else nbformat.v4.new_markdown_cell
        )
        nb.cells.append(new(source, id=f"cell-{i}"))
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    return nbformat.writes(nb) + "\n"


def script_cells(notebook: dict[str, Any]) -> list[str]:
    """The code a reader runs from a plain notebook: its code cells, install cell left out."""
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    return [src for src in code if not src.lstrip().startswith("%pip install")]


def main(argv: list[str]) -> int:
    executed = Path(argv[1]) if len(argv) > 1 else EXECUTED
    for page in sorted(CHAPTERS.glob("[0-9][0-9]-*.md")):
        target = page.with_suffix(".ipynb")
        target.write_text(chapter_notebook(page, executed), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
