"""The book's reference model: a small GPT trained on the small world, shipped with the package.

Later chapters need a model that already knows the small world: one that writes its stories,
answers questions about its people and kingdoms, and confidently makes up answers about the
held-out ones it never read about. Training it takes minutes, too long for a book page, so the
package ships the result: three files in ``data/reference/``,

* ``model.safetensors``, the weights (saved with :func:`stepbytoken.artifacts.weights.save_weights`);
* ``tokenizer.json``, the byte-level BPE tokenizer it reads with;
* ``manifest.json``, which records how they were made (corpus hash, tokenizer settings, model
  and training configuration, final losses, fact accuracies, torch version) and the SHA-256
  of the two other files.

The SHA-256 of the manifest is pinned in this module (:data:`MANIFEST_SHA256`), so one
constant vouches for all three files: :func:`load_reference` checks the manifest against it,
then each file against the manifest, before parsing anything.

The recipe, :func:`train_reference`, is what ``python -m stepbytoken train reference`` runs:
world corpus -> BPE tokenizer -> token ids -> 5 % of the documents held out for validation ->
:class:`~stepbytoken.nn.gpt.GPT` -> :func:`~stepbytoken.training.loop.train` -> greedy answers to the
world's questions -> the three files. It is deterministic on the CPU (one thread).

Introduced in chapter 1.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts.weights import file_sha256, load_weights, save_weights
from stepbytoken.nn import GPT, GPTConfig, count_parameters
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import TrainConfig, train
from stepbytoken.world import DOC_SEPARATOR, World, make_world

__all__ = [
    "MANIFEST_SHA256",
    "RECIPE_COMMAND",
    "REFERENCE_DIR",
    "Reference",
    "answer_questions",
    "fact_accuracy",
    "load_reference",
    "reference_corpus",
    "reference_settings",
    "train_reference",
]

#: Folder of the shipped reference model inside the package.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other two files).
MANIFEST_SHA256 = "5f514abe6aea95e2eb95a731fc0e20674af4f449de848cc2902c090328da947c"

#: The command that rebuilds the shipped files.
RECIPE_COMMAND = "python -m stepbytoken train reference"

MODEL_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "stepbytoken-reference"
MANIFEST_VERSION = 1

# ---------------------------------------------------------------------------------------------
# The recipe's settings: change one, rerun the recipe, and pin the new MANIFEST_SHA256.
# ---------------------------------------------------------------------------------------------

WORLD_SEED = 0
# World.corpus() arguments: the default corpus with 3x the facts documents and question/answer
# documents (2500 each instead of 1250 and 833), so that facts make up 44 % of the tokens
# instead of 25 %, and the model learns them within minutes.
CORPUS_ARGS: dict[str, int] = {"n_stories": 5000, "n_facts": 2500, "n_qa": 2500, "seed": 0}
NUM_MERGES = 1024
VAL_EVERY = 20  # every 20th document (5 %) is held out for validation
MODEL_SEED = 0
NUM_THREADS = 1  # on a busy 2-core machine, one thread ran 4x faster than two
MODEL_ARGS: dict[str, Any] = {
    "block_size": 128,
    "n_layer": 4,
    "n_head": 4,
    "d_model": 128,
    "positions": "learned",
    "tie_weights": True,
}
TRAIN_ARGS: dict[str, Any] = {
    "steps": 3000,
    "batch_size": 16,
    "lr": 3e-3,
    "warmup_steps": 100,
    "min_lr": 2e-4,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 250,
    "eval_batches": 5,
    "seed": 0,
}
MAX_ANSWER_TOKENS = 8


def reference_settings() -> dict[str, Any]:
    """The settings of the recipe, as plain JSON-ready values.

    Introduced in chapter 1.

    Returns
    -------
    dict
        ``world_seed``, ``corpus_args``, ``num_merges``, ``val_every``, ``model_seed``,
        ``num_threads``, ``model_args`` (GPTConfig fields other than ``vocab_size``, which
        comes from the tokenizer) and ``train_args`` (TrainConfig fields).

    Examples
    --------
    >>> settings = reference_settings()
    >>> settings["model_args"]["block_size"], settings["num_merges"]
    (128, 1024)
    """
    return {
        "world_seed": WORLD_SEED,
        "corpus_args": dict(CORPUS_ARGS),
        "num_merges": NUM_MERGES,
        "val_every": VAL_EVERY,
        "model_seed": MODEL_SEED,
        "num_threads": NUM_THREADS,
        "model_args": dict(MODEL_ARGS),
        "train_args": dict(TRAIN_ARGS),
    }


def _world() -> World:
    return make_world(WORLD_SEED)


def _documents() -> list[str]:
    return _world().documents(**CORPUS_ARGS)


def reference_corpus() -> str:
    """The exact text the reference model is trained on (before the validation split).

    The small world's corpus with more facts in it: ``make_world(0).corpus(n_stories=5000,
    n_facts=2500, n_qa=2500, seed=0)``, about 2.7 MB, documents joined by
    ``"\\n<|endoftext|>\\n"``. It has the stories, patterns and arithmetic of the default
    corpus (:meth:`~stepbytoken.world.world.World.corpus`) and twice or three times as many facts
    and question/answer documents. Every 20th document is held out for validation by the recipe.

    Introduced in chapter 1.

    Returns
    -------
    str
        The corpus; its SHA-256 is recorded in the manifest as ``corpus.sha256``.

    Examples
    --------
    >>> text = reference_corpus()
    >>> world = make_world(0)
    >>> text == world.corpus(n_stories=5000, n_facts=2500, n_qa=2500, seed=0)
    True
    >>> text.count(DOC_SEPARATOR) + 1  # documents: 5000 stories, 2500 + 2500, 200 + 625
    10825
    """
    return f"\n{DOC_SEPARATOR}\n".join(_documents())


# ---------------------------------------------------------------------------------------------
# Asking the world's questions
# ---------------------------------------------------------------------------------------------


def _check_model_and_tokenizer(model: object, tokenizer: object) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}")


def _question_prompt(question: str) -> str:
    """The corpus's question/answer format, at the start of a document, up to the answer."""
    return f"{DOC_SEPARATOR}\nQ: {question}\nA:"


