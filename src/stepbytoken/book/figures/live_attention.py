"""Chapter 4's live attention map: every head of the reference model on what the reader types.

The widget (``widget-live-attention.js``) runs the book's model in the browser with ``gpt.js``
and draws each head's attention weights over the reader's sentence. Until the reader types,
and in notebooks, it shows a sentence whose weights were computed here, with the package.

Introduced in chapter 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec
from stepbytoken.checks import check_instance, check_int, check_ints, check_str
from stepbytoken.nn import GPT
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

__all__ = [
    "DOCUMENT_PREFIX",
    "attention_rows",
    "live_attention_data",
    "live_attention_widget",
]

#: What precedes every document in the training text; the widget reads it before the sentence.
DOCUMENT_PREFIX = DOC_SEPARATOR + "\n"


@torch.no_grad()
def attention_rows(model: GPT, ids: Sequence[int], *, digits: int = 6) -> list:
    """Every head's attention weights on ``ids``, lower triangle only, rounded to ``digits``.

    Entry ``[layer][head][i][j]`` (``j <= i``) is how much token ``i`` attends to token ``j``;
    the weights above the diagonal are zero under the causal mask and left out.

    Parameters
    ----------
    model : GPT
        A model with ``attention_maps``.
    ids : sequence of int
        Token ids, at most the model's ``block_size``.
    digits : int, default 6
        Decimal places kept.

    Returns
    -------
    list
        ``n_layer`` lists of ``n_head`` lists of rows; row ``i`` has ``i + 1`` floats.

    Raises
    ------
    ValueError
        If ``ids`` is empty or longer than the model's context.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, d_model=8))
    >>> rows = attention_rows(model, [3, 1, 4])
    >>> len(rows), len(rows[0]), [len(r) for r in rows[0][0]], rows[0][1][0]
    (1, 2, [1, 2, 3], [1.0])

    Introduced in chapter 4.
    """
    check_instance("model", model, GPT)
    check_ints("ids", ids, minimum=0, maximum=model.config.vocab_size - 1)
    digits = check_int("digits", digits, minimum=1, maximum=9)
    block_size = model.config.block_size
    if not 1 <= len(ids) <= block_size:
        raise ValueError(f"ids must hold 1 to {block_size} token ids, got {len(ids)}")
    # n_layer of (1, n_head, T, T)
    maps = model.attention_maps(torch.tensor([list(ids)]))
    return [
        [
            [[round(w, digits) for w in row[: i + 1]] for i, row in enumerate(head)]
            for head in layer
        ]
        for layer in (m[0].tolist() for m in maps)
    ]


def live_attention_data(
    model: GPT,
    tokenizer: BPETokenizer,
    text: str,
    *,
    name: str = "reference",
    prefix: str = DOCUMENT_PREFIX,
    start: tuple[int, int] = (0, 0),
    digits: int = 6,
) -> dict[str, Any]:
    """The live attention widget's data: the shipped model's spec and a default sentence.

    The sentence is read as the model read its training documents, after ``prefix``; a text
    longer than the context keeps its last ``block_size`` tokens, as the browser does.

    Parameters
    ----------
    model : GPT
        The model the browser loads (its config must be that of the shipped model ``name``).
    tokenizer : BPETokenizer
        Its tokenizer (must equal the shipped one).
    text : str
        The default sentence; not blank.
    name : str, default "reference"
        The shipped model (a key of :data:`stepbytoken.book.live.LIVE_MODELS`).
    prefix : str, default DOCUMENT_PREFIX
        Read before every sentence, the default and the reader's (by default the document
        separator and a new line, as every training document began).
    start : (layer, head)
        The head shown enlarged first.
    digits : int, default 6
        Decimal places of the default weights.

    Returns
    -------
    dict
        JSON-serialisable: ``model`` (the spec for ``sbtGPT.load``), ``prefix``, ``start``,
        ``default`` (``text``, ``ids``, ``tokens``, ``windowed`` and ``attention`` as from
        :func:`attention_rows`).

    Raises
    ------
    TypeError
        If ``text`` or ``prefix`` is not a str.
    ValueError
        If ``text`` is blank, ``start`` is not a head of the model, or the model or tokenizer
        differ from the shipped ones.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> data = live_attention_data(ref.model, ref.tokenizer, "Nora met Tobin. She smiled.")
    >>> data["default"]["tokens"][:4], data["model"]["name"]
    (['<|endoftext|>', '\\n', 'N', 'ora'], 'reference')

    Introduced in chapter 4.
    """
    text = check_str("text", text)
    prefix = check_str("prefix", prefix)
    if not text.strip():
        raise ValueError("text must hold a sentence, got only whitespace")
    config = model.config
    heads = [
        (layer, h) for layer in range(config.n_layer) for h in range(config.n_head)
    ]
    if not isinstance(start, Sequence) or tuple(start) not in heads:
        raise ValueError(
            f"start must be a (layer, head) with layer < {config.n_layer} and head < "
            f"{config.n_head}, got {start!r}"
        )
    spec = shipped_spec(model, tokenizer, name)
    ids = tokenizer.encode(prefix + text, allowed_special="all")
    windowed = len(ids) > config.block_size
    ids = ids[-config.block_size :]
    return {
        "title": "Every head's attention on your sentence, computed in your browser",
        "model": spec,
        "prefix": prefix,
        "start": list(start),
        "default": {
            "text": text,
            "ids": ids,
            "tokens": [tokenizer.token_str(i) for i in ids],
            "windowed": windowed,
            "attention": attention_rows(model, ids, digits=digits),
        },
    }


def live_attention_widget(
    model: GPT,
    tokenizer: BPETokenizer,
    text: str,
    *,
    name: str = "reference",
    prefix: str = DOCUMENT_PREFIX,
    start: tuple[int, int] = (0, 0),
) -> InteractiveFigure:
    """Every head's attention on a sentence the reader types, with the model run in the browser.

    Parameters
    ----------
    model, tokenizer : GPT, BPETokenizer
        The shipped model ``name`` and its tokenizer (they compute the default weights).
    text : str
        The sentence shown until the reader types; not blank.
    name : str, default "reference"
        The shipped model the browser loads.
    prefix : str, default DOCUMENT_PREFIX
        Read before every sentence.
    start : (layer, head)
        The head shown enlarged first.

    Returns
    -------
    InteractiveFigure
        A ``live-attention`` widget; it shows ``text`` until the reader types.

    Raises
    ------
    TypeError, ValueError
        As :func:`live_attention_data`, which makes the widget's data.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> figure = live_attention_widget(ref.model, ref.tokenizer, "Nora met Tobin.")
    >>> 'data-sbt-widget="live-attention"' in figure.html
    True

    Introduced in chapter 4.
    """
    data = live_attention_data(
        model, tokenizer, text, name=name, prefix=prefix, start=start
    )
    return widget(
        "live-attention",
        data,
        label="Live attention maps: every head of the reference model on a sentence you type",
    )
