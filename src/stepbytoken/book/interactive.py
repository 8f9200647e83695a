"""Interactive figures that work from static HTML: no kernel, no network.

Two kinds of figure are supported, both wrapped in an element with the CSS class
``sbt-interactive`` so that tests and tools can find them:

* :func:`show_plotly` renders a Plotly figure as HTML that expects ``plotly.js`` to be served
  by the page itself (the book's site copies ``plotly.min.js`` from the installed ``plotly``
  package and loads it only on pages that need it). In Jupyter, the figure is also offered in
  Plotly's own format, which JupyterLab and VS Code draw with their bundled ``plotly.js``.
* :func:`widget` renders one of the book's small widgets (``sbt-widgets.js``, shipped in this
  package): the data travels as JSON inside the page and a script draws it. Outside the book's
  site (in a notebook) the scripts are inlined, so the same snippet works there too.

The book's site sets the environment variable ``STEPBYTOKEN_SITE=1`` while it executes pages,
so pages reference the shared scripts instead of repeating them.

Introduced in chapter 1.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from functools import cache
from importlib import resources
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"

#: Files a widget kind needs besides ``sbt-widgets.js``, its own ``widget-KIND.js`` and
#: ``widget-KIND.css`` (all in ``stepbytoken/book/static``; the latter two only if they exist).
WIDGET_REQUIRES: dict[str, tuple[str, ...]] = {"tokenizer": ("bpe.js",)}


@cache
def static_text(name: str) -> str:
    """Text of a file shipped in ``stepbytoken/book/static`` (e.g. ``"sbt-widgets.js"``)."""
    return resources.files("stepbytoken.book").joinpath("static", name).read_text(encoding="utf-8")


def _on_site() -> bool:
    return os.environ.get("STEPBYTOKEN_SITE") == "1"


def _stable_id(prefix: str, payload: str) -> str:
    """An element id derived from the content, so two builds write identical pages."""
    return f"{prefix}-{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:12]}"


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


class InteractiveFigure:
    """An interactive figure: rich HTML for the book's site and for Jupyter.

    Parameters
    ----------
    html_text
        The figure's HTML, whose root element has the class ``sbt-interactive``.
    extra_bundle
        Other MIME representations offered to Jupyter (e.g. Plotly's JSON).
    """

    def __init__(self, html_text: str, extra_bundle: dict[str, Any] | None = None) -> None:
        if 'class="sbt-interactive' not in html_text:
            raise ValueError("an interactive figure's root element needs the class sbt-interactive")
        self.html = html_text
        self.extra_bundle = extra_bundle or {}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {**self.extra_bundle, "text/html": self.html}

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: str) -> None:
        """Write a standalone HTML page with the figure, its scripts inlined."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(
                f"<!doctype html><meta charset='utf-8'>{_inline(_scripts(self.html))}{self.html}"
            )


def _static_exists(name: str) -> bool:
    return resources.files("stepbytoken.book").joinpath("static", name).is_file()


def widget_requires(kind: str) -> list[str]:
    """Static files a widget kind needs, in loading order (scripts, then stylesheets).

    Examples
    --------
    >>> widget_requires("next-token")
    ['sbt-widgets.js', 'sbt-widgets.css']
    """
    names = ["sbt-widgets.js", *WIDGET_REQUIRES.get(kind, ())]
    names += [n for n in (f"widget-{kind}.js",) if _static_exists(n)]
    names += ["sbt-widgets.css", *(n for n in (f"widget-{kind}.css",) if _static_exists(n))]
    return names


def _inline(names: list[str]) -> str:
    """The given static files as inline ``<script>``/``<style>`` elements (for notebooks)."""
    tags = []
    for name in names:
        if name.endswith(".css"):
            tags.append(f"<style>{static_text(name)}</style>")
        elif name != "plotly.min.js":
            tags.append(f"<script>{static_text(name)}</script>")
    return "".join(tags)