@torch.no_grad()
def answer_questions(
    model: torch.nn.Module,
    tokenizer: BPETokenizer,
    questions: list[str],
    *,
    max_new_tokens: int = MAX_ANSWER_TOKENS,
) -> list[str]:
    """The model's greedy answers to questions asked in the corpus's ``Q: ... A:`` format.

    Each question is written as a new document, ``"<|endoftext|>\\nQ: {question}\\nA:"``; the
    model continues it greedily for up to ``max_new_tokens`` tokens, and the answer is the
    text up to the first newline (or document separator), stripped. Questions whose prompts
    have the same number of tokens are answered together in one batch.

    Introduced in chapter 1.

    Parameters
    ----------
    model : torch.nn.Module
        A model mapping ``(B, T)`` ids to ``(logits, loss)``, e.g. the reference GPT.
    tokenizer : BPETokenizer
        The tokenizer the model was trained with (it must know ``"<|endoftext|>"``).
    questions : list of str
        Questions such as ``"What is the capital of Varnia?"``.
    max_new_tokens : int, default 8
        Most tokens generated per answer (>= 1).

    Returns
    -------
    list of str
        One answer per question, in order.

    Raises
    ------
    TypeError, ValueError
        For a wrong model or tokenizer type, questions that are not strings, or a bad
        ``max_new_tokens``.

    Examples
    --------
    >>> ref = load_reference()
    >>> world = make_world(0)
    >>> question, answer = world.questions("train")[0]
    >>> answer_questions(ref.model, ref.tokenizer, [question]) == [answer]
    True
    """
    from stepbytoken.generation import generate

    _check_model_and_tokenizer(model, tokenizer)
    if isinstance(questions, str) or not all(isinstance(q, str) for q in questions):
        raise TypeError("questions must be a list of strings")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int):
        raise TypeError(f"max_new_tokens must be an int >= 1, got {type(max_new_tokens).__name__}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be an int >= 1, got {max_new_tokens}")
    prompts = [tokenizer.encode(_question_prompt(q)) for q in questions]
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(prompts):
        by_length.setdefault(len(ids), []).append(i)
    answers = [""] * len(questions)
    for length, rows in by_length.items():
        idx = torch.tensor([prompts[i] for i in rows])  # (B, T)
        out = generate(model, idx, max_new_tokens, greedy=True)  # (B, T + max_new_tokens)
        for i, new in zip(rows, out[:, length:].tolist(), strict=True):
            text = tokenizer.decode(new).split(DOC_SEPARATOR)[0]
            answers[i] = text.split("\n")[0].strip()
    return answers


