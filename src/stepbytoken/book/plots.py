"""The book's figure style: one look for every static and interactive figure.

Figures have opaque white backgrounds, so they stay readable when the site is in dark mode,
and use the colour-blind-safe palette of Okabe and Ito. Static (matplotlib) figures are drawn
at twice their shown resolution, so they stay sharp on high-density screens. Interactive
(Plotly) figures take the site's light or dark colours in the browser (``static/sbt-plotly.js``,
whose ``THEMES`` are the browser half of this style).

Introduced in chapter 1.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl

#: Okabe-Ito colour-blind-safe palette (black left out: it is the text colour).
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)

BOOK_RC: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 110,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "font.size": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (white background, colour-blind-safe colours).

    In a notebook, figures are also shown as PNGs of twice the resolution ("retina"), which
    the page shows at their normal size.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_book_style()
    >>> mpl.rcParams["figure.facecolor"]
    'white'

    Introduced in chapter 1.
    """
    mpl.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: no notebook to show figures in
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")


def plotly_layout(**overrides: Any) -> dict[str, Any]:
    """Layout settings for interactive (Plotly) figures in the book's style.

    The top margin leaves room for a title only when there is one.

    Parameters
    ----------
    **overrides
        Layout keys that replace the defaults (e.g. ``height=400``).

    Returns
    -------
    dict
        Keyword arguments for ``fig.update_layout``.

    Examples
    --------
    >>> plotly_layout(height=300)["paper_bgcolor"]
    'white'
    >>> plotly_layout()["margin"]["t"], plotly_layout(title="A title")["margin"]["t"]
    (30, 60)
    """
    layout: dict[str, Any] = {
        "template": "plotly_white",
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(PALETTE),
        "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#222222"},
        "margin": {"l": 60, "r": 20, "t": 60 if "title" in overrides else 30, "b": 50},
        "height": 420,
    }
    layout.update(overrides)
    return layout
