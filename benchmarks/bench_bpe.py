"""Benchmark BPE training: incremental vs naive vs the `tokenizers` library (chapter 2).

Trains the same number of merges on the same ~1 MB of English text three ways and prints the
times as a table:

- ``incremental``: :meth:`stepbytoken.tokenizers.BPETokenizer.train`, which after each merge
  only revisits the chunks that contained the merged pair;
- ``naive``: :func:`stepbytoken.tokenizers.train_naive`, which recounts every pair of every
  distinct chunk after each merge (same counts, same tie-break, same merges);
- ``tokenizers``: Hugging Face's Rust BPE trainer with a ByteLevel pre-tokenizer, no
  normalizer, ``vocab_size = 256 + merges``, single-threaded (``RAYON_NUM_THREADS=1``).

Each time includes pre-tokenization of the text.

Encoding throughput (``--encode``): the incremental trainer's tokenizer encodes text it was not
trained on, and so does a ``tokenizers`` tokenizer built from *the same merges* (the same
vocabulary, the same pre-tokenization regex, no normalizer): both must give the same ids, and
the table shows megabytes per second for each, each from a fresh tokenizer (cold caches).
Usage::

    python benchmarks/bench_bpe.py [--merges 1000] [--bytes 1000000] [--text FILE] [--encode]

``run(quick)`` returns the figures for ``run_all.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence


def load_text(path: str | None, n_bytes: int) -> tuple[str, str]:
    """Return about ``n_bytes`` of text (cut at a character boundary) and where it came from."""
    if path is not None:
        with open(path, encoding="utf-8") as f:
            text, source = f.read(), path
    else:
        try:
            from stepbytoken.text import real_text
        except ImportError as err:
            raise SystemExit(
                f"stepbytoken.text.corpus.real_text is not available ({err}); pass --text FILE"
            ) from err
        text, source = real_text(), "stepbytoken.text.corpus.real_text()"
    text = text.encode("utf-8")[:n_bytes].decode("utf-8", errors="ignore")
    return text, source


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def train_tokenizers(text: str, num_merges: int) -> int:
    """Train the `tokenizers` BPE; return the number of merges it learned."""
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(
        add_prefix_space=False, use_regex=True
    )
    trainer = trainers.BpeTrainer(
        vocab_size=256 + num_merges,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tokenizer.train_from_iterator([text], trainer=trainer)
    return len(json.loads(tokenizer.to_str())["model"]["merges"])


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from bytes to printable characters, which ``tokenizers``' ByteLevel uses."""
    from tokenizers.pre_tokenizers import ByteLevel

    # the 256 characters, in byte order
    alphabet = sorted(ByteLevel.alphabet(), key=ord)
    printable = [b for b in range(256) if chr(b) in alphabet]
    mapping = {b: chr(b) for b in printable}
    n = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + n)
            n += 1
    return mapping


