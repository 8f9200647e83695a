"""CLIP: an image encoder and a text encoder trained to agree on which caption fits which image.

Read top to bottom: :class:`CLIPConfig` (the sizes), :func:`tokenize_captions` (captions to
padded word ids), :class:`TextEncoder` (a small bidirectional transformer whose outputs are
averaged over the caption's words), :class:`ImageEncoder` (a :class:`~stepbytoken.nn.vit.ViT`
without its head), and :class:`CLIP`, which maps both into one space of unit vectors and
scores every image against every text by cosine similarity times a learned scale. Training
pushes the matching pairs of a batch up and the others down with
:func:`~stepbytoken.training.contrastive.clip_loss`. :func:`zero_shot_classify` then labels
images by the class description they are most similar to, with no classifier trained.

As in Radford et al. (2021): each encoder ends in a linear projection without bias, and the
scale is ``exp(t)`` with ``t`` learned, started at ``log(1 / 0.07)`` and clipped so that the
scale never exceeds 100 (§2.5). Unlike CLIP, whose text encoder is causal and reads the
``[EOS]`` token's features (§2.4), the text encoder here sees the whole caption and averages
its tokens, which needs no special tokens.

Introduced in chapter 15.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import (
    check_bool,
    check_instance,
    check_int,
    check_strings,
    check_tensor,
    check_token_ids,
)
from stepbytoken.nn.vit import EncoderBlock, ViT, ViTConfig
from stepbytoken.text.words import split_words
from stepbytoken.tokenizers.vocab import WordVocab

__all__ = [
    "CLIP",
    "CLIPConfig",
    "ImageEncoder",
    "TextEncoder",
    "tokenize_captions",
    "zero_shot_classify",
]

#: The scale the similarities start with, 1 / 0.07 (Radford et al., 2021, §2.5).
INITIAL_SCALE = 1 / 0.07
#: The largest scale allowed (the same section).
MAX_SCALE = 100.0


@dataclass
class CLIPConfig:
    """Sizes of a :class:`CLIP` pair of encoders (both use the same depth and width).

    Introduced in chapter 15.

    Parameters
    ----------
    vocab_size : int
        Number of word ids of the captions.
    block_size : int, default 16
        Longest caption, in ids.
    image_size, patch : int, default 16, 4
        As in :class:`~stepbytoken.nn.vit.ViTConfig`.
    n_layer, n_head, d_model : int, default 2, 2, 32
        Blocks, heads and width of each encoder.
    d_embed : int, default 32
        Size of the shared space the projections map into.
    dropout : float, default 0.0
        Dropout probability in ``[0, 1)``.

    Examples
    --------
    >>> CLIPConfig(vocab_size=20).vit_config().n_patches
    16
    """

    vocab_size: int
    block_size: int = 16
    image_size: int = 16
    patch: int = 4
    n_layer: int = 2
    n_head: int = 2
    d_model: int = 32
    d_embed: int = 32
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "d_embed"):
            check_int(name, getattr(self, name), minimum=1)
        self.vit_config()  # checks the other sizes

    def vit_config(self) -> ViTConfig:
        """The configuration of the image encoder's ViT (no head)."""
        return ViTConfig(
            image_size=self.image_size,
            patch=self.patch,
            n_layer=self.n_layer,
            n_head=self.n_head,
            d_model=self.d_model,
            n_classes=None,
            dropout=self.dropout,
        )


