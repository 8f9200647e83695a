"""Interactive figures that work from static HTML: no kernel, no network.

Both kinds of figure are wrapped in an element with the CSS class ``sbt-interactive`` whose
``data-sbt-requires`` attribute names the static files it needs, so the HTML describes itself:

* :func:`show_plotly` renders a Plotly figure with :func:`plotly.io.to_html`; it draws with the
  page's own ``plotly.js`` (never a CDN copy). Jupyter front ends also get Plotly's JSON.
* :func:`widget` renders one of the book's widgets (``sbt-widgets.js``, shipped in this
  package) from JSON data. The widget's scripts and styles are inlined, each in an element
  marked ``data-sbt-inline="NAME"``, so the same output works in any notebook; the book's site
  replaces those copies by one shared file per page when it is built.

The return values never depend on where they are called from.

Introduced in chapter 1.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from importlib import resources
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"

#: Plotly's mode bar offers nothing that leaves the page: no logo link, no upload to a cloud.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["sendChartToCloud"],
    "responsive": True,
}

#: Files a widget kind needs besides ``sbt-widgets.js``, its own ``widget-KIND.js`` and
#: ``widget-KIND.css`` (all in ``stepbytoken/book/static``; the latter two only if they exist).
WIDGET_REQUIRES: dict[str, tuple[str, ...]] = {
    "tokenizer": ("bpe.js",),
    # the live figures run the reference model in the browser (gpt.js needs bpe.js for text)
    "live-next-token": ("bpe.js", "gpt.js"),
    "live-sampler": ("bpe.js", "gpt.js"),
    "live-attention": ("bpe.js", "gpt.js"),
}


@cache
def static_text(name: str) -> str:
    """Text of a file shipped in ``stepbytoken/book/static`` (e.g. ``"sbt-widgets.js"``)."""
    return resources.files("stepbytoken.book").joinpath("static", name).read_text(encoding="utf-8")


def stable_id(prefix: str, payload: str) -> str:
    """An element id derived from the content, so two builds write identical pages.

    Examples
    --------
    >>> stable_id("sbt-plotly", "{}")
    'sbt-plotly-44136fa355b3'
    """
    return f"{prefix}-{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:12]}"


def json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can end it early).

    Examples
    --------
    >>> json_for_script({"a": "</script>"})
    '{"a":"\\\\u003c/script>"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def inline_static(names: list[str]) -> str:
    """The named static files as inline ``<script>``/``<style>`` elements marked with their name.

    Examples
    --------
    >>> inline_static(["sbt-widgets.css"]).startswith('<style data-sbt-inline="sbt-widgets.css">')
    True
    """
    tags = []
    for name in names:
        tag = "style" if name.endswith(".css") else "script"
        tags.append(f'<{tag} data-sbt-inline="{name}">{static_text(name)}</{tag}>')
    return "".join(tags)


class InteractiveFigure:
    """An interactive figure: rich HTML for the book's site and for Jupyter.

    Parameters
    ----------
    html_text
        The figure's HTML, whose root element has the class ``sbt-interactive``.
    extra_bundle
        Other MIME representations offered to Jupyter (e.g. Plotly's JSON).

    Raises
    ------
    ValueError
        If the HTML has no ``sbt-interactive`` root element.
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
        """Write a standalone HTML page with the figure (``plotly.js`` inlined if it needs it)."""
        plotly_js = ""
        if 'data-sbt-requires="plotly.min.js"' in self.html:
            from plotly.offline import get_plotlyjs

            plotly_js = f"<script>{get_plotlyjs()}</script>"
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"<!doctype html><meta charset='utf-8'>{plotly_js}{self.html}")


def static_exists(name: str) -> bool:
    """True if ``stepbytoken/book/static`` ships a file called ``name``."""
    return resources.files("stepbytoken.book").joinpath("static", name).is_file()


def widget_requires(kind: str) -> list[str]:
    """Static files a widget kind needs, in loading order (scripts, then stylesheets).

    Examples
    --------
    >>> widget_requires("next-token")
    ['sbt-widgets.js', 'sbt-widgets.css']
    """
    names = ["sbt-widgets.js", *WIDGET_REQUIRES.get(kind, ())]
    names += [n for n in (f"widget-{kind}.js",) if static_exists(n)]
    names += ["sbt-widgets.css", *(n for n in (f"widget-{kind}.css",) if static_exists(n))]
    return names


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
        Its HTML (from :func:`plotly.io.to_html`) is a ``div.sbt-interactive.sbt-plotly`` that
        draws with the page's ``Plotly`` object; its id is derived from the figure's content.

    Raises
    ------
    TypeError
        If ``fig`` is not a Plotly figure.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure = show_plotly(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    >>> 'class="sbt-interactive sbt-plotly"' in figure.html
    True

    Introduced in chapter 1.
    """
    import plotly.io as pio

    if not hasattr(fig, "to_plotly_json"):
        raise TypeError(f"fig must be a plotly Figure, got {type(fig).__name__}")
    if height is not None:
        fig.update_layout(height=height)
    spec = fig.to_plotly_json()
    div_id = stable_id("sbt-plotly", pio.to_json(fig, validate=False, pretty=False))
    body = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        validate=False,
    )
    html_text = (
        f'<div class="sbt-interactive sbt-plotly" data-sbt-requires="plotly.min.js">{body}</div>'
    )
    return InteractiveFigure(html_text, {PLOTLY_MIME: spec})


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
        Its HTML carries the data and, inlined, the scripts and styles that draw it.

    Raises
    ------
    ValueError
        If ``kind`` is not a widget name.
    TypeError
        If ``data`` is not a dict.

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
    requires = widget_requires(kind)
    return InteractiveFigure(
        f'<div class="sbt-interactive sbt-widget" data-sbt-widget="{kind}" '
        f'data-sbt-requires="{" ".join(requires)}" role="figure" '
        f'aria-label="{html.escape(label)}">'
        f'<script type="application/json" class="sbt-data">{json_for_script(data)}</script>'
        f"{inline_static(requires)}</div>"
    )
