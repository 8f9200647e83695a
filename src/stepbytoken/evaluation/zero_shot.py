"""Zero-shot classification measured: the share of pictures a CLIP pair labels right.

:func:`zero_shot_accuracy` describes each class with one or more prompt templates
(``"a {}"`` with the class name in place of ``{}``) and counts how often a picture is most
similar to its own class's description (:func:`~stepbytoken.nn.clip.zero_shot_classify`);
:func:`every_place_templates` spells out every size and position of the picture generator,
an ensemble of templates shaped like its captions.

Introduced in chapter 15.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from stepbytoken.checks import check_instance, check_strings, check_tensor
from stepbytoken.nn.clip import CLIP, tokenize_captions, zero_shot_classify
from stepbytoken.tokenizers.vocab import WordVocab
from stepbytoken.world.images import POSITIONS, SIZES, ImageSpec, caption

__all__ = ["every_place_templates", "zero_shot_accuracy"]


@torch.no_grad()
def zero_shot_accuracy(
    clip: CLIP,
    vocab: WordVocab,
    images: torch.Tensor,
    labels: torch.Tensor,
    names: Sequence[str],
    templates: Sequence[str],
) -> float:
    """Share of ``images`` whose most similar class prompt is the right one.

    Class ``k`` is described by ``template.format(names[k])`` for every template; several
    templates are averaged (:func:`~stepbytoken.nn.clip.zero_shot_classify`).

    Examples
    --------
    >>> from stepbytoken.nn.clip import CLIPConfig
    >>> from stepbytoken.world.images import make_dataset
    >>> data = make_dataset(6, seed=0)
    >>> vocab = WordVocab(sorted({w for c in data.captions for w in c.split()}))
    >>> clip = CLIP(CLIPConfig(vocab_size=len(vocab)), seed=0).eval()  # untrained
    >>> accuracy = zero_shot_accuracy(clip, vocab, data.images, data.attribute("size"),
    ...                               ["small", "large"], ["a {}", "a {} ring"])
    >>> 0.0 <= accuracy <= 1.0
    True

    Introduced in chapter 15.
    """
    check_instance("clip", clip, CLIP)
    check_instance("vocab", vocab, WordVocab)
    check_tensor("images", images, dims=4, integer=False)
    check_tensor("labels", labels, dims=1, integer=True)
    names = check_strings("names", names, allow_empty=False)
    templates = check_strings("templates", templates, allow_empty=False)
    if not names or not templates:
        raise ValueError("names and templates must each hold at least one string")
    if any("{}" not in t for t in templates):
        raise ValueError(f"every template must contain '{{}}', got {templates!r}")
    if len(labels) != len(images):
        raise ValueError(
            f"labels must have one entry per image ({len(images)}), got {len(labels)}"
        )
    texts = [t.format(name) for name in names for t in templates]
    idx, lengths = tokenize_captions(texts, vocab, clip.config.block_size)
    K, M = len(names), len(templates)
    predicted = zero_shot_classify(clip, images, idx.view(K, M, -1), lengths.view(K, M))
    return (predicted == labels).float().mean().item()


def every_place_templates() -> list[str]:
    """The ten templates ``"a {size} {} at the {position}"``: an ensemble of every place.

    Examples
    --------
    >>> every_place_templates()[:2]
    ['a small {} at the top left', 'a small {} at the top right']

    Introduced in chapter 15.
    """
    return [
        caption(ImageSpec("circle", "red", size, place)).replace("red circle", "{}")
        for size in SIZES
        for place in POSITIONS
    ]