def tokenize_captions(
    texts: Sequence[str], vocab: WordVocab, block_size: int | None = None
) -> tuple[Tensor, Tensor]:
    """Word ids of each text, padded with 0 on the right, and each text's length.

    Words are split by :func:`~stepbytoken.text.words.split_words`; a word missing from the
    vocabulary becomes ``<unk>`` if it has one, and is dropped otherwise.

    Parameters
    ----------
    texts : sequence of str
        The captions or prompts, at least one.
    vocab : WordVocab
        The words the text encoder knows.
    block_size : int, optional
        Longest allowed text in ids; a longer one raises.

    Returns
    -------
    idx : Tensor
        ``(len(texts), T)`` int64, ``T`` the longest length.
    lengths : Tensor
        ``(len(texts),)`` int64, each >= 1.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, a text with no known word, or one longer than ``block_size``.

    Examples
    --------
    >>> vocab = WordVocab(["a", "red", "blue", "circle", "square"])
    >>> idx, lengths = tokenize_captions(["a red circle", "square"], vocab)
    >>> idx.tolist(), lengths.tolist()
    ([[0, 1, 3], [4, 0, 0]], [3, 1])

    Introduced in chapter 15.
    """
    texts = check_strings("texts", texts)
    check_instance("vocab", vocab, WordVocab)
    if block_size is not None:
        block_size = check_int("block_size", block_size, minimum=1)
    if not texts:
        raise ValueError("texts must hold at least one text")
    encoded = [vocab.encode(split_words(text)) for text in texts]
    for text, ids in zip(texts, encoded, strict=True):
        if not ids:
            raise ValueError(f"the text {text[:80]!r} has no word of the vocabulary")
        if block_size is not None and len(ids) > block_size:
            raise ValueError(
                f"the text {text[:80]!r} has {len(ids)} ids, more than "
                f"block_size={block_size}"
            )
    lengths = torch.tensor([len(ids) for ids in encoded])
    idx = torch.zeros(len(encoded), int(lengths.max()), dtype=torch.long)
    for row, ids in enumerate(encoded):
        idx[row, : len(ids)] = torch.tensor(ids)
    return idx, lengths


def _check_lengths(lengths: Tensor | None, idx: Tensor) -> Tensor:
    """``lengths`` checked against ``idx`` ``(B, T)``: ints in ``[1, T]``, full if None."""
    B, T = idx.shape
    if lengths is None:
        return torch.full((B,), T, dtype=torch.long, device=idx.device)
    check_tensor("lengths", lengths, dims=1, integer=True)
    if len(lengths) != B:
        raise ValueError(
            f"lengths must have one entry per text ({B}), got {len(lengths)}"
        )
    if B and (int(lengths.min()) < 1 or int(lengths.max()) > T):
        raise ValueError(
            f"lengths must be in [1, {T}] (the width of idx), got values from "
            f"{int(lengths.min())} to {int(lengths.max())}"
        )
    return lengths.to(idx.device)


