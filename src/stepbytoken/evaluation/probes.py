"""Probing attention heads: does any head link *she* or *he* to the person it refers to?

In the small world's stories at most one man and one woman are named, so a pronoun has one
possible referent, found by gender. :func:`pronoun_cases` keeps the pronouns that are real
tests (both a man and a woman named before them); :func:`probe_heads` runs the model once over
their stories and records, for every head, the earlier token it attends to most at each
pronoun, and how strongly it attends to the token just before each query;
:func:`prefers_right_pronoun` asks the model itself which pronoun comes next.

Introduced in chapter 4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from stepbytoken.checks import check_instance, check_int, check_str, check_strings
from stepbytoken.evaluation.attention_stats import previous_token_share
from stepbytoken.nn import GPT
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

__all__ = [
    "PRONOUN",
    "HeadProbe",
    "PronounCase",
    "held_out",
    "pad_batch",
    "prefers_right_pronoun",
    "probe_heads",
    "pronoun_cases",
    "stories_of",
]

#: The pronouns probed: *she*, *he*, capitalised or not, as whole words.
PRONOUN = re.compile(r"\b(?:she|he|She|He)\b")


@dataclass(frozen=True)
class PronounCase:
    """One pronoun that only a look back by gender can resolve.

    Attributes
    ----------
    ids : tuple of int
        The story's token ids, as the model reads it (document prefix, cut to the context).
    query : int
        Position of the pronoun's token in ``ids``.
    referent : str
        The name of the person the pronoun refers to.
    targets : tuple of int
        Positions of the tokens of the referent's name before the pronoun.
    most_recent : str
        The person named last before the pronoun (the baseline's guess).
    """

    ids: tuple[int, ...]
    query: int
    referent: str
    targets: tuple[int, ...]
    most_recent: str


def _check_cases(cases: object) -> None:
    """Raise unless ``cases`` is a list of :class:`PronounCase`."""
    if isinstance(cases, (str, bytes)) or not isinstance(cases, Sequence):
        raise TypeError(
            f"cases must be a list of PronounCase, got {type(cases).__name__}"
        )
    for i, case in enumerate(cases):
        if not isinstance(case, PronounCase):
            raise TypeError(
                f"cases[{i}] must be a PronounCase, got {type(case).__name__}"
            )


def pronoun_cases(
    stories: Sequence[str],
    tokenizer: BPETokenizer,
    genders: Mapping[str, str],
    *,
    block_size: int,
    prefix: str = DOC_SEPARATOR + "\n",
) -> list[PronounCase]:
    """Every *he*/*she* of the stories named after both a man and a woman, with its referent.

    Parameters
    ----------
    stories : sequence of str
        Story texts.
    tokenizer : BPETokenizer
        The model's tokenizer.
    genders : mapping of str to str
        Each person's name and gender (``"male"`` or ``"female"``).
    block_size : int
        The model's context length; a pronoun past it is skipped.
    prefix : str
        What precedes every document in the training text.

    Returns
    -------
    list of PronounCase
        In story order, then text order. Cases of one story share its ``ids``.

    Raises
    ------
    ValueError
        If ``block_size`` is not a positive int or ``genders`` is empty.

    Examples
    --------
    >>> tok = BPETokenizer(special_tokens=[DOC_SEPARATOR])
    >>> story = "Ada met Bo. Then she left."
    >>> [c] = pronoun_cases([story], tok, {"Ada": "female", "Bo": "male"}, block_size=64)
    >>> c.referent, c.most_recent, tok.decode([c.ids[t] for t in c.targets])
    ('Ada', 'Bo', 'Ada')

    Introduced in chapter 4.
    """
    check_int("block_size", block_size, minimum=1)
    stories = check_strings("stories", stories)
    check_instance("tokenizer", tokenizer, BPETokenizer)
    if not isinstance(genders, Mapping):
        raise TypeError(
            f"genders must be a mapping name -> gender, got {type(genders).__name__}"
        )
    check_strings("genders", list(genders))
    check_str("prefix", prefix)
    if not genders:
        raise ValueError("genders must name at least one person")
    name = re.compile(r"\b(?:" + "|".join(genders) + r")\b")
    cases = []
    for text in stories:
        ids = tuple(tokenizer.encode(prefix + text)[:block_size])
        spans, end = [], -len(prefix)  # character span of each token in the story
        for i in ids:
            start, end = end, end + len(tokenizer.token_bytes(i))
            spans.append((start, end))
        mentions = [(m.start(), m.end(), m[0]) for m in name.finditer(text)]
        for p in PRONOUN.finditer(text):
            gender = "female" if p[0].lower() == "she" else "male"
            before = [(s, e, who) for s, e, who in mentions if e <= p.start()]
            referents = {who for _, _, who in before if genders[who] == gender}
            query = [t for t, (s, e) in enumerate(spans) if s <= p.start() < e]
            if (
                len(referents) != 1
                or len({genders[w] for _, _, w in before}) < 2
                or not query
            ):
                continue  # an easy case, or the pronoun lies past the context window
            referent = referents.pop()
            targets = tuple(
                t
                for t, (s, e) in enumerate(spans)
                for ms, me, who in before
                if who == referent and s < me and e > ms
            )
            cases.append(PronounCase(ids, query[0], referent, targets, before[-1][2]))
    return cases


def pad_batch(id_lists: Sequence[Sequence[int]], pad_id: int) -> Tensor:
    """Token-id lists padded at the end with ``pad_id`` into one ``(B, T)`` tensor.

    With a causal model, padding at the end changes nothing before it.

    Parameters
    ----------
    id_lists : sequence of sequences of int
        At least one list of token ids.
    pad_id : int
        The id written after the end of each shorter list.

    Returns
    -------
    Tensor
        ``(len(id_lists), longest length)``, dtype int64.

    Raises
    ------
    ValueError
        If ``id_lists`` is empty or ``pad_id`` is negative.

    Examples
    --------
    >>> pad_batch([[1, 2, 3], [4]], pad_id=0)
    tensor([[1, 2, 3],
            [4, 0, 0]])

    Introduced in chapter 4.
    """
    check_int("pad_id", pad_id, minimum=0)
    if not id_lists:
        raise ValueError("id_lists must hold at least one list of token ids")
    idx = torch.full((len(id_lists), max(map(len, id_lists))), pad_id)
    for n, ids in enumerate(id_lists):
        idx[n, : len(ids)] = torch.tensor(ids)
    return idx


@dataclass(frozen=True)
class HeadProbe:
    """What every head of a model attends to, measured by :func:`probe_heads`.

    Attributes
    ----------
    strongest : Tensor
        ``(cases, n_layer, n_head)``: position of the earlier token with the largest weight
        at each case's pronoun.
    found : Tensor
        ``(cases, n_layer, n_head)``, bool: that token is part of the referent's name.
    previous_weight : Tensor
        ``(n_layer, n_head)``: mean weight on the token just before the query, over every
        query after the first token of the stories.
    previous_top : Tensor
        ``(n_layer, n_head)``: share of those queries whose largest weight is on the token
        just before them.
    uniform_previous : float
        Both of the above for a head that spreads its weight evenly over what it may see.
    """

    strongest: Tensor
    found: Tensor
    previous_weight: Tensor
    previous_top: Tensor
    uniform_previous: float


def stories_of(cases: Sequence[PronounCase]) -> dict[tuple[int, ...], list[int]]:
    """Each story's token ids, once and in order, with the indices of its cases.

    Parameters
    ----------
    cases : sequence of PronounCase

    Returns
    -------
    dict
        ``ids -> [index of each case of that story]``, in order of first appearance.

    Examples
    --------
    >>> a, b = PronounCase((1, 2), 1, "A", (0,), "B"), PronounCase((3,), 0, "A", (0,), "B")
    >>> stories_of([a, b, a])
    {(1, 2): [0, 2], (3,): [1]}

    Introduced in chapter 4.
    """
    _check_cases(cases)
    by_story: dict[tuple[int, ...], list[int]] = {}
    for n, case in enumerate(cases):
        by_story.setdefault(case.ids, []).append(n)
    return by_story


@torch.no_grad()
def probe_heads(
    model: GPT, cases: Sequence[PronounCase], *, pad_id: int, batch_size: int = 50
) -> HeadProbe:
    """Run ``model`` once over the cases' stories and measure where each head looks.

    Each story is cut after its last pronoun and read in padded batches of similar length.

    Parameters
    ----------
    model : GPT
        A model with ``attention_maps``.
    cases : sequence of PronounCase
        From :func:`pronoun_cases`.
    pad_id : int
        Padding token id; positions holding it are not counted as queries.
    batch_size : int
        Stories per forward pass.

    Returns
    -------
    HeadProbe

    Raises
    ------
    ValueError
        If ``cases`` is empty, or ``pad_id`` or ``batch_size`` is not allowed.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=8, block_size=8, n_layer=2, n_head=2, d_model=8))
    >>> probe = probe_heads(model, [PronounCase((0, 5, 6, 7), 3, "A", (1,), "B")], pad_id=0)
    >>> probe.found.shape, probe.previous_weight.shape
    (torch.Size([1, 2, 2]), torch.Size([2, 2]))

    Introduced in chapter 4.
    """
    check_int("pad_id", pad_id, minimum=0)
    check_int("batch_size", batch_size, minimum=1)
    if not cases:
        raise ValueError("cases must hold at least one PronounCase")
    by_story = stories_of(cases)
    needed = {ids: 1 + max(cases[n].query for n in ns) for ids, ns in by_story.items()}
    # similar lengths together: less padding
    order = sorted(by_story, key=needed.__getitem__)
    L, H = model.config.n_layer, model.config.n_head
    strongest = torch.empty(len(cases), L, H, dtype=torch.long)
    previous_weight, previous_top = torch.zeros(L, H), torch.zeros(L, H)
    uniform_previous, n_queries = 0.0, 0
    for b in range(0, len(order), batch_size):
        chunk = order[b : b + batch_size]
        idx = pad_batch([ids[: needed[ids]] for ids in chunk], pad_id)
        maps = torch.stack(model.attention_maps(idx), dim=1)  # (b, L, H, T, T)
        for k, ids in enumerate(chunk):
            for n in by_story[ids]:
                q = cases[n].query
                # (L, H): strongest earlier
                strongest[n] = maps[k, :, :, q, :q].argmax(dim=-1)
        # attention to the previous token, over real queries after the first token
        real = idx != pad_id  # (b, T)
        weight, top, uniform = previous_token_share(maps, real)  # means over this batch
        n = int(real[:, 1:].sum())
        previous_weight += n * weight
        previous_top += n * top
        uniform_previous += n * uniform
        n_queries += n
    found = torch.stack(
        [torch.isin(strongest[n], torch.tensor(c.targets)) for n, c in enumerate(cases)]
    )  # (cases, L, H)
    return HeadProbe(
        strongest,
        found,
        previous_weight / n_queries,
        previous_top / n_queries,
        uniform_previous / n_queries,
    )


def held_out(cases: Sequence[PronounCase]) -> Tensor:
    """True for the cases of the second half of the stories (a head is chosen on the first).

    Parameters
    ----------
    cases : sequence of PronounCase

    Returns
    -------
    Tensor
        Bool, one entry per case.

    Examples
    --------
    >>> a, b = PronounCase((1,), 0, "A", (0,), "B"), PronounCase((2,), 0, "A", (0,), "B")
    >>> held_out([a, a, b])
    tensor([False, False,  True])

    Introduced in chapter 4.
    """
    _check_cases(cases)
    number = {ids: k for k, ids in enumerate(stories_of(cases))}
    return torch.tensor([number[c.ids] >= len(number) // 2 for c in cases])


@torch.no_grad()
def prefers_right_pronoun(
    model: GPT, tokenizer: BPETokenizer, cases: Sequence[PronounCase], *, pad_id: int
) -> Tensor:
    """Whether the model, just before each pronoun, rates it above the other gender's.

    Only cases whose pronoun is one token among `` she``, `` he``, `` She``, `` He`` are
    asked; all of them go through the model in one padded batch.

    Parameters
    ----------
    model : GPT
    tokenizer : BPETokenizer
    cases : sequence of PronounCase
    pad_id : int
        Padding token id.

    Returns
    -------
    Tensor
        Bool, one entry per asked case, in order.

    Raises
    ------
    ValueError
        If no case has a one-token pronoun.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> tok = BPETokenizer.train(" she he She He" * 4, 8, special_tokens=[DOC_SEPARATOR])
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=32, n_layer=1, n_head=1,
    ...                       d_model=8))
    >>> cases = pronoun_cases(["Ada met Bo. Then she left."], tok,
    ...                       {"Ada": "female", "Bo": "male"}, block_size=32)
    >>> prefers_right_pronoun(model, tok, cases, pad_id=0).shape  # one answer, True or False
    torch.Size([1])

    Introduced in chapter 4.
    """
    check_int("pad_id", pad_id, minimum=0)
    pairs = [(" she", " he"), (" he", " she"), (" She", " He"), (" He", " She")]
    other = {
        tokenizer.encode(a)[0]: tokenizer.encode(b)[0]  # she <-> he, She <-> He
        for a, b in pairs
        if len(tokenizer.encode(a)) == len(tokenizer.encode(b)) == 1
    }
    asked = [c for c in cases if c.ids[c.query] in other]
    if not asked:
        raise ValueError("none of the cases has a one-token she/he/She/He pronoun")
    # (n, T, vocab)
    logits, _ = model(pad_batch([c.ids[: c.query] for c in asked], pad_id))
    # just before the pronoun
    before = [logits[n, c.query - 1] for n, c in enumerate(asked)]
    return torch.tensor(
        [
            p[c.ids[c.query]] > p[other[c.ids[c.query]]]
            for p, c in zip(before, asked, strict=True)
        ]
    )
