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
import re
from functools import cache
from importlib import resources
from typing import Any

from stepbytoken.checks import check_str, check_strings

PLOTLY_MIME = "application/vnd.plotly.v1+json"

#: Plotly's mode bar offers nothing that leaves the page: no logo link, no upload to a cloud.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["sendChartToCloud"],
    # A short mode bar (each button is a stop of the Tab key): save as PNG, back to the start.
    "modeBarButtons": [["toImage", "resetScale2d"]],
    "responsive": True,
}

#: What every Plotly figure adds to the page besides ``plotly.js``: its HTML controls' code and
#: styles, the theme (light or dark, as the site's) and the layout for narrow screens.
PLOTLY_STATIC = ("sbt-plotly.js", "sbt-plotly.css")

#: Files a widget kind needs besides ``sbt-widgets.js``, its own ``widget-KIND.js`` and
#: ``widget-KIND.css`` (all in ``stepbytoken/book/static``; the latter two only if they exist).
WIDGET_REQUIRES: dict[str, tuple[str, ...]] = {
    "tokenizer": ("bpe.js",),
    # the live figures run the reference model in the browser (gpt.js needs bpe.js for text)
    "live-next-token": ("bpe.js", "gpt.js"),
    "live-sampler": ("bpe.js", "gpt.js"),
    "live-attention": ("bpe.js", "gpt.js"),
    # Part III's figures ask the assistants in the browser (chat.js, and the panel they share)
    "side-by-side": ("bpe.js", "gpt.js", "chat.js", "live-panel.js", "live-panel.css"),
    "episode": ("bpe.js", "gpt.js", "chat.js", "live-panel.js", "live-panel.css"),
    "threshold": ("bpe.js", "gpt.js", "chat.js", "live-panel.js", "live-panel.css"),
    # chapter 17's small thinker, cut at the reader's budget (thinking.js)
    "live-thinking": (
        "bpe.js",
        "gpt.js",
        "chat.js",
        "thinking.js",
        "live-panel.js",
        "live-panel.css",
    ),
    "context-window": (
        "bpe.js",
        "gpt.js",
        "chat.js",
        "live-panel.js",
        "live-panel.css",
    ),
    # chapter 18 times the reference model in the browser, with and without its KV cache
    "kv-cache": ("bpe.js", "gpt.js"),
}


#: The Plotly library the book ships as ``static/plotly.min.js``: Plotly's own partial bundle
#: with the cartesian traces (bar, box, contour, heatmap, histogram, histogram2d(contour), image,
#: pie, scatter, scatterternary, violin), about a third of the full ``plotly.min.js``. Its
#: version is the one the installed ``plotly`` package draws with; its license is
#: ``static/plotly.min.js.LICENSE.txt``. Refresh both with ``docs/_ext/vendor_plotly.py``.
PLOTLY_BUNDLE: dict[str, str] = {
    "file": "plotly.min.js",
    "npm_package": "plotly.js-cartesian-dist-min",
    "npm_file": "plotly-cartesian.min.js",
    "version": "4.1.1",
    "sha256": "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a",
}


def static_names() -> list[str]:
    """Names of the files shipped in ``stepbytoken/book/static``, sorted.

    Examples
    --------
    >>> "sbt-widgets.js" in static_names()
    True
    """
    folder = resources.files("stepbytoken.book").joinpath("static")
    return sorted(entry.name for entry in folder.iterdir() if entry.is_file())