def fact_accuracy(
    model: torch.nn.Module,
    tokenizer: BPETokenizer,
    pairs: list[tuple[str, str]],
    *,
    max_new_tokens: int = MAX_ANSWER_TOKENS,
) -> float:
    """The fraction of ``(question, answer)`` pairs that the model answers exactly.

    Answers come from :func:`answer_questions` (greedy); a pair counts when the answer equals
    the expected one exactly.

    Introduced in chapter 1.

    Parameters
    ----------
    model, tokenizer, max_new_tokens
        As for :func:`answer_questions`.
    pairs : list of (str, str)
        Questions with their answers, e.g. ``make_world(0).questions("train")``.

    Returns
    -------
    float
        Exact-match accuracy in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``pairs`` is empty.

    Examples
    --------
    >>> ref = load_reference()
    >>> fact_accuracy(ref.model, ref.tokenizer, make_world(0).questions("train")[:10]) >= 0.5
    True
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must hold at least one (question, answer) pair")
    answers = answer_questions(
        model, tokenizer, [q for q, _ in pairs], max_new_tokens=max_new_tokens
    )
    return sum(a == expected for a, (_, expected) in zip(answers, pairs, strict=True)) / len(pairs)


# ---------------------------------------------------------------------------------------------
# The recipe
# ---------------------------------------------------------------------------------------------


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def train_reference(
    out_dir: str | PathLike[str], *, steps: int | None = None, progress: bool = True
) -> dict[str, Any]:
    """Train the reference model from scratch and write its three files to ``out_dir``.

    The recipe: build the corpus (:func:`reference_corpus`); train a BPE tokenizer on it with
    ``NUM_MERGES`` merges and the special token ``"<|endoftext|>"``; hold out every 20th
    document for validation and encode both parts; build a :class:`~stepbytoken.nn.gpt.GPT`
    with the fixed seed; train it with AdamW, warm-up and cosine decay
    (:func:`~stepbytoken.training.loop.train`) on ``NUM_THREADS`` CPU threads; measure the greedy
    exact-match accuracy on the world's training and held-out questions; write
    ``model.safetensors``, ``tokenizer.json`` and ``manifest.json``.

    Introduced in chapter 1.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; the three files in it are overwritten).
    steps : int, optional
        Number of training steps; None uses the recipe's (``TRAIN_ARGS["steps"]``). A few
        steps make a quick end-to-end check; warm-up and evaluation shrink to fit.
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    dict
        The manifest that was written. Its SHA-256 is that of ``manifest.json``; pin it as
        :data:`MANIFEST_SHA256` to ship the files.

    Raises
    ------
    ValueError, TypeError
        If ``steps`` is not a positive int.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:  # doctest: +SKIP
    ...     manifest = train_reference(d, steps=3, progress=False)
    >>> manifest["results"]["steps"]  # doctest: +SKIP
    3
    """
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise TypeError(f"steps must be a positive int (or None), got {type(steps).__name__}")
        if steps < 1:
            raise ValueError(f"steps must be a positive int (or None), got {steps}")
        train_args["steps"] = steps
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    # 1. The corpus, the tokenizer, and the token ids of the training and validation documents.
    world = _world()
    documents = _documents()
    corpus = f"\n{DOC_SEPARATOR}\n".join(documents)
    tokenizer = BPETokenizer.train(corpus, NUM_MERGES, special_tokens=[DOC_SEPARATOR])
    val_docs = documents[VAL_EVERY - 1 :: VAL_EVERY]
    train_docs = [d for i, d in enumerate(documents) if i % VAL_EVERY != VAL_EVERY - 1]
    train_data = torch.tensor(tokenizer.encode(f"\n{DOC_SEPARATOR}\n".join(train_docs)))
    val_data = torch.tensor(tokenizer.encode(f"\n{DOC_SEPARATOR}\n".join(val_docs)))

    # 2. The model and its training, on a fixed number of threads.
    config = GPTConfig(vocab_size=tokenizer.vocab_size, **MODEL_ARGS)
    train_config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        model = GPT(config, seed=MODEL_SEED)
        result = train(model, train_data, val_data, train_config, progress=progress)
        model.eval()
        train_accuracy = fact_accuracy(model, tokenizer, world.questions("train"))
        heldout_accuracy = fact_accuracy(model, tokenizer, world.questions("heldout"))
    finally:
        torch.set_num_threads(threads)

    # 3. The files: weights and tokenizer first, then the manifest that vouches for them.
    model_sha256 = save_weights(model, out_dir / MODEL_FILE)
    tokenizer.save(out_dir / TOKENIZER_FILE)
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "recipe": RECIPE_COMMAND + ("" if steps is None else f" --steps {steps}"),
        "files": {
            MODEL_FILE: {
                "sha256": model_sha256,
                "bytes": (out_dir / MODEL_FILE).stat().st_size,
            },
            TOKENIZER_FILE: {
                "sha256": file_sha256(out_dir / TOKENIZER_FILE),
                "bytes": (out_dir / TOKENIZER_FILE).stat().st_size,
            },
        },
        "corpus": {
            "world_seed": WORLD_SEED,
            "args": dict(CORPUS_ARGS),
            "sha256": _sha256_text(corpus),
            "chars": len(corpus),
            "documents": len(documents),
            "val_every": VAL_EVERY,
            "val_documents": len(val_docs),
            "train_tokens": int(train_data.numel()),
            "val_tokens": int(val_data.numel()),
        },
        "tokenizer": {
            "num_merges": NUM_MERGES,
            "special_tokens": [DOC_SEPARATOR],
            "vocab_size": tokenizer.vocab_size,
        },
        "model": dataclasses.asdict(config),
        "model_seed": MODEL_SEED,
        "parameters": count_parameters(model),
        "training": {**dataclasses.asdict(train_config), "num_threads": NUM_THREADS},
        "results": {
            "steps": train_config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
            "eval_steps": list(result.eval_steps),
            "eval_train_loss": [round(x, 4) for x in result.eval_train_loss],
            "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
            "training_time_s": round(result.elapsed_s, 1),
            "train_fact_accuracy": round(train_accuracy, 4),
            "heldout_fact_accuracy": round(heldout_accuracy, 4),
            "train_questions": len(world.questions("train")),
            "heldout_questions": len(world.questions("heldout")),
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    data = _manifest_bytes(manifest)
    (out_dir / MANIFEST_FILE).write_bytes(data)
    return json.loads(data)  # exactly what the file holds (tuples become lists)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The loaded reference model, with what it needs to be used.

    Introduced in chapter 1.

    Attributes
    ----------
    model : GPT
        The trained model, in eval mode. The cached copy returned by :func:`load_reference` is
        shared: ``copy.deepcopy`` it before changing its weights.
    tokenizer : BPETokenizer
        Its tokenizer (``"<|endoftext|>"`` is a special token).
    config : GPTConfig
        The model's configuration.
    manifest : dict
        The contents of ``manifest.json``: how the model was made and how well it did.

    Examples
    --------
    >>> ref = load_reference()
    >>> ref.config.vocab_size == ref.tokenizer.vocab_size == ref.manifest["model"]["vocab_size"]
    True
    """

    model: GPT
    tokenizer: BPETokenizer
    config: GPTConfig
    manifest: dict[str, Any]


