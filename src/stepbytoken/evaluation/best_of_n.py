"""Best-of-n sampling: the simplest way to optimise a reward, and to over-optimise it.

Draw ``n`` answers from the assistant, keep the one a reward model scores highest. The larger
``n``, the further the kept answers are from what the assistant would say by itself. The
usual measure of that distance is ``log n - (n - 1) / n`` nats, the KL divergence of the
best-of-``n`` distribution from the sampled one as Stiennon et al. (2020) and Gao et al. (2022)
compute it; Beirami et al. (2024) showed that it is an upper bound, close to the true value
when answers rarely repeat. If the reward model were the truth, the true score would keep
rising with ``n``; where it is only a proxy, the true score can stop rising, or fall, while
the proxy keeps climbing (Gao et al., 2022).

:func:`sample_replies` draws the answers in one batch; :func:`expected_best_of_n` turns ``N``
scored answers to a prompt into the expected scores of best-of-``n`` for every ``n <= N``
without drawing again: sorted by the proxy, the ``i``-th lowest answer is the best of a random
``n``-subset with probability ``C(i-1, n-1) / C(N, n)``.

Introduced in chapter 8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from stepbytoken.checks import check_floats, check_int
from stepbytoken.generation.generate import generate
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.chat import END, chat_prompt, message_text
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import Message

__all__ = [
    "best_of_n_curve",
    "best_of_n_kl_bound",
    "expected_best_of_n",
    "sample_replies",
]


def best_of_n_kl_bound(n: int) -> float:
    """Best-of-``n``'s KL divergence from sampling is at most ``log n - (n - 1) / n``.

    >>> best_of_n_kl_bound(1), round(best_of_n_kl_bound(16), 4)
    (0.0, 1.8351)

    Introduced in chapter 8.
    """
    n = check_int("n", n, minimum=1)
    return math.log(n) - (n - 1) / n


def expected_best_of_n(
    proxy: Sequence[float], gold: Sequence[float], n: int
) -> tuple[float, float]:
    """Expected proxy and gold score of the proxy's favourite among ``n`` of these answers.

    ``proxy[i]`` and ``gold[i]`` score the ``i``-th of ``N`` answers to one prompt; the
    answer kept is the one with the highest proxy score among ``n`` drawn without
    replacement (ties go to the later answer in sorted order, a fixed rule).

    Raises
    ------
    ValueError
        If the lists differ in length, are empty, or ``n`` is not in ``[1, N]``.

    Examples
    --------
    With ``n = N`` the proxy's favourite is always kept; with ``n = 1``, any answer:

    >>> expected_best_of_n([0.1, 0.9, 0.5], [1.0, 0.0, 1.0], 3)
    (0.9, 0.0)
    >>> [round(x, 4) for x in expected_best_of_n([0.1, 0.9, 0.5], [1.0, 0.0, 1.0], 1)]
    [0.5, 0.6667]

    Introduced in chapter 8.
    """
    proxy, gold = check_floats("proxy", proxy), check_floats("gold", gold)
    if len(proxy) != len(gold) or not proxy:
        raise ValueError(
            f"proxy and gold must score the same answers, got {len(proxy)} and {len(gold)}"
        )
    total = len(proxy)
    n = check_int("n", n, minimum=1, maximum=total)
    order = sorted(range(total), key=lambda i: proxy[i])
    ways = math.comb(total, n)
    expected_proxy = expected_gold = 0.0
    for rank, i in enumerate(order, start=1):  # rank-th lowest proxy
        weight = math.comb(rank - 1, n - 1) / ways
        expected_proxy += weight * proxy[i]
        expected_gold += weight * gold[i]
    return expected_proxy, expected_gold


def best_of_n_curve(
    proxy: Sequence[Sequence[float]],
    gold: Sequence[Sequence[float]],
    ns: Sequence[int],
) -> list[dict[str, float]]:
    """Best-of-``n`` over many prompts: for each ``n``, the KL bound and the mean scores.

    ``proxy[p][i]`` and ``gold[p][i]`` score answer ``i`` to prompt ``p``; every prompt needs
    at least ``max(ns)`` answers.

    Returns
    -------
    list of dict
        One row per ``n``: ``n``, ``kl`` (:func:`best_of_n_kl_bound`), and the mean over
        prompts of the expected ``proxy`` and ``gold`` scores of best-of-``n``.

    Examples
    --------
    >>> rows = best_of_n_curve([[0.0, 1.0]], [[1.0, 0.0]], [1, 2])
    >>> [(r["n"], r["proxy"], r["gold"]) for r in rows]
    [(1, 0.5, 0.5), (2, 1.0, 0.0)]

    Introduced in chapter 8.
    """
    for name, value in (("proxy", proxy), ("gold", gold), ("ns", ns)):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a sequence, got {type(value).__name__}")
    if len(proxy) != len(gold) or not proxy:
        raise ValueError(
            f"proxy and gold must hold the same prompts, got {len(proxy)} and {len(gold)}"
        )
    ns = [check_int("an n", n, minimum=1) for n in ns]
    rows = []
    for n in ns:
        pairs = [expected_best_of_n(p, g, n) for p, g in zip(proxy, gold, strict=True)]
        rows.append(
            {
                "n": n,
                "kl": best_of_n_kl_bound(n),
                "proxy": sum(p for p, _ in pairs) / len(pairs),
                "gold": sum(g for _, g in pairs) / len(pairs),
            }
        )
    return rows


def sample_replies(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    messages: Sequence[Message],
    n: int,
    *,
    temperature: float = 1.0,
    seed: int = 0,
    max_new_tokens: int = 48,
) -> list[str]:
    """``n`` sampled replies to one conversation, drawn in one batch.

    Each row is sampled until ``<|end|>`` or ``max_new_tokens`` (fewer if the context fills
    up); a reply ends at the first special token (see
    :func:`~stepbytoken.tokenizers.chat.message_text`),
    and one that never ends is returned as written so far.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a conversation that fills the model's context.

    Introduced in chapter 8.
    """
    check_language_model(model)
    n = check_int("n", n, minimum=1)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    prompt = chat_prompt(tokenizer, messages)
    context = model.block_size
    if context is not None:
        if len(prompt) >= context:
            raise ValueError(
                f"the conversation is {len(prompt)} tokens, and the model reads at most "
                f"{context}"
            )
        max_new_tokens = min(max_new_tokens, context - len(prompt))
    end = tokenizer.special_id(END)
    out = generate(
        model,
        torch.tensor([prompt] * n),
        max_new_tokens,
        temperature=temperature,
        seed=seed,
        stop_token=end,
    )
    return [message_text(tokenizer, row) for row in out[:, len(prompt) :].tolist()]