def tokenizers_from(tok: object) -> object:
    """A ``tokenizers.Tokenizer`` with the merges, vocabulary and split regex of ``tok``."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    to_char = bytes_to_unicode()

    def piece(idx: int) -> str:
        return "".join(to_char[b] for b in tok.token_bytes(idx))

    n_ids = 256 + len(tok.merges)
    vocab = {piece(i): i for i in range(n_ids)}
    merges = [(piece(a), piece(b)) for (a, b), _ in tok.merges]
    hf = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(tok.pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    return hf


def encode_figures(
    train_text: str, test_text: str, num_merges: int
) -> dict[str, object]:
    """Encoding throughput of stepbytoken and of ``tokenizers`` with the same merges."""
    from stepbytoken.tokenizers import BPETokenizer

    trained = BPETokenizer.train(train_text, num_merges)
    # cold cache
    ours = BPETokenizer([pair for pair, _ in trained.merges], pattern=trained.pattern)
    t_ours, ids_ours = timed(lambda: ours.encode_ordinary(test_text))
    mb = len(test_text.encode("utf-8")) / 1e6
    figures: dict[str, object] = {
        "test_mb": mb,
        "tokens": len(ids_ours),
        "ours_s": t_ours,
    }
    figures["ours_mb_s"] = mb / t_ours
    try:
        hf = tokenizers_from(trained)
    except ImportError:
        figures["note"] = "tokenizers is not installed"
        return figures
    t_hf, enc = timed(lambda: hf.encode(test_text, add_special_tokens=False))
    same = list(enc.ids) == ids_ours
    figures.update(
        {
            "tokenizers_s": t_hf,
            "tokenizers_mb_s": mb / t_hf,
            "same_ids": same,
            "ratio": t_ours / t_hf,
            "ratio_means": "our encoding time / tokenizers' (same merges, single-threaded)",
        }
    )
    return figures


def train_figures(
    text: str, num_merges: int, *, naive: bool = True
) -> dict[str, object]:
    """Training times: incremental, naive (optional) and ``tokenizers``; ratios of them."""
    from stepbytoken.tokenizers import BPETokenizer, train_naive

    figures: dict[str, object] = {
        "text_mb": len(text.encode("utf-8")) / 1e6,
        "merges": num_merges,
    }
    t_inc, tok = timed(lambda: BPETokenizer.train(text, num_merges))
    figures["incremental_s"] = t_inc
    if naive:
        t_naive, slow = timed(lambda: train_naive(text, num_merges))
        if slow.merges != tok.merges:
            raise RuntimeError("naive and incremental merges differ")
        figures["naive_s"] = t_naive
        figures["naive_ratio"] = t_naive / t_inc
    try:
        t_hf, _ = timed(lambda: train_tokenizers(text, num_merges))
        figures["tokenizers_s"] = t_hf
        figures["ratio"] = t_inc / t_hf
        figures["ratio_means"] = (
            "incremental training time / tokenizers' (single-threaded)"
        )
    except ImportError:
        figures["note"] = "tokenizers is not installed"
    return figures


def run(quick: bool = False) -> dict[str, dict[str, object]]:
    """Figures for ``run_all.py``: BPE training and encoding (quick: 200 kB, 300 merges, and
    no naive trainer)."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    n_bytes, merges = (200_000, 300) if quick else (1_000_000, 1000)
    text, _ = load_text(None, 2 * n_bytes)
    cut = len(text.encode("utf-8")[:n_bytes].decode("utf-8", errors="ignore"))
    train_text, test_text = text[:cut], text[cut:]
    figures = {
        "bpe_train": train_figures(train_text, merges, naive=not quick),
        "bpe_encode": encode_figures(train_text, test_text, merges),
    }
    for name, values in figures.items():
        print(
            name,
            ", ".join(f"{k} {v:.3g}" for k, v in values.items() if type(v) is float),
        )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a table; return 0 (the exit status)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--merges", type=int, default=1000, help="merges to learn (1000)"
    )
    parser.add_argument(
        "--bytes", type=int, default=1_000_000, help="bytes of text (1000000)"
    )
    parser.add_argument(
        "--text", default=None, help="UTF-8 text file instead of real_text()"
    )
    parser.add_argument(
        "--skip-naive", action="store_true", help="skip the slow naive trainer"
    )
    parser.add_argument(
        "--encode", action="store_true", help="also time encoding vs tokenizers"
    )
    args = parser.parse_args(argv)
    if args.merges < 1 or args.bytes < 1:
        parser.error("--merges and --bytes must be positive")

    # Must happen before `tokenizers` is imported (its thread pool reads it once).
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from stepbytoken.tokenizers import BPETokenizer, train_naive

    text, source = load_text(args.text, args.bytes)
    print(
        f"text: {len(text.encode('utf-8')):,} bytes from {source}; merges: {args.merges}"
    )

    rows: list[tuple[str, float, int]] = []
    t_inc, tok = timed(lambda: BPETokenizer.train(text, args.merges))
    rows.append(("incremental (stepbytoken)", t_inc, len(tok.merges)))
    if not args.skip_naive:
        t_naive, naive = timed(lambda: train_naive(text, args.merges))
        if naive.merges != tok.merges:
            print("ERROR: naive and incremental merges differ", file=sys.stderr)
            return 1
        rows.append(("naive (stepbytoken)", t_naive, len(naive.merges)))
    try:
        t_hf, n_hf = timed(lambda: train_tokenizers(text, args.merges))
        rows.append(
            (
                f"tokenizers (RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']})",
                t_hf,
                n_hf,
            )
        )
    except ImportError:
        t_hf = None
        print("(tokenizers is not installed; skipping it)")

    print()
    print(f"{'trainer':<34} {'seconds':>9} {'merges':>7}")
    print(f"{'-' * 34} {'-' * 9} {'-' * 7}")
    for name, seconds, n in rows:
        print(f"{name:<34} {seconds:>9.2f} {n:>7}")
    print()
    if not args.skip_naive:
        print(f"naive / incremental:      {t_naive / t_inc:8.1f}x")
    if t_hf is not None:
        print(f"incremental / tokenizers: {t_inc / t_hf:8.1f}x")
    if args.encode:
        rest = (args.text and text) or load_text(None, 2 * args.bytes)[0][len(text) :]
        enc = encode_figures(text, rest or text, args.merges)
        print(f"\nencoding {enc['test_mb']:.2f} MB with the same {args.merges} merges:")
        print(f"  stepbytoken: {enc['ours_mb_s']:8.2f} MB/s")
        if "tokenizers_mb_s" in enc:
            print(
                f"  tokenizers:  {enc['tokenizers_mb_s']:8.2f} MB/s (same ids: {enc['same_ids']})"
            )
            print(f"  ours / tokenizers (time): {enc['ratio']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