def static_text(name: str) -> str:
    """Text of a file shipped in ``stepbytoken/book/static`` (e.g. ``"sbt-widgets.js"``).

    Parameters
    ----------
    name
        A file name of :func:`static_names`: no folder, no path.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not one of the package's static files (such as ``"../__init__.py"``
        or ``"/etc/hostname"``): nothing outside that folder is ever read.

    Examples
    --------
    >>> static_text("sbt-widgets.css").startswith("/*")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    allowed = static_names()
    if name not in allowed:
        raise ValueError(
            f"name must be one of the files in stepbytoken/book/static ({', '.join(allowed)}), "
            f"got {name!r}"
        )
    return _read_static(name)


@cache
def _read_static(name: str) -> str:
    return (
        resources.files("stepbytoken.book")
        .joinpath("static", name)
        .read_text(encoding="utf-8")
    )


def stable_id(prefix: str, payload: str) -> str:
    """An element id derived from the content, so two builds write identical pages.

    Examples
    --------
    >>> stable_id("sbt-plotly", "{}")
    'sbt-plotly-44136fa355b3'
    """
    check_str("prefix", prefix, allow_empty=False)
    check_str("payload", payload)
    try:
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]
    except UnicodeEncodeError as err:
        raise ValueError(
            f"payload must be valid Unicode text (UTF-8 encodable), got {payload!r} ({err.reason})"
        ) from None
    return f"{prefix}-{digest}"


def json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can end it early).

    Examples
    --------
    >>> json_for_script({"a": "</script>"})
    '{"a":"\\\\u003c/script>"}'
    """
    try:
        text = json.dumps(
            data, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except TypeError as err:
        raise TypeError(
            "data must be JSON-serializable (dicts with str keys, lists, str, numbers, "
            f"bools, None), got {type(data).__name__}: {err}"
        ) from None
    except ValueError as err:  # NaN or an infinity, which JSON cannot hold
        raise ValueError(f"data must hold only finite numbers: {err}") from None
    return text.replace("<", "\\u003c")


def inline_static(names: list[str]) -> str:
    """The named static files as inline ``<script>``/``<style>`` elements marked with their name.

    Examples
    --------
    >>> inline_static(["sbt-widgets.css"]).startswith('<style data-sbt-inline="sbt-widgets.css">')
    True
    """
    tags = []
    for name in check_strings("names", names):
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

    def __init__(
        self, html_text: str, extra_bundle: dict[str, Any] | None = None
    ) -> None:
        if 'class="sbt-interactive' not in html_text:
            raise ValueError(
                "an interactive figure's root element needs the class sbt-interactive"
            )
        self.html = html_text
        self.extra_bundle = extra_bundle or {}

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        return {**self.extra_bundle, "text/html": self.html}

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: str) -> None:
        """Write a standalone HTML page with the figure and every static file it requires.

        The files named in the figure's ``data-sbt-requires`` that it does not inline itself
        (for a Plotly figure, the book's ``plotly.min.js``) are inlined before it, so the page
        works offline, exactly as on the book's site.

        Raises
        ------
        ValueError
            If the figure requires a file that is not one of the package's static files.
        """
        inlined = set(re.findall(r'data-sbt-inline="([^"]*)"', self.html))
        needed: list[str] = []
        for names in re.findall(r'data-sbt-requires="([^"]*)"', self.html):
            needed += [
                n
                for n in html.unescape(names).split()
                if n not in inlined | set(needed)
            ]
        page = (
            f"<!doctype html><meta charset='utf-8'>{inline_static(needed)}{self.html}"
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)


def static_exists(name: str) -> bool:
    """True if ``stepbytoken/book/static`` ships a file called ``name``.

    >>> static_exists("sbt-widgets.js"), static_exists("nothing.js")
    (True, False)
    """
    check_str("name", name, allow_empty=False)
    if "\x00" in name or "/" in name or "\\" in name:
        raise ValueError(
            f"name must be a plain file name (no '/', '\\' or NUL), got {name!r}"
        )
    return resources.files("stepbytoken.book").joinpath("static", name).is_file()


def _check_kind(kind: object) -> str:
    """Return ``kind`` if it is a widget name (letters, digits and ``-``), else raise."""
    if not isinstance(kind, str):
        raise TypeError(
            f"kind must be a str, a widget name such as 'next-token', got {type(kind).__name__}"
        )
    if not kind.replace("-", "").isalnum():
        raise ValueError(
            f"kind must be a widget name such as 'next-token', got {kind!r}"
        )
    return kind


