"""Reference-list labels that match the citations in the text: "Bengio et al., 2003".

pybtex's styles label a reference list with numbers, which read badly beside author-year
citations ("Bengio et al., 2003" in the text, "[1.1]" in the list). This registers ``sbt``,
pybtex's ``plain`` style with author-year labels: one author, two joined by "and", or the first
followed by "et al.", then the year, with a letter after it where two entries of a page would
share a label ("Mikolov et al., 2013a"). With ``bibtex_reference_style = "label"`` the text cites
by these same labels, so the two always agree; the plain notebooks (``notebooks.py``) use them
too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

# One backend for all plain-text rendering: ``render_as("text")`` looks the backend up among
# the installed packages' entry points on every call (tens of milliseconds each).
PLAIN_TEXT = PlainTextBackend()


def plain_text(latex: str) -> str:
    """BibTeX field text (LaTeX accents and braces) as plain text."""
    return Text.from_latex(latex).render(PLAIN_TEXT)


def author_year(entry: Any) -> str:
    """``"Shannon, 1948"``, ``"Kingma and Ba, 2015"`` or ``"Bengio et al., 2003"``."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [plain_text(" ".join(p.prelast_names + p.last_names)) for p in people]
    if not names:
        who = plain_text(
            entry.fields.get("organization") or entry.fields.get("title", entry.key)
        )
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Labels ``author_year(entry)``, with a, b, ... after the year where two would be equal."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        repeated = {label for label, n in Counter(labels).items() if n > 1}
        seen: Counter[str] = Counter()
        for label in labels:
            if label in repeated:
                seen[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` formatting, labelled by :class:`AuthorYearLabels`."""

    default_label_style = AuthorYearLabels


register_plugin("pybtex.style.formatting", "sbt", AuthorYearStyle)


def labelled_entries(entries: Iterable[Any]) -> list[tuple[str, str, str]]:
    """``(key, label, plain text)`` of each entry, in the reference list's order: how the
    site labels and formats the references of a page that cites these entries."""
    formatted = AuthorYearStyle().format_entries(list(entries))
    return [
        (f.key, f.label, f.text.render(PLAIN_TEXT).replace("\n", " "))
        for f in formatted
    ]


def setup(app: Any) -> dict[str, Any]:
    return {"parallel_read_safe": True, "parallel_write_safe": True}
