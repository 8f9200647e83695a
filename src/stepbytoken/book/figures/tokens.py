"""Chapter 2's figures: a sentence under more and more merges, compression curves, and the
tokenizer playground.

Introduced in chapter 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import (
    check_instance,
    check_int,
    check_ints,
    check_mapping,
    check_str,
)
from stepbytoken.tokenizers import BPETokenizer

#: Texts the tokenizer playground offers at a click: (button label, text).
PLAYGROUND_EXAMPLES = (
    ("strawberry", "strawberry yrrebwarts"),
    ("numbers", "Q: 514 - 325 = ?\nA: 189"),
    ("emoji", "👍🏽 👨‍👩‍👧‍👦 🇫🇷"),
    ("Chinese", "你好，世界"),
    ("whitespace", "a   b\n\n\t c"),
)


#: The longest sentence :func:`plot_merge_slider` draws (a bar per token, for every step).
MAX_SLIDER_CHARS = 2000


def plot_merge_slider(
    tokenizer: BPETokenizer, sentence: str, steps: Sequence[int], active: int
) -> go.Figure:
    """A sentence's tokens with the first ``n`` merges, one slider position per ``n``.

    Each token is a box as wide as its bytes, labelled with its text (spaces shown as ``␣``)
    and its id on hover.

    Parameters
    ----------
    tokenizer
        A trained tokenizer; ``tokenizer.truncated(n)`` gives its first ``n`` merges.
    sentence
        The text to tokenize (the slider's axis is its length in bytes).
    steps
        The numbers of merges the slider offers, each between 0 and the tokenizer's merges.
    active
        The slider position shown first; one of ``steps``.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ValueError
        If ``active`` is not one of ``steps`` or a step is out of range.

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest " * 20, 7)
    >>> fig = plot_merge_slider(tok, " lowest", [0, 7], active=7)
    >>> [len(trace.x) for trace in fig.data]  # tokens with 0 and with 7 merges
    [7, 1]

    Introduced in chapter 2.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_str("sentence", sentence, allow_empty=False)
    if len(sentence) > MAX_SLIDER_CHARS:
        raise ValueError(
            f"sentence must have at most {MAX_SLIDER_CHARS} characters (one bar per token), "
            f"got {len(sentence)}"
        )
    try:
        sentence.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            "sentence must be valid Unicode text (UTF-8 encodable), "
            f"got {sentence!r} ({err.reason})"
        ) from None
    steps = check_ints("steps", steps, minimum=0, maximum=len(tokenizer.merges))
    check_int("active", active, minimum=0)
    if active not in steps:
        raise ValueError(f"active must be one of steps {steps}, got {active!r}")

    def title(n: int) -> str:
        return f"{n} merges: {len(tokenizer.truncated(n).encode(sentence))} tokens"

    fig = go.Figure()
    for n in steps:
        ids = tokenizer.truncated(n).encode(sentence)
        pieces = [tokenizer.token_bytes(i) for i in ids]
        starts = [sum(len(p) for p in pieces[:k]) for k in range(len(pieces))]
        fig.add_bar(
            y=[""] * len(ids),
            x=[len(p) for p in pieces],
            base=starts,
            orientation="h",
            # a token may hold part of a character's bytes: shown as U+FFFD
            text=[p.decode(errors="replace").replace(" ", "␣") for p in pieces],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont_size=13,
            marker_color=[PALETTE[k % 2 * 5] for k in range(len(ids))],
            textfont_color=[
                "white" if k % 2 == 0 else "black" for k in range(len(ids))
            ],
            marker_line=dict(color="white", width=1.5),
            opacity=0.85,
            customdata=[
                [p.decode(errors="replace").replace(" ", "␣"), i]
                for p, i in zip(pieces, ids, strict=True)
            ],
            hovertemplate="%{customdata[0]}<br>id %{customdata[1]}<extra></extra>",
            visible=(n == active),
            name=f"{n} merges",
        )
    slider_steps = [
        dict(
            label=str(n),
            method="update",
            args=[{"visible": [m == n for m in steps]}, {"title.text": title(n)}],
        )
        for n in steps
    ]
    slider = dict(
        active=steps.index(active),
        currentvalue=dict(prefix="merges used: "),
        pad=dict(t=40),
        steps=slider_steps,
    )
    fig.update_layout(
        sliders=[slider],
        **plotly_layout(
            height=300,
            showlegend=False,
            uniformtext=dict(minsize=9, mode="show"),
            title=dict(text=title(active)),
            xaxis=dict(
                title="position in the sentence (bytes)", range=[0, len(sentence)]
            ),
            yaxis=dict(showticklabels=False, showgrid=False),
            margin=dict(l=20, r=20, t=50, b=40),
        ),
    )
    return fig


def plot_compression(
    results: Mapping[str, Mapping[int, tuple[float, float]]],
) -> Figure:
    """Bytes per token and tokens per word against vocabulary size, one line per corpus.

    Parameters
    ----------
    results
        Corpus name -> {number of merges: (bytes per token, tokens per word)}, as
        :func:`stepbytoken.evaluation.compression_curve` returns.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels with a logarithmic vocabulary axis (256 byte tokens plus the merges).

    Examples
    --------
    >>> fig = plot_compression({"demo": {0: (1.0, 5.0), 100: (2.5, 2.0)}})
    >>> fig.axes[0].lines[0].get_xdata().tolist()
    [256, 356]

    Introduced in chapter 2.
    """
    check_mapping("results", results)
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.2))
    for name, rows in results.items():
        vocab_sizes = [256 + n for n in rows]
        axes[0].plot(vocab_sizes, [r[0] for r in rows.values()], marker="o", label=name)
        axes[1].plot(vocab_sizes, [r[1] for r in rows.values()], marker="o", label=name)
    for ax, label in zip(
        axes, ["bytes per token (higher = shorter)", "tokens per word"], strict=True
    ):
        ax.set_xscale("log")
        ax.set_xticks(
            [256, 512, 1024, 2048, 4096, 8192], ["256", "512", "1k", "2k", "4k", "8k"]
        )
        ax.minorticks_off()
        ax.set_xlabel("vocabulary size (tokens, log scale)")
        ax.set_ylabel(label)
    axes[0].legend()
    plt.tight_layout()
    return fig


def tokenizer_widget(tokenizer: BPETokenizer, text: str) -> InteractiveFigure:
    """The tokenizer playground: type text, see its tokens, computed in the browser.

    Parameters
    ----------
    tokenizer
        The tokenizer whose merges the browser applies (a JavaScript port of the encoder).
    text
        The text the playground starts with.

    Returns
    -------
    InteractiveFigure
        Offers :data:`PLAYGROUND_EXAMPLES` as buttons.

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest " * 20, 7)
    >>> 'data-sbt-widget="tokenizer"' in tokenizer_widget(tok, "lower").html
    True

    Introduced in chapter 2.
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    check_str("text", text)
    data = {
        "title": "Tokenizer playground: the book's tokenizer, running in your browser",
        "model": tokenizer.to_dict(),
        "text": text,
        "examples": [list(example) for example in PLAYGROUND_EXAMPLES],
    }
    label = "Tokenizer playground: type text and see its tokens and ids"
    return widget("tokenizer", data, label=label)
