"""A sparse autoencoder on the reference model's MLP: ``python -m stepbytoken train sae``.

Chapter 20 opens up the reference model. This recipe records the output of the MLP of block
:data:`LAYER` (what it adds to the residual stream, ``d_model = 128`` numbers per token) on
random windows of the reference model's training text, and trains a
:class:`~stepbytoken.nn.sae.SparseAutoencoder` of :data:`D_DICT` features on them (Adam,
decoder columns renormalised after every step). It then reads held-out documents, labels
every token with the world's ground truth (:mod:`~stepbytoken.evaluation.token_labels`: the
category of its word, the kind of document) and measures the dictionary
(:mod:`~stepbytoken.evaluation.dictionary`): L0, unexplained variance, dead features, loss
recovered, and, for every label, the feature whose firing matches it best (F1 of "active"
against the label) and the best AUROC of any feature and of any MLP neuron of the block.
It keeps the top-activating contexts of those features and of the
block's most mixed neurons for the chapter's feature browser.

The package ships the result in ``data/sae/``: ``sae.safetensors``, ``results.json`` and
``manifest.json``, with ``timing.json``. :func:`load_sae` checks the files against
:data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 20.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import Tensor

from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_MANIFEST_SHA256
from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.activations import mlp_activations
from stepbytoken.evaluation.dictionary import auroc, loss_recovered, sae_stats
from stepbytoken.evaluation.token_labels import CATEGORIES, label_tokens
from stepbytoken.nn import GPT
from stepbytoken.nn.sae import SparseAutoencoder, sae_loss
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import (
    CORPUS_ARGS,
    NUM_THREADS,
    VAL_EVERY,
    WORLD_SEED,
    reference_token_ids,
)
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOCUMENT_KINDS, make_world

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SAE_DIR",
    "SAE_SPEC",
    "SAEArtifact",
    "add_arguments",
    "heldout_documents",
    "load_sae",
    "run",
    "train_sae",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train sae"
HELP = (
    "train a sparse autoencoder on the reference model's MLP output (minutes on a CPU)"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "sae"

#: Folder of the shipped artifact inside the package.
SAE_DIR = Path(__file__).resolve().parent.parent / "data" / "sae"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "8aceb2c8558f37370744563279a007f1791429c1e702a13fc9765365a42e6739"

SAE_FILE = "sae.safetensors"
RESULTS_FILE = "results.json"

#: What the artifact holds.
SAE_SPEC = ArtifactSpec(
    "stepbytoken-sae", 1, (SAE_FILE, RESULTS_FILE), "python -m stepbytoken train sae"
)

# The recipe's settings: change one, rerun the recipe, and pin the new MANIFEST_SHA256.
LAYER = 2  # the third of the reference model's four blocks
D_DICT = 1024  # 8 features per dimension of the MLP output
L1 = 1.5
STEPS = 2000
BATCH_SIZE = 512
LR = 1e-3
SEED = 0
N_WINDOWS = 1024  # training windows of 128 tokens: 131,072 activation vectors
N_EVAL_DOCS = 300  # held-out documents read for the measurements
TOP_CONTEXTS = 8  # contexts kept per feature or neuron
CONTEXT_BEFORE, CONTEXT_AFTER = 12, 3  # tokens shown around the top token

#: The recipe's stages, as its progress bar names them.
STAGES = ("activations", "training", "measurements", "files")


class SAEArtifact(NamedTuple):
    """The shipped sparse autoencoder and what the recipe measured with it.

    Fields:
        sae: the autoencoder, in eval mode.
        layer: the block of the reference model whose MLP output it reads.
        results: ``results.json``: ``stats``, ``loss``, ``labels`` (per label the best
        feature and neuron), ``features`` and ``neurons`` (top contexts).
        manifest: the manifest, with the timing merged into ``results``.
    """

    sae: SparseAutoencoder
    layer: int
    results: dict[str, Any]
    manifest: dict[str, Any]


def heldout_documents(n: int = N_EVAL_DOCS) -> list[tuple[str, str]]:
    """The first ``n`` held-out documents of the reference corpus, as ``(kind, text)``.

    The reference recipe holds out every :data:`VAL_EVERY`-th document; the reference model
    never trained on these.

    Introduced in chapter 20.

    Examples
    --------
    >>> docs = heldout_documents(3)
    >>> [kind for kind, _ in docs]
    ['facts', 'story', 'facts']
    """
    n = check_int("n", n, minimum=1)
    docs = make_world(WORLD_SEED).labelled_documents(**CORPUS_ARGS)
    return [(d.kind, d.text) for d in docs[VAL_EVERY - 1 :: VAL_EVERY][:n]]


def _context(
    tokens: list[str], doc_start: int, doc_end: int, at: int, value: float
) -> dict:
    start = max(doc_start, at - CONTEXT_BEFORE)
    end = min(doc_end, at + CONTEXT_AFTER + 1)
    return {
        "before": "".join(tokens[start:at]),
        "token": tokens[at],
        "after": "".join(tokens[at + 1 : end]),
        "value": round(value, 3),
    }


def _top_contexts(
    acts: Tensor, tokens: list[str], bounds: Tensor, unit: int
) -> list[dict]:
    values, rows = acts[:, unit].topk(TOP_CONTEXTS)
    return [
        _context(tokens, int(bounds[r, 0]), int(bounds[r, 1]), int(r), float(v))
        for v, r in zip(values, rows, strict=True)
    ]


def _read_heldout(
    model: GPT, tokenizer: BPETokenizer, sae: SparseAutoencoder
) -> dict[str, Any]:
    """Run the model over held-out documents; return activations, labels and tokens."""
    out, hidden, tokens, words, kinds, bounds = [], [], [], [], [], []
    for kind, text in heldout_documents(N_EVAL_DOCS):
        ids, labels = label_tokens(tokenizer, text)
        ids, labels = ids[: model.config.block_size], labels[: model.config.block_size]
        idx = torch.tensor([ids])
        start = len(tokens)
        out.append(mlp_activations(model, idx, LAYER, "out")[0])
        hidden.append(mlp_activations(model, idx, LAYER, "hidden")[0])
        tokens += [tokenizer.decode([i]) for i in ids]
        words += labels
        kinds += [kind] * len(ids)
        bounds += [(start, len(tokens))] * len(ids)
    x = torch.cat(out)
    with torch.no_grad():
        features = sae.encode(x)
    names = [*CATEGORIES, *(f"{k} document" for k in DOCUMENT_KINDS)]
    label_matrix = torch.tensor(
        [[w == c for c in CATEGORIES] + [k == d for d in DOCUMENT_KINDS]
         for w, k in zip(words, kinds, strict=True)]
    )  # fmt: skip
    return {
        "x": x,
        "features": features,
        "neurons": torch.cat(hidden),
        "tokens": tokens,
        "words": words,
        "bounds": torch.tensor(bounds),
        "labels": label_matrix,
        "label_names": names,
    }


def _measure(model: GPT, sae: SparseAutoencoder, val_ids: Tensor, data: dict) -> dict:
    """The results: stats, loss recovered, best units per label, top contexts."""
    stats = sae_stats(sae, data["x"])
    windows = val_ids[: 32 * 128].view(32, 128)
    loss = loss_recovered(model, sae, LAYER, windows)
    features, neurons = data["features"], data["neurons"]
    counts = data["labels"].sum(0)
    keep = (counts > 0) & (
        counts < data["labels"].shape[0]
    )  # labels seen, not everywhere
    positive = data["labels"][:, keep]  # (N, n_labels)
    names = [n for n, k in zip(data["label_names"], keep.tolist(), strict=True) if k]
    feature_auc = auroc(features, positive)  # (D_DICT, n_labels)
    neuron_auc = auroc(neurons, positive)
    active = (features > 0).float()
    true_pos = active.T @ positive.float()  # (D_DICT, n_labels)
    precision = true_pos / active.sum(0).clamp_min(1.0)[:, None]
    recall = true_pos / positive.sum(0)[None]
    f1 = 2 * precision * recall / (precision + recall).clamp_min(1e-12)
    labels, chosen = {}, []
    for j, name in enumerate(names):
        best = int(f1[:, j].argmax())  # the feature that fires where the label is
        labels[name] = {
            "tokens": int(positive[:, j].sum()),
            "feature": best,
            "feature_precision": round(float(precision[best, j]), 4),
            "feature_recall": round(float(recall[best, j]), 4),
            "feature_f1": round(float(f1[best, j]), 4),
            "feature_auroc": round(float(feature_auc[best, j]), 4),
            "best_feature_auroc": round(float(feature_auc[:, j].max()), 4),
            "neuron": int(neuron_auc[:, j].argmax()),
            "neuron_auroc": round(float(neuron_auc[:, j].max()), 4),
        }
        if name in CATEGORIES and best not in chosen:
            chosen.append(best)
    # the neurons whose top contexts span the most categories of word
    words = data["words"]
    spans = []
    for unit in range(neurons.shape[1]):
        rows = neurons[:, unit].topk(20).indices.tolist()
        spans.append(len({words[r] or "other" for r in rows}))
    mixed = sorted(range(len(spans)), key=lambda u: (-spans[u], u))[:4]
    tokens, bounds = data["tokens"], data["bounds"]
    return {
        "stats": {
            "d_in": sae.d_in,
            "d_dict": sae.d_dict,
            "l0": round(stats.l0, 3),
            "fvu": round(stats.fvu, 4),
            "dead_fraction": round(stats.dead_fraction, 4),
            "eval_tokens": len(tokens),
        },
        "loss": {k: round(v, 4) for k, v in loss._asdict().items()},
        "labels": labels,
        "features": {
            str(f): _top_contexts(features, tokens, bounds, f) for f in chosen
        },
        "neurons": {
            str(u): {
                "categories": spans[u],
                "contexts": _top_contexts(neurons, tokens, bounds, u),
            }
            for u in mixed
        },
        "neuron_categories": spans,
    }


def train_sae(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Record the MLP output of block :data:`LAYER`, train the SAE, measure it, write it.

    Introduced in chapter 20.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps; None uses :data:`STEPS`.
    progress : bool, default True
        Show progress bars.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    steps = STEPS if steps is None else check_int("steps", steps, minimum=1)
    check_bool("progress", progress)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            out_dir.mkdir(parents=True, exist_ok=True)
            stage("activations")
            reference = load_reference()
            model, tokenizer = reference.model, reference.tokenizer
            train_ids, val_ids = reference_token_ids(tokenizer)
            generator = torch.Generator().manual_seed(SEED)
            T = model.config.block_size
            starts = torch.randint(
                0, train_ids.numel() - T, (N_WINDOWS,), generator=generator
            )
            windows = torch.stack([train_ids[s : s + T] for s in starts.tolist()])
            x = torch.cat(
                [
                    mlp_activations(model, windows[i : i + 64], LAYER).flatten(0, 1)
                    for i in range(0, N_WINDOWS, 64)
                ]
            )

            stage("training")
            start = time.perf_counter()
            cpu_start = time.process_time()
            sae = SparseAutoencoder(model.config.d_model, D_DICT, seed=SEED)
            optimizer = torch.optim.Adam(sae.parameters(), lr=LR)
            for _ in range(steps):
                rows = torch.randint(0, x.shape[0], (BATCH_SIZE,), generator=generator)
                batch = x[rows]
                x_hat, f = sae(batch)
                loss = sae_loss(batch, x_hat, f, L1).loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                sae.normalize_decoder()
            sae.eval()
            elapsed = time.perf_counter() - start
            cpu_s = time.process_time() - cpu_start

            stage("measurements")
            results = _measure(
                model, sae, val_ids, _read_heldout(model, tokenizer, sae)
            )
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "settings": {
            "layer": LAYER,
            "site": "mlp output",
            "d_dict": D_DICT,
            "l1": L1,
            "steps": steps,
            "batch_size": BATCH_SIZE,
            "lr": LR,
            "seed": SEED,
            "windows": N_WINDOWS,
            "eval_docs": N_EVAL_DOCS,
            "num_threads": NUM_THREADS,
        },
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "results": {
            **results["stats"],
            **{f"loss_{k}": v for k, v in results["loss"].items()},
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {"training_time_s": round(elapsed, 1), "training_cpu_s": round(cpu_s, 1)}

    def write_results(path: Path) -> None:
        path.write_text(json.dumps(results, sort_keys=True) + "\n", encoding="utf-8")

    recipe = recorded_command(SAE_SPEC.command, steps=steps, default_steps=STEPS)
    manifest = write_artifact(
        out_dir,
        SAE_SPEC,
        {SAE_FILE: lambda path: save_weights(sae, path), RESULTS_FILE: write_results},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_sae(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> SAEArtifact:
    """Load the shipped sparse autoencoder, checking the SHA-256 of its files first.

    Introduced in chapter 20.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_sae`; :data:`SAE_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> shipped = load_sae()
    >>> shipped.layer, shipped.sae.d_in, shipped.sae.d_dict
    (2, 128, 1024)
    """
    directory, manifest, files = load_shipped(
        SAE_SPEC, SAE_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    if manifest["reference_manifest_sha256"] != REFERENCE_MANIFEST_SHA256:
        raise ValueError(
            f"the autoencoder in {directory} was trained on another reference model than "
            f"the shipped one; rebuild it with `{SAE_SPEC.command}`"
        )
    settings = manifest["settings"]
    state = parse_weights(files[SAE_FILE], source=directory / SAE_FILE)
    sae = SparseAutoencoder(state["W_dec"].shape[0], settings["d_dict"])
    sae.load_state_dict(state)
    results = json.loads(files[RESULTS_FILE].decode("utf-8"))
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return SAEArtifact(sae.eval(), settings["layer"], results, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, STEPS)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, measure, write the files, print the main numbers and the manifest's SHA-256."""
    out = output_path(args)
    manifest = train_sae(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['d_dict']} features, L0 {results['l0']:.1f}, unexplained variance "
        f"{results['fvu']:.1%}, dead {results['dead_fraction']:.1%}, loss recovered "
        f"{results['loss_recovered']:.1%} ({results['training_time_s']:.0f} s)"
    )
    report_manifest(out, MANIFEST_SHA256, SAE_DIR, "sae")
    return 0
