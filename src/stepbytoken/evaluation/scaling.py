"""Model size as scaling studies count it: the parameters outside the embedding tables.

Kaplan and colleagues found that a language model's loss follows its number of
*non-embedding* parameters: the token and position tables grow with the vocabulary and the
context, not with how much computation the model does per token. Chapter 6 compares three
widths of one GPT by this count.

Introduced in chapter 6.
"""

from __future__ import annotations

from stepbytoken.nn import GPT, count_parameters

__all__ = ["non_embedding_parameters"]


def non_embedding_parameters(model: GPT) -> int:
    """Count a GPT's parameters, leaving out its token and learned position embeddings.

    A weight tied between the token embedding and the output head counts as embedding.

    Parameters
    ----------
    model : GPT
        The model.

    Returns
    -------
    int
        ``count_parameters(model)`` minus the sizes of ``model.wte`` and ``model.wpe``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stepbytoken.nn.GPT`.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2))
    >>> count_parameters(model), non_embedding_parameters(model)  # 20 + 8 in embeddings
    (106, 78)

    Introduced in chapter 6.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    embeddings = model.wte.weight.numel()
    if model.wpe is not None:
        embeddings += model.wpe.weight.numel()
    return count_parameters(model) - embeddings
