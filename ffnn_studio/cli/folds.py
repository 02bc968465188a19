"""``ffnn-studio train PROJECT --folds K``: k-fold cross-validation on the command line.

Prints each fold's final validation scores and their mean ± standard
deviation; ``--history`` writes every fold's curves into one CSV (a ``fold``
column first). ``--export`` is refused: no single fold's model is the project's.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from typing import Any

from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.errors import StudioError

EXIT_OK, EXIT_FAILED = 0, 1


def train_folds(project, ns: argparse.Namespace, *, interrupts: Any = None) -> int:
    """Cross-validate ``project`` with ``ns.folds`` folds; the exit status."""
    from ffnn_studio.core.spec import output_units
    from ffnn_studio.core.validation import check_project
    from ffnn_studio.data import load_dataset
    from ffnn_studio.data.folds import fold_indices

    if ns.export:
        raise StudioError("--folds trains one model per fold: leave out --export")
    dataset = load_dataset(project.data)
    check_project(
        project,
        dataset.task,
        n_inputs=dataset.n_features,
        n_outputs=output_units(dataset.task, dataset.n_classes),
    )
    fold_indices(dataset, ns.folds, project.training.seed)  # a bad K fails before TensorFlow

    from ffnn_studio.engine.crossval import CrossValidator

    validator = CrossValidator(project, dataset, ns.folds)
    if interrupts is not None:
        interrupts.session = _Stopper(validator)

    def done(result, _session) -> None:
        if not ns.quiet:
            print(
                f"fold {result.fold}/{ns.folds}: val_loss {result.val_loss:.4f}  "
                f"val_{_session.metric_name} {result.val_metric:.4f}  ({result.reason})",
                flush=True,
            )

    outcome = validator.run(on_fold=done)
    for line in outcome.summary_lines():
        print(line)
    if ns.history:
        atomic_write_text(ns.history, history_csv(outcome))
        print(f"History written to {ns.history}")
    if outcome.cancelled:
        return interrupts.exit_code if interrupts is not None and interrupts.signal else EXIT_FAILED
    if any(f.reason in ("diverged", "failed") for f in outcome.folds):
        print("ffnn-studio: a fold did not train to its end", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def history_csv(outcome) -> str:
    """Every fold's per-epoch curves, one row per fold and epoch."""
    m = outcome.metric_name
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["fold", "epoch", "loss", "val_loss", m, f"val_{m}"])
    for f in outcome.folds:
        cols = [f.history[c] for c in ("loss", "val_loss", "metric", "val_metric")]
        for i in range(len(cols[0])):
            cells = ["" if not math.isfinite(c[i]) else f"{c[i]:.9g}" for c in cols]
            w.writerow([f.fold, i + 1, *cells])
    return buf.getvalue()


class _Stopper:
    """Stands in for the session the interrupt handler stops: stops the whole validation."""

    running = True

    def __init__(self, validator) -> None:
        self._validator = validator

    def stop(self) -> None:
        self._validator.cancel()
