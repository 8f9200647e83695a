"""Write each chapter as a Jupyter notebook next to its MyST source (for Colab and Binder).

The launch buttons of the site open ``docs/chapters/NN-slug.ipynb`` from the repository; this
script makes those notebooks from the ``.md`` pages, with a first cell that installs the
package. ``tests/test_notebooks.py`` fails when a notebook is out of date.

Usage: ``python docs/_ext/notebooks.py`` (or ``nox -s notebooks``).
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
INSTALL = '%pip install --quiet "stepbytoken @ git+https://github.com/stepbytoken/stepbytoken"'


def chapter_notebook(md_path: Path) -> str:
    """The notebook text for one chapter page (deterministic: no version stamps)."""
    nb = jupytext.read(md_path, fmt="md:myst")
    install = nbformat.v4.new_code_cell(INSTALL, metadata={"tags": ["remove-cell"]})
    note = nbformat.v4.new_markdown_cell(
        "This notebook is a chapter of *Step by Token*. Run the first cell to install the "
        "book's package (`stepbytoken`), then run the cells in order."
    )
    nb.cells = [note, install, *nb.cells]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nbformat.writes(nb) + "\n"


def main() -> None:
    for md_path in sorted(CHAPTERS.glob("[0-9][0-9]-*.md")):
        target = md_path.with_suffix(".ipynb")
        target.write_text(chapter_notebook(md_path), encoding="utf-8")
        print(f"wrote {target.relative_to(CHAPTERS.parent.parent)}")


if __name__ == "__main__":
    main()
