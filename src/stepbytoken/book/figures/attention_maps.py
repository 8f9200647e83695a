"""Chapter 4's interactive figure: every head's attention map on two short stories.

One Plotly heatmap per (layer, head), one visible at a time; a menu chooses the head, a second
menu the story (one with *she*, one with *he*).

Introduced in chapter 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import torch

from stepbytoken.book.plots import plotly_layout
from stepbytoken.checks import check_instance, check_int, check_ints
from stepbytoken.evaluation import PronounCase
from stepbytoken.nn import GPT
from stepbytoken.tokenizers import BPETokenizer

__all__ = ["plot_attention_maps", "sentence_end", "token_labels"]


def sentence_end(tokenizer: BPETokenizer, ids: Sequence[int], t: int) -> int:
    """Index just past the sentence (ended by a token with a ``.``) that contains token ``t``.

    Examples
    --------
    >>> tok = BPETokenizer()
    >>> sentence_end(tok, tok.encode("Hi. Yo."), 0)
    3

    Introduced in chapter 4.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_ints("ids", ids, minimum=0)
    check_int("t", t, minimum=0, maximum=len(ids) - 1)
    while t < len(ids) - 1 and "." not in tokenizer.token_str(ids[t]):
        t += 1
    return t + 1


def token_labels(tokenizer: BPETokenizer, ids: Sequence[int]) -> list[str]:
    """Readable, distinct axis labels for tokens (repeats get invisible zero-width spaces).

    Examples
    --------
    >>> tok = BPETokenizer()
    >>> [len(s) for s in token_labels(tok, tok.encode("a a\\n"))]  # 'a', '␣', 'a\\u200b', '↵'
    [1, 1, 2, 1]

    Introduced in chapter 4.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_ints("ids", ids, minimum=0)
    out, seen = [], {}
    for i in ids:
        s = tokenizer.token_str(i).replace("\n", "↵").strip() or "␣"
        seen[s] = seen.get(s, 0) + 1
        out.append(s + "\u200b" * (seen[s] - 1))
    return out


@torch.no_grad()
def plot_attention_maps(
    model: GPT,
    tokenizer: BPETokenizer,
    cases: Sequence[PronounCase],
    start: tuple[int, int] = (0, 0),
) -> go.Figure:
    """Every head's attention map on the shortest story with *she* and the one with *he*.

    Each story is cut after the sentence with its pronoun; weights are shown in per cent,
    lower triangle only (the rest is masked).

    Parameters
    ----------
    model : GPT
    tokenizer : BPETokenizer
    cases : sequence of PronounCase
        Candidate stories; at least one with *she* and one with *he*.
    start : (layer, head)
        The head shown first.

    Returns
    -------
    plotly.graph_objects.Figure
        Wrap it with :func:`~stepbytoken.book.interactive.show_plotly` to put it on a page.

    Raises
    ------
    ValueError
        If ``start`` is not a head of the model or a pronoun has no case.

    Introduced in chapter 4.
    """
    L, H = model.config.n_layer, model.config.n_head
    heads = [(layer, h) for layer in range(L) for h in range(H)]
    if tuple(start) not in heads:
        raise ValueError(f"start must be a (layer, head) of the model, got {start!r}")
    views: dict[str, dict[str, Any]] = {}
    for pronoun in ("she", "he"):
        tests = [
            c
            for c in cases
            if tokenizer.token_str(c.ids[c.query]).strip().lower() == pronoun
        ]
        if not tests:
            raise ValueError(f"cases must include a story with {pronoun!r}")
        # the shortest
        c = min(tests, key=lambda c: sentence_end(tokenizer, c.ids, c.query))
        ids = c.ids[: sentence_end(tokenizer, c.ids, c.query)]
        maps = model.attention_maps(torch.tensor([ids]))
        # weights in per cent, lower triangle only (the rest is masked)
        views[pronoun] = {
            "x": token_labels(tokenizer, ids),
            "y": token_labels(tokenizer, ids),
            "z": [
                [
                    [round(100 * w) for w in row[: i + 1]]
                    for i, row in enumerate(maps[layer][0, h].tolist())
                ]
                for layer, h in heads
            ],
        }

    spikes = {
        "showspikes": True,
        "spikemode": "across",
        "spikethickness": 1,
        "spikecolor": "#D55E00",
        "spikedash": "solid",
        "tickfont": {"size": 9},
        "dtick": 1,
    }
    fig = go.Figure()
    for n, (layer, h) in enumerate(heads):
        fig.add_heatmap(
            x=views["she"]["x"],
            y=views["she"]["y"],
            z=views["she"]["z"][n],
            visible=(layer, h) == tuple(start),
            name=f"layer {layer}, head {h}",
            meta=[layer, h],
            colorscale="Blues",
            zmin=0,
            zmax=100,
            hoverongaps=False,
            colorbar={"title": {"text": "weight (%)"}},
            hovertemplate="%{y} → %{x}: %{z}%<extra>layer %{meta[0]}, head %{meta[1]}</extra>",
        )
    menu = {
        "direction": "down",
        "y": 1.02,
        "yanchor": "bottom",
        "xanchor": "left",
        "pad": {"t": 4},
    }
    head_menu = {
        **menu,
        "name": "head",
        "x": 0.0,
        "active": heads.index(tuple(start)),
        "buttons": [
            {
                "label": f"layer {layer}, head {h}",
                "method": "restyle",
                "args": [{"visible": [k == n for k in range(len(heads))]}],
            }
            for n, (layer, h) in enumerate(heads)
        ],
    }
    text_menu = {
        **menu,
        "name": "story",
        "x": 0.5,
        "buttons": [
            {
                "label": f"a story with “{p}”",
                "method": "restyle",
                "args": [
                    {
                        "x": [v["x"]] * len(heads),
                        "y": [v["y"]] * len(heads),
                        "z": v["z"],
                    }
                ],
            }
            for p, v in views.items()
        ],
    }
    fig.update_layout(
        **plotly_layout(
            height=780,
            updatemenus=[head_menu, text_menu],
            margin={"l": 90, "r": 20, "t": 40, "b": 90},
            xaxis={
                "title": {"text": "key: the earlier token looked at"},
                "tickangle": -60,
                **spikes,
            },
            yaxis={
                "title": {"text": "query: the token looking"},
                "autorange": "reversed",
                **spikes,
            },
        )
    )
    return fig
