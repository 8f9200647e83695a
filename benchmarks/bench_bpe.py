"""Benchmark BPE training: incremental vs naive vs the `tokenizers` library (chapter 2).

Trains the same number of merges on the same ~1 MB of English text three ways and prints the
times as a table:

- ``incremental``: :meth:`stepbytoken.tokenizers.BPETokenizer.train`, which after each merge
  only revisits the chunks that contained the merged pair;
- ``naive``: :func:`stepbytoken.tokenizers.train_naive`, which recounts every pair of every
  distinct chunk after each merge (same counts, same tie-break, same merges);
- ``tokenizers``: Hugging Face's Rust BPE trainer with a ByteLevel pre-tokenizer, no
  normalizer, ``vocab_size = 256 + merges``, single-threaded (``RAYON_NUM_THREADS=1``).

Each time includes pre-tokenization of the text. Usage::

    python benchmarks/bench_bpe.py [--merges 1000] [--bytes 1000000] [--text FILE]
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
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=256 + num_merges,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tokenizer.train_from_iterator([text], trainer=trainer)
    return len(json.loads(tokenizer.to_str())["model"]["merges"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a table; return 0 (the exit status)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--merges", type=int, default=1000, help="merges to learn (1000)")
    parser.add_argument("--bytes", type=int, default=1_000_000, help="bytes of text (1000000)")
    parser.add_argument("--text", default=None, help="UTF-8 text file instead of real_text()")
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow naive trainer")
    args = parser.parse_args(argv)
    if args.merges < 1 or args.bytes < 1:
        parser.error("--merges and --bytes must be positive")

    # Must happen before `tokenizers` is imported (its thread pool reads it once).
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from stepbytoken.tokenizers import BPETokenizer, train_naive

    text, source = load_text(args.text, args.bytes)
    print(f"text: {len(text.encode('utf-8')):,} bytes from {source}; merges: {args.merges}")

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
            (f"tokenizers (RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']})", t_hf, n_hf)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