def _missing(path: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"reference model file not found: {path}; rebuild the files with `{RECIPE_COMMAND}`"
    )


def _checked_bytes(path: Path, expected: str, what: str) -> bytes:
    if not path.is_file():
        raise _missing(path)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{path} has sha256 {actual}, expected {expected} ({what}): "
            "the file is corrupted or was changed"
        )
    return data


def _load(directory: Path, manifest_sha256: str) -> Reference:
    manifest_path = directory / MANIFEST_FILE
    data = _checked_bytes(manifest_path, manifest_sha256, "pinned as MANIFEST_SHA256")
    manifest = json.loads(data)
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("version") != MANIFEST_VERSION:
        raise ValueError(
            f"{manifest_path} is not a version-{MANIFEST_VERSION} {MANIFEST_FORMAT} manifest"
        )
    files = manifest["files"]
    # Parse the very bytes that were checked, so the file cannot change in between.
    tokenizer_bytes = _checked_bytes(
        directory / TOKENIZER_FILE, files[TOKENIZER_FILE]["sha256"], "recorded in the manifest"
    )
    tokenizer = BPETokenizer.from_dict(json.loads(tokenizer_bytes))
    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise _missing(model_path)
    state = load_weights(model_path, sha256=files[MODEL_FILE]["sha256"])
    config = GPTConfig(**manifest["model"])
    if config.vocab_size != tokenizer.vocab_size:
        raise ValueError(
            f"the manifest's vocab_size {config.vocab_size} differs from the tokenizer's "
            f"{tokenizer.vocab_size}"
        )
    model = GPT(config, seed=0)
    model.load_state_dict(state, strict=True)
    model.eval()
    return Reference(model=model, tokenizer=tokenizer, config=config, manifest=manifest)