def widget_requires(kind: str) -> list[str]:
    """Static files a widget kind needs, in loading order (scripts, then stylesheets).

    Examples
    --------
    >>> widget_requires("next-token")
    ['sbt-widgets.js', 'sbt-widgets.css']
    """
    _check_kind(kind)
    names = ["sbt-widgets.js", *WIDGET_REQUIRES.get(kind, ())]
    names += [n for n in (f"widget-{kind}.js",) if static_exists(n)]
    names += [
        "sbt-widgets.css",
        *(n for n in (f"widget-{kind}.css",) if static_exists(n)),
    ]
    return names


def plotly_controls(fig: Any, div_id: str) -> str:
    """Labelled HTML controls for a Plotly figure's sliders and menus, which it then hides.

    Plotly draws sliders and menus in SVG, out of reach of the keyboard. Each slider becomes an
    ``<input type="range">`` and each menu a ``<select>``, labelled by the slider's or menu's
    ``name`` (else the slider's ``currentvalue.prefix``); ``sbt-plotly.js`` makes them run the
    steps' own methods and arguments through Plotly's API. Plotly's own are set invisible.

    Parameters
    ----------
    fig
        A ``plotly.graph_objects.Figure``, changed in place (its sliders and menus hidden).
    div_id
        The id of the figure's element; the controls' ids start with it.

    Returns
    -------
    str
        A ``div.sbt-plotly-controls`` element, or ``""`` if the figure has neither.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> steps = [dict(label=str(n), method="skip") for n in (1, 2)]
    >>> fig = go.Figure(layout=dict(sliders=[dict(name="n", steps=steps)]))
    >>> '<input type="range" id="f-slider-0" min="0" max="1"' in plotly_controls(fig, "f")
    True
    >>> fig.layout.sliders[0].visible
    False

    Introduced in chapter 2.
    """
    fields = []
    for i, slider in enumerate(fig.layout.sliders):
        steps = slider.steps or ()
        if not steps:
            continue
        active = slider.active or 0
        prefix = slider.currentvalue.prefix or ""
        label = slider.name or prefix.strip().rstrip(":") or "step"
        shown = str(steps[active].label or "")
        control = f"{div_id}-slider-{i}"
        fields.append(
            f'<span class="sbt-field"><label for="{control}">{html.escape(label)}</label>'
            f'<input type="range" id="{control}" min="0" max="{len(steps) - 1}" step="1" '
            f'value="{active}" data-sbt-slider="{i}" aria-valuetext="{html.escape(shown)}">'
            f'<output for="{control}">{html.escape(shown)}</output></span>'
        )
        slider.visible = False
    for i, menu in enumerate(fig.layout.updatemenus):
        buttons = menu.buttons or ()
        if not buttons:
            continue
        active = menu.active or 0
        control = f"{div_id}-menu-{i}"
        options = "".join(
            f'<option value="{k}"{" selected" if k == active else ""}>'
            f"{html.escape(str(button.label or k))}</option>"
            for k, button in enumerate(buttons)
        )
        fields.append(
            f'<span class="sbt-field"><label for="{control}">'
            f"{html.escape(menu.name or f'choice {i + 1}')}</label>"
            f'<select id="{control}" data-sbt-menu="{i}">{options}</select></span>'
        )
        menu.visible = False
    return f'<div class="sbt-plotly-controls">{"".join(fields)}</div>' if fields else ""


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
    fig = type(fig)(fig)  # a copy: the caller's figure keeps its own sliders and menus
    if height is not None:
        fig.update_layout(height=height)
    spec = fig.to_plotly_json()  # Jupyter draws Plotly's own sliders and menus
    div_id = stable_id("sbt-plotly", pio.to_json(fig, validate=False, pretty=False))
    controls = plotly_controls(fig, div_id)
    title = html.escape(re.sub(r"<[^>]*>", " ", fig.layout.title.text or "").strip())
    body = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        validate=False,
    )
    html_text = (
        f'<div class="sbt-interactive sbt-plotly" '
        f'data-sbt-requires="plotly.min.js {" ".join(PLOTLY_STATIC)}" role="figure" '
        f'aria-label="{title or "interactive chart"}">'
        f"{controls}{body}{inline_static(list(PLOTLY_STATIC))}</div>"
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
    _check_kind(kind)
    check_str("label", label)
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
