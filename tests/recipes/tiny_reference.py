"""The reference recipe at toy size, for tests that run it in fresh processes (e.g. torchrun).

``python tiny_reference.py LOSSES.json train reference --steps 20 --out DIR`` (or the same
under ``torchrun --nproc_per_node 2``) shrinks the recipe's corpus, tokenizer and model as the
``toy_recipe`` fixture does, runs the command line, and writes the per-step training losses
that rank 0 recorded to ``LOSSES.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from stepbytoken.recipes import reference

#: The toy settings (the ``toy_recipe`` fixture uses the same).
TINY = {
    "CORPUS_ARGS": {"n_stories": 40, "seed": 0},
    "NUM_MERGES": 40,
    "MODEL_ARGS": {**reference.MODEL_ARGS, "n_layer": 1, "d_model": 16},
    "TRAIN_ARGS": {**reference.TRAIN_ARGS, "batch_size": 4, "eval_batches": 1},
}


def main(argv: list[str]) -> int:
    from stepbytoken.cli import main as cli_main
    from stepbytoken.training import is_main_process

    losses_file, *command = argv
    for name, value in TINY.items():
        setattr(reference, name, value)
    train = reference.train

    def recording_train(*args, **kwargs):
        result = train(*args, **kwargs)
        if is_main_process():
            Path(losses_file).write_text(json.dumps(result.train_loss))
        return result

    reference.train = recording_train
    return cli_main(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
