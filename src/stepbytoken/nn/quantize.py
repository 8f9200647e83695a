"""Blockwise 4-bit quantisation of weights: NF4 and int4 codebooks, double quantisation.

A weight tensor is cut into blocks of ``block_size`` numbers; each block is divided by its
largest absolute value (its *absmax*, one float32 per block), so it lies in ``[-1, 1]``, and
each number is replaced by the index of the nearest value of a 16-entry *codebook*: 4 bits.
Dequantising looks the index up and multiplies by the absmax again. Which 16 values the
codebook holds decides the error: ``int4`` spaces them evenly, NF4 (Dettmers et al., 2023,
"QLoRA: Efficient Finetuning of Quantized LLMs", §3) puts them at quantiles of a normal
distribution, so that each is used equally often by normally distributed weights. Double
quantisation (same section) stores the absmax constants themselves in 8 bits.

The functions here quantise and dequantise; :func:`quantize_model` gives a model whose block
weights hold the dequantised values (what a 4-bit model computes with), and
:func:`bits_per_parameter` says what storing them would cost.

Introduced in chapter 14.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import torch
from torch import Tensor, nn

from stepbytoken.checks import check_bool, check_choice, check_instance, check_int
from stepbytoken.nn.lora import block_linears

__all__ = [
    "CODEBOOKS",
    "NF4_CODEBOOK",
    "QuantizedTensor",
    "normal_float_codebook",
    "int_codebook",
    "get_codebook",
    "quantize_blockwise",
    "dequantize_blockwise",
    "quantization_error",
    "bits_per_parameter",
    "quantize_model",
]

#: Names of the built-in codebooks (:func:`get_codebook`).
CODEBOOKS = ("nf4", "int4")

#: The 16 values of NF4 as the QLoRA authors' library ships them: bitsandbytes'
#: ``get_4bit_type("nf4")`` (bitsandbytes/functional.py). :func:`normal_float_codebook`
#: rebuilds them from normal quantiles to within 2e-7.
NF4_CODEBOOK: tuple[float, ...] = (
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
)


class QuantizedTensor(NamedTuple):
    """A tensor stored blockwise as codebook indices and one scale per block.

    ``dequantize_blockwise(q)`` gives back ``codebook[codes] * absmax`` (per block, with
    ``offset`` added) in the original ``shape``. With double quantisation ``absmax`` is
    itself a :class:`QuantizedTensor` (8-bit codes, blocks of 256, the mean as ``offset``).

    Fields:

    codes : Tensor
        ``uint8`` indices into ``codebook``, shape ``(n_blocks, block_size)``; the last
        block is padded with the code of zero.
    absmax : Tensor or QuantizedTensor
        The largest ``|w|`` of each block, float32 ``(n_blocks,)``.
    shape : tuple of int
        Shape of the original tensor.
    codebook : Tensor
        The sorted float32 values the codes point to.
    offset : float
        Added after dequantising (the mean that double quantisation subtracted), else 0.

    Introduced in chapter 14.
    """

    codes: Tensor
    absmax: Tensor | QuantizedTensor
    shape: tuple[int, ...]
    codebook: Tensor
    offset: float = 0.0


def normal_float_codebook(bits: int = 4) -> Tensor:
    """Build the k-bit NormalFloat codebook from quantiles of the standard normal.

    QLoRA's recipe (Dettmers et al., 2023, §3): an exact zero, ``2**(k-1)`` positive values
    and ``2**(k-1) - 1`` negative ones, each side at evenly spaced probabilities of
    ``N(0, 1)``, then divided by the largest so the values span ``[-1, 1]``. For NF4: the
    quantiles ``Q(p)`` at 8 probabilities from ``0.5`` (left out: it is the zero) up to
    ``p_max``, and the negated quantiles at 7 probabilities from ``0.5`` up to ``p_max``.
    ``Q(1)`` is infinite, so the outermost probability is
    ``p_max = 1 - (1 / (2 (2**k - 1)) + 1 / (2 * 2**k)) / 2``, which for ``k = 4`` is
    ``1 - (1/30 + 1/32) / 2 = 0.96770833``, the constant bitsandbytes' ``create_normal_map``
    uses (0.9677083). For other ``k`` the same formula is our extension. With ``k = 4``
    the result matches :data:`NF4_CODEBOOK` to within 2e-7.

    Introduced in chapter 14.

    Parameters
    ----------
    bits : int, default 4
        ``k``, from 2 to 8: the codebook has ``2**k`` values.

    Returns
    -------
    Tensor
        float32 ``(2**k,)``, sorted, from -1 to 1 with an exact 0.

    Raises
    ------
    TypeError, ValueError
        If ``bits`` is not an int in ``[2, 8]``.

    Examples
    --------
    >>> nf4 = normal_float_codebook(4)
    >>> [round(v, 4) for v in nf4[6:10].tolist()]  # finer steps near zero
    [-0.091, 0.0, 0.0796, 0.1609]
    >>> int((nf4 < 0).sum()), int((nf4 > 0).sum())
    (7, 8)
    """
    bits = check_int("bits", bits, minimum=2, maximum=8)
    n = 2**bits
    p_max = 1 - (1 / (2 * (n - 1)) + 1 / (2 * n)) / 2
    half = n // 2  # positive values; one fewer negative, plus the zero

    def quantiles(count: int) -> Tensor:
        # ``count`` probabilities evenly spaced above 0.5, the last one p_max
        p = torch.linspace(0.5, p_max, count + 1, dtype=torch.float64)[1:]
        return torch.special.ndtri(p)  # the inverse of the normal CDF

    zero = torch.zeros(1, dtype=torch.float64)
    values = torch.cat([-quantiles(half - 1), zero, quantiles(half)]).sort().values
    return (values / values.max()).float()


def int_codebook(bits: int = 4) -> Tensor:
    """Build the evenly spaced symmetric codebook: the integers ``-m..m`` divided by ``m``.

    ``m = 2**(bits-1) - 1``, so ``bits=4`` gives ``-7/7, ..., 7/7`` (15 values, the 16th
    bit pattern unused) and ``bits=8`` gives ``k / 127``: QLoRA's Eq. 1 (Dettmers et al., 2023,
    §2), ``round(m * w / absmax(w))``, and the linear int4 of bitsandbytes. Zero is exact.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``bits`` is not an int in ``[2, 8]``.

    Examples
    --------
    >>> (int_codebook(4) * 7).round().int().tolist()
    [-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]
    """
    bits = check_int("bits", bits, minimum=2, maximum=8)
    m = 2 ** (bits - 1) - 1
    return torch.arange(-m, m + 1, dtype=torch.float64).div(m).float()


def get_codebook(codebook: str | Tensor) -> Tensor:
    """Return a codebook by name (``"nf4"``, ``"int4"``), or check a tensor given as one.

    A codebook is a 1-D floating tensor of 2 to 256 finite values in ``[-1, 1]``, strictly
    increasing (so the nearest value can be found by bisection); returned as float32.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``codebook`` is an unknown name or a tensor that is not a codebook.

    Examples
    --------
    >>> get_codebook("nf4").shape, get_codebook("int4").shape
    (torch.Size([16]), torch.Size([15]))
    """
    if isinstance(codebook, str):
        name = check_choice("codebook", codebook, CODEBOOKS)
        return torch.tensor(NF4_CODEBOOK) if name == "nf4" else int_codebook(4)
    if not isinstance(codebook, Tensor):
        raise TypeError(
            f"codebook must be one of {CODEBOOKS} or a 1-D tensor, "
            f"got {type(codebook).__name__}"
        )
    if codebook.dim() != 1 or not codebook.is_floating_point():
        raise ValueError(
            "codebook must be a 1-D floating tensor, "
            f"got shape {tuple(codebook.shape)} and dtype {codebook.dtype}"
        )
    if not 2 <= codebook.numel() <= 256:
        raise ValueError(
            f"codebook must hold 2 to 256 values (one uint8 code each), got {codebook.numel()}"
        )
    values = codebook.detach().float().cpu()
    if not bool(torch.isfinite(values).all()) or float(values.abs().max()) > 1:
        raise ValueError("codebook must hold finite values in [-1, 1]")
    if not bool((values[1:] > values[:-1]).all()):
        raise ValueError("codebook must be strictly increasing")
    return values


def _check_weights(name: str, w: object) -> Tensor:
    """``w`` as a float32 tensor, if it is a non-empty tensor of finite real numbers."""
    if not isinstance(w, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
    if w.is_complex() or w.dtype == torch.bool:
        raise ValueError(f"{name} must hold real numbers, got dtype {w.dtype}")
    if w.numel() == 0:
        raise ValueError(
            f"{name} must hold at least one number, got shape {tuple(w.shape)}"
        )
    w = w.detach().float()
    if not bool(torch.isfinite(w).all()):
        raise ValueError(f"{name} must hold finite numbers (no NaN or infinity)")
    return w


def quantize_blockwise(
    w: Tensor,
    codebook: str | Tensor = "nf4",
    block_size: int = 64,
    *,
    double: bool = False,
    double_block_size: int = 256,
) -> QuantizedTensor:
    """Quantise ``w`` block by block: absmax scaling, then the nearest codebook value.

    ``w`` is flattened and cut into blocks of ``block_size`` (the last one padded with
    zeros). Each block is divided by its absmax (a block of zeros by 1) and each number
    replaced by the index of the nearest codebook value. With ``double``, the absmax
    constants are quantised in turn, as QLoRA's double quantisation (Dettmers et al., 2023,
    §3): their mean is subtracted, and the rest stored with the 8-bit :func:`int_codebook`
    in blocks of ``double_block_size`` (the paper uses 8-bit floats there; our 8-bit
    integers take the same space).

    Introduced in chapter 14.

    Parameters
    ----------
    w : Tensor
        Any shape, at least one finite real number (computed in float32).
    codebook : {"nf4", "int4"} or Tensor, default "nf4"
        The values codes point to (see :func:`get_codebook`).
    block_size : int, default 64
        Numbers per absmax constant, >= 1.
    double : bool, default False
        Also quantise the absmax constants.
    double_block_size : int, default 256
        Absmax constants per second-level constant, >= 1.

    Returns
    -------
    QuantizedTensor

    Raises
    ------
    TypeError, ValueError
        If ``w`` is not a tensor of finite real numbers or another argument is invalid.

    Examples
    --------
    >>> w = torch.tensor([0.0, 0.5, -0.6, 2.0])
    >>> q = quantize_blockwise(w, "int4", block_size=4)
    >>> q.codes.tolist(), q.absmax.tolist()  # w / 2 = 0, 0.25, -0.3, 1 -> 0, 2/7, -2/7, 7/7
    ([[7, 9, 5, 14]], [2.0])
    >>> (dequantize_blockwise(q) * 7 / 2).round().tolist()  # in steps of 2/7
    [0.0, 2.0, -2.0, 7.0]
    """
    w = _check_weights("w", w)
    values = get_codebook(codebook).to(w.device)
    block_size = check_int("block_size", block_size, minimum=1)
    double = check_bool("double", double)
    double_block_size = check_int("double_block_size", double_block_size, minimum=1)
    flat = w.reshape(-1)
    pad = (-flat.numel()) % block_size
    blocks = torch.cat([flat, flat.new_zeros(pad)]).view(-1, block_size)
    absmax = blocks.abs().amax(dim=1)  # (n_blocks,)
    scaled = blocks / torch.where(absmax > 0, absmax, 1.0)[:, None]  # in [-1, 1]
    midpoints = (values[1:] + values[:-1]) / 2
    codes = torch.bucketize(scaled, midpoints).to(torch.uint8)  # the nearest value
    stored: Tensor | QuantizedTensor = absmax
    if double:
        mean = float(absmax.mean())
        inner = quantize_blockwise(absmax - mean, int_codebook(8), double_block_size)
        stored = inner._replace(offset=mean)
    return QuantizedTensor(codes, stored, tuple(w.shape), values)


def dequantize_blockwise(q: QuantizedTensor) -> Tensor:
    """Return the float32 tensor that ``q`` stands for: ``codebook[codes] * absmax``.

    Introduced in chapter 14.

    Raises
    ------
    TypeError
        If ``q`` is not a :class:`QuantizedTensor`.

    Examples
    --------
    >>> w = torch.tensor([[0.3, -0.1], [0.0, 0.9]])
    >>> q = quantize_blockwise(w, "nf4", block_size=2)
    >>> dequantize_blockwise(q)  # -0.1 / 0.3 = -0.333 -> the code -0.2844
    tensor([[ 0.3000, -0.0853],
            [ 0.0000,  0.9000]])
    """
    check_instance("q", q, QuantizedTensor)
    absmax = q.absmax
    if isinstance(absmax, QuantizedTensor):
        absmax = dequantize_blockwise(absmax)
    blocks = q.codebook[q.codes.long()] * absmax[:, None]  # (n_blocks, block_size)
    n = 1
    for size in q.shape:
        n *= size
    return blocks.reshape(-1)[:n].reshape(q.shape) + q.offset


def quantization_error(
    w: Tensor,
    codebook: str | Tensor = "nf4",
    block_size: int = 64,
    *,
    double: bool = False,
) -> float:
    """Return the mean squared error of quantising ``w`` and dequantising it again.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        As :func:`quantize_blockwise`.

    Examples
    --------
    >>> w = torch.randn(64, 64, generator=torch.Generator().manual_seed(0))
    >>> quantization_error(w, "nf4") < quantization_error(w, "int4")
    True
    """
    w = _check_weights("w", w)
    q = quantize_blockwise(w, codebook, block_size, double=double)
    return float((dequantize_blockwise(q) - w).pow(2).mean())


def bits_per_parameter(
    block_size: int = 64,
    double: bool = False,
    *,
    bits: int = 4,
    double_block_size: int = 256,
) -> float:
    """Return the bits stored per weight: the code plus its share of the block constants.

    One float32 absmax per block adds ``32 / block_size`` bits: ``4 + 32/64 = 4.5``. With
    double quantisation, each block keeps an 8-bit constant and each ``double_block_size``
    blocks one float32: ``4 + 8/64 + 32/(64 * 256) = 4.127`` (Dettmers et al., 2023, §3:
    the constants drop from 0.5 to 0.127 bits per parameter). The one float32 mean per
    tensor is left out.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int >= 1 (``bits`` in ``[1, 32]``) or ``double`` not a bool.

    Examples
    --------
    >>> bits_per_parameter(64)
    4.5
    >>> round(bits_per_parameter(64, double=True), 3)
    4.127
    """
    block_size = check_int("block_size", block_size, minimum=1)
    double = check_bool("double", double)
    bits = check_int("bits", bits, minimum=1, maximum=32)
    double_block_size = check_int("double_block_size", double_block_size, minimum=1)
    if not double:
        return bits + 32 / block_size
    return bits + 8 / block_size + 32 / (block_size * double_block_size)


def quantize_model(
    model: nn.Module,
    codebook: str | Tensor = "nf4",
    block_size: int = 64,
    *,
    double: bool = False,
) -> nn.Module:
    """Return a copy of ``model`` whose block weight matrices went through 4-bit storage.

    Exactly the ``weight`` of every ``nn.Linear`` inside a transformer block (attention
    ``c_attn`` and ``c_proj``, MLP ``c_fc``, ``c_proj`` and ``c_gate``: those of
    :func:`~stepbytoken.nn.lora.block_linears` with ``targets="all"``) is quantised and
    replaced by its dequantised float32 values. Biases, embeddings, norms and the output head
    stay as they are, as in QLoRA, which quantises the linear layers of the blocks. The copy
    computes with the numbers a 4-bit model would, but keeps them in float32: see
    :func:`bits_per_parameter` for the memory the 4-bit form takes. QLoRA is
    ``add_lora(quantize_model(model), rank)``. ``model`` itself is not changed.

    Introduced in chapter 14.

    Parameters
    ----------
    model : nn.Module
        A GPT, or a module holding GPT blocks.
    codebook, block_size, double
        As for :func:`quantize_blockwise`.

    Raises
    ------
    TypeError, ValueError
        If an argument is invalid or ``model`` has no linear layers in transformer blocks.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, d_model=8)
    >>> model = GPT(config)
    >>> q = quantize_model(model, "int4")
    >>> w = q.blocks[0].mlp.c_fc.weight.reshape(-1, 64)  # its blocks of 64
    >>> all(len(set(block.abs().tolist())) <= 8 for block in w)  # 0/7 ... 7/7 of absmax
    True
    >>> torch.equal(q.wte.weight, model.wte.weight)
    True
    """
    check_instance("model", model, nn.Module)
    get_codebook(codebook)
    check_int("block_size", block_size, minimum=1)
    check_bool("double", double)
    if not block_linears(model, "all"):
        raise ValueError(
            "model has no linear layers in transformer blocks to quantise "
            "(quantize_model quantises the attention and MLP weights of GPT blocks)"
        )
    quantized = copy.deepcopy(model)
    with torch.no_grad():
        for layer in block_linears(quantized, "all").values():
            q = quantize_blockwise(layer.weight, codebook, block_size, double=double)
            layer.weight.copy_(dequantize_blockwise(q))
    return quantized