_CACHE: list[Reference] = []  # the shipped model, once loaded


def load_reference(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Reference:
    """Load the shipped reference model, checking the SHA-256 of every file first.

    The manifest must match :data:`MANIFEST_SHA256` (or ``manifest_sha256``), and the weights
    and tokenizer must match the hashes the manifest records; only then are they parsed (the
    weights by safetensors, never by pickle). The shipped model is cached: later calls without
    arguments return the same :class:`Reference` without reading the files again.

    Introduced in chapter 1.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder holding the three files; the package's :data:`REFERENCE_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default
        (e.g. pass the hash of a manifest that :func:`train_reference` just wrote).

    Returns
    -------
    Reference
        The model (eval mode), tokenizer, config and manifest.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a file's SHA-256 differs from the expected one (corrupted or changed), or the
        manifest does not describe a reference model.

    Examples
    --------
    >>> ref = load_reference()
    >>> ref.model.training, ref.manifest["results"]["train_fact_accuracy"] > 0.5
    (False, True)
    >>> load_reference() is ref  # cached
    True
    """
    directory = REFERENCE_DIR if directory is None else Path(directory)
    expected = MANIFEST_SHA256 if manifest_sha256 is None else manifest_sha256
    if not isinstance(expected, str) or len(expected) != 64:
        raise ValueError(f"manifest_sha256 must be 64 hex digits, got {expected!r}")
    if directory != REFERENCE_DIR or expected != MANIFEST_SHA256:  # a folder of one's own
        return _load(directory, expected.lower())
    if not _CACHE:
        _CACHE.append(_load(directory, expected.lower()))
    return _CACHE[0]