def _scripts(html_text: str) -> list[str]:
    """Static files (shipped here) that a figure's HTML asks for, in loading order."""
    names: list[str] = []
    for chunk in html_text.split('data-sbt-requires="')[1:]:
        names.extend(n for n in chunk.split('"', 1)[0].split() if n not in names)
    return names


# Draws a figure from the JSON next to it with the page's own Plotly (never a CDN copy).
_PLOTLY_DRAW = (
    "(function(){var root=document.getElementById(DIV_ID);"
    "var spec=JSON.parse(root.nextElementSibling.textContent);"
    "function draw(){if(window.Plotly){Plotly.newPlot(root,spec.data,spec.layout,CONFIG);}"
    "else{root.textContent='This interactive figure needs plotly.js, which this page lacks.';}}"
    "if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',draw);}"
    "else{draw();}})();"
)


def show_plotly(fig: Any, *, height: int | None = None) -> InteractiveFigure:
    """Wrap a Plotly figure so that it renders offline in the book and in Jupyter.

    Parameters
    ----------
    fig
        A ``plotly.graph_objects.Figure``.
    height
        Height in pixels (default: the figure's own layout height).

    Returns
    -------
    InteractiveFigure
        Its HTML is a ``div.sbt-interactive.sbt-plotly`` with the figure's data; it draws with
        the page's ``Plotly`` object (it never loads plotly.js from a CDN).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure = show_plotly(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    >>> 'class="sbt-interactive sbt-plotly"' in figure.html
    True

    Introduced in chapter 1.
    """
    if not hasattr(fig, "to_plotly_json"):
        raise TypeError(f"fig must be a plotly Figure, got {type(fig).__name__}")
    if height is not None:
        fig.update_layout(height=height)
    spec = fig.to_plotly_json()
    payload = _json_for_script({"data": spec["data"], "layout": spec["layout"]})
    div_id = _stable_id("sbt-plotly", payload)
    config = _json_for_script({"displaylogo": False, "responsive": True})
    script = _PLOTLY_DRAW.replace("DIV_ID", json.dumps(div_id)).replace("CONFIG", config)
    html_text = (
        f'<div class="sbt-interactive sbt-plotly" data-sbt-requires="plotly.min.js">'
        f'<div id="{div_id}" class="sbt-plotly-target"></div>'
        f'<script type="application/json" class="sbt-data">{payload}</script>'
        f"<script>{script}</script></div>"
    )
    # Jupyter front ends draw Plotly's own format with their bundled plotly.js; the site (which
    # cannot render that format) draws the HTML with its own copy.
    return InteractiveFigure(html_text, {} if _on_site() else {PLOTLY_MIME: spec})


def widget(kind: str, data: dict[str, Any], *, label: str = "") -> InteractiveFigure:
    """Render one of the book's widgets (drawn by ``sbt-widgets.js``) from JSON data.

    Parameters
    ----------
    kind
        The widget's name, e.g. ``"next-token"``; see ``sbt-widgets.js`` for the kinds.
    data
        JSON-serialisable data the widget draws.
    label
        Accessible name of the figure (read by screen readers).

    Returns
    -------
    InteractiveFigure

    Examples
    --------
    >>> w = widget("next-token", {"prefixes": []}, label="demo")
    >>> 'data-sbt-widget="next-token"' in w.html
    True

    Introduced in chapter 1.
    """
    if not isinstance(kind, str) or not kind.replace("-", "").isalnum():
        raise ValueError(f"kind must be a widget name such as 'next-token', got {kind!r}")
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict, got {type(data).__name__}")
    payload = _json_for_script(data)
    requires = " ".join(widget_requires(kind))
    html_text = (
        f'<div class="sbt-interactive sbt-widget" data-sbt-widget="{kind}" '
        f'data-sbt-requires="{requires}" role="figure" aria-label="{html.escape(label)}">'
        f'<script type="application/json" class="sbt-data">{payload}</script></div>'
    )
    if not _on_site():
        html_text = html_text[: -len("</div>")] + _inline(requires.split()) + "</div>"
    return InteractiveFigure(html_text)