class TextEncoder(nn.Module):
    """Texts ``idx (B, T)`` to vectors ``(B, d_embed)``: a bidirectional transformer, averaged.

    Word embedding plus learned positions, ``n_layer``
    :class:`~stepbytoken.nn.vit.EncoderBlock`\\ s that ignore the padding, a final LayerNorm,
    the mean over the text's tokens, and a linear projection without bias.

    Introduced in chapter 15.

    Examples
    --------
    >>> encoder = TextEncoder(CLIPConfig(vocab_size=10), seed=0)
    >>> encoder(torch.tensor([[1, 2, 3], [4, 0, 0]]), torch.tensor([3, 1])).shape
    torch.Size([2, 32])
    """

    def __init__(self, config: CLIPConfig, seed: int = 0) -> None:
        super().__init__()
        check_instance("config", config, CLIPConfig)
        seed = check_int("seed", seed, minimum=0)
        self.config = config
        C = config.d_model
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.wte = nn.Embedding(config.vocab_size, C)
            self.pos_embed = nn.Parameter(torch.randn(1, config.block_size, C) * 0.02)
            self.drop = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList(
                EncoderBlock(C, config.n_head, config.dropout)
                for _ in range(config.n_layer)
            )
            self.norm_f = nn.LayerNorm(C)
            self.proj = nn.Linear(C, config.d_embed, bias=False)

    def forward(self, idx: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Vectors ``(B, d_embed)`` (not normalised) of texts ``idx`` padded on the right.

        ``lengths`` ``(B,)`` says how many ids of each row are the text (all if None); the
        rest is padding, which no token attends to and the mean leaves out.
        """
        check_tensor("idx", idx, dims=2, integer=True)
        B, T = idx.shape
        if B == 0 or T == 0:
            raise ValueError(f"idx must hold at least one id, got shape {(B, T)}")
        if T > self.config.block_size:
            raise ValueError(
                f"texts of {T} ids are longer than block_size={self.config.block_size}"
            )
        check_token_ids("idx", idx, self.config.vocab_size)
        lengths = _check_lengths(lengths, idx)
        mask = torch.arange(T, device=idx.device)[None, :] < lengths[:, None]  # (B, T)
        x = self.drop(self.wte(idx.long()) + self.pos_embed[:, :T])  # (B, T, C)
        for block in self.blocks:
            x = block(x, mask=mask)
        x = self.norm_f(x)
        weights = mask.to(x.dtype)[:, :, None]  # (B, T, 1)
        pooled = (x * weights).sum(1) / weights.sum(1)  # (B, C)
        return self.proj(pooled)


class ImageEncoder(nn.Module):
    """Images ``(B, 3, H, W)`` to vectors ``(B, d_embed)``: a ViT's class token, projected.

    Introduced in chapter 15.

    Examples
    --------
    >>> encoder = ImageEncoder(CLIPConfig(vocab_size=10), seed=0)
    >>> encoder(torch.rand(2, 3, 16, 16)).shape
    torch.Size([2, 32])
    """

    def __init__(self, config: CLIPConfig, seed: int = 0) -> None:
        super().__init__()
        check_instance("config", config, CLIPConfig)
        seed = check_int("seed", seed, minimum=0)
        self.vit = ViT(config.vit_config(), seed=seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.proj = nn.Linear(config.d_model, config.d_embed, bias=False)

    def forward(
        self, images: Tensor, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """Vectors ``(B, d_embed)`` (not normalised); with the ViT's attention if asked."""
        return_attention = check_bool("return_attention", return_attention)
        if return_attention:
            features, maps = self.vit.features(images, return_attention=True)
            return self.proj(features), maps
        return self.proj(self.vit.features(images))


class CLIP(nn.Module):
    """An image encoder and a text encoder whose unit vectors are compared by cosine.

    ``model(images, idx, lengths)`` is the ``(B_img, B_txt)`` matrix of scaled cosine
    similarities (:meth:`similarity`); train it with
    :func:`~stepbytoken.training.contrastive.clip_loss` on matching pairs.

    Introduced in chapter 15.

    Parameters
    ----------
    config : CLIPConfig
        Sizes.
    seed : int, default 0
        Seed of the initialisation (the global random state is left as it was).

    Examples
    --------
    >>> model = CLIP(CLIPConfig(vocab_size=10), seed=0)
    >>> images = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    >>> logits = model(images, torch.tensor([[1, 2], [3, 0]]), torch.tensor([2, 1]))
    >>> logits.shape, round(model.scale.item(), 2)  # 1 / 0.07
    (torch.Size([3, 2]), 14.29)
    """

    def __init__(self, config: CLIPConfig, seed: int = 0) -> None:
        super().__init__()
        check_instance("config", config, CLIPConfig)
        seed = check_int("seed", seed, minimum=0)
        self.config = config
        self.image_encoder = ImageEncoder(config, seed=seed)
        self.text_encoder = TextEncoder(config, seed=seed)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(INITIAL_SCALE)))

    @property
    def scale(self) -> Tensor:
        """The factor on the cosine similarities, ``exp(logit_scale)`` clipped at 100."""
        return self.logit_scale.clamp(max=math.log(MAX_SCALE)).exp()

    def encode_images(self, images: Tensor) -> Tensor:
        """Unit vectors ``(B, d_embed)`` of images ``(B, 3, image_size, image_size)``.

        Introduced in chapter 15.
        """
        return F.normalize(self.image_encoder(images), dim=-1)

    def encode_texts(self, idx: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Unit vectors ``(B, d_embed)`` of texts (as :meth:`TextEncoder.forward` reads them).

        Introduced in chapter 15.
        """
        return F.normalize(self.text_encoder(idx, lengths), dim=-1)

    def similarity(
        self, images: Tensor, idx: Tensor, lengths: Tensor | None = None
    ) -> Tensor:
        """Scaled cosine similarity of every image with every text, ``(B_img, B_txt)``.

        Each entry lies in ``[-scale, scale]``.

        Introduced in chapter 15.
        """
        image_vectors = self.encode_images(images)  # (B_img, d_embed)
        text_vectors = self.encode_texts(idx, lengths)  # (B_txt, d_embed)
        return self.scale * image_vectors @ text_vectors.T

    def forward(
        self, images: Tensor, idx: Tensor, lengths: Tensor | None = None
    ) -> Tensor:
        """The similarity matrix ``(B_img, B_txt)``, as :meth:`similarity`."""
        return self.similarity(images, idx, lengths)


@torch.no_grad()
def zero_shot_classify(
    model: CLIP, images: Tensor, class_idx: Tensor, class_lengths: Tensor | None = None
) -> Tensor:
    """Label each image with the class whose description it is most similar to.

    Each class is described by one text, or by several (templates such as ``"a {}"`` and
    ``"a picture of a {}"``) whose unit vectors are averaged and normalised again, the
    ensembling of Radford et al. (2021, §3.1.4). The model's mode is left as it is.

    Parameters
    ----------
    model : CLIP
        The trained pair of encoders.
    images : Tensor
        ``(B, 3, image_size, image_size)``.
    class_idx : Tensor
        Word ids, ``(K, T)`` for one text per class or ``(K, M, T)`` for ``M`` per class.
    class_lengths : Tensor, optional
        ``(K,)`` or ``(K, M)`` lengths of the texts (:func:`tokenize_captions`); all ``T`` if
        None.

    Returns
    -------
    Tensor
        ``(B,)`` int64 class indices in ``[0, K)``.

    Raises
    ------
    TypeError, ValueError
        For a bad argument.

    Examples
    --------
    >>> model = CLIP(CLIPConfig(vocab_size=10), seed=0)
    >>> images = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    >>> classes = torch.tensor([[[1, 2], [1, 3]], [[4, 5], [4, 6]]])  # K=2, M=2, T=2
    >>> zero_shot_classify(model, images, classes).shape
    torch.Size([4])

    Introduced in chapter 15.
    """
    check_instance("model", model, CLIP)
    check_tensor("class_idx", class_idx, dims=(2, 3), integer=True)
    if class_idx.dim() == 2:
        class_idx = class_idx[:, None]  # (K, T) -> (K, 1, T)
        if class_lengths is not None:
            check_tensor("class_lengths", class_lengths, dims=1, integer=True)
            class_lengths = class_lengths[:, None]
    K, M, T = class_idx.shape
    if K == 0 or M == 0:
        raise ValueError(
            f"class_idx must describe at least one class, got shape {tuple(class_idx.shape)}"
        )
    if class_lengths is not None:
        check_tensor("class_lengths", class_lengths, dims=2, integer=True)
        if tuple(class_lengths.shape) != (K, M):
            raise ValueError(
                f"class_lengths must have shape {(K, M)} to match class_idx, "
                f"got {tuple(class_lengths.shape)}"
            )
        class_lengths = class_lengths.reshape(K * M)
    texts = model.encode_texts(class_idx.reshape(K * M, T), class_lengths)
    classes = F.normalize(texts.view(K, M, -1).mean(1), dim=-1)  # (K, d_embed)
    scores = model.encode_images(images) @ classes.T  # (B, K)
    return scores.argmax(dim=1)
