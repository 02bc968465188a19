"""``ffnn-studio train --stream``: train on a CSV file read block by block (bounded memory).

Contract: the command line's part of streaming training: which file, which
project, the messages; the work is ``data.streaming`` and
``engine.training.streaming``. Imports TensorFlow only after the scan.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ffnn_studio.core.errors import StudioError


def streamed_project(ns: argparse.Namespace):
    """The project and the CSV file (path, target) a streaming run trains on."""
    from ffnn_studio.core.examples import default_project_path
    from ffnn_studio.core.naming import follow_data
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.core.spec import CsvDataSource

    if ns.target and not ns.csv:
        raise StudioError("--target goes with --csv")
    if getattr(ns, "strategy", None) not in (None, "default"):
        raise StudioError("--stream trains on one device; leave out --strategy")
    project = load_project(ns.project) if ns.project else load_project(default_project_path())
    if ns.csv:
        if not ns.target:
            raise StudioError("--csv needs --target COLUMN (the column to predict)")
        path = Path(ns.csv).resolve()
        project = follow_data(project, CsvDataSource(path=str(path), target=ns.target))
    elif ns.project and isinstance(project.data, CsvDataSource):
        path = Path(project.data.path)
        if not path.is_absolute():
            path = (Path(ns.project).resolve().parent / path).resolve()
    else:
        raise StudioError("--stream reads a CSV file: give --csv FILE --target COLUMN or a project of a CSV file")
    training = project.training
    if ns.epochs is not None:
        training = replace(training, epochs=ns.epochs)
    if ns.seed is not None:
        training = replace(training, seed=ns.seed)
    return replace(project, training=training), str(path), project.data.target


def train_streaming(ns: argparse.Namespace, sink, interrupts=None):
    """Scan the file, then train; returns (session, finished)."""
    from ffnn_studio.core.spec import Task
    from ffnn_studio.core.validation import check_project
    from ffnn_studio.data.streaming import scan_csv

    project, path, target = streamed_project(ns)
    if not ns.quiet:
        print(f"Scanning {path} (statistics and categories, block by block)...", flush=True)
    plan = scan_csv(path, target)
    if plan.task is Task.REGRESSION and project.training.loss != "mse":
        project = replace(project, training=replace(project.training, loss="mse"))
    check_project(project)
    if not ns.quiet:
        print(f"{plan.rows:,} rows, {plan.n_features} features, task {plan.task.value}", flush=True)
    from ffnn_studio.engine.training.streaming import StreamingSession

    session = StreamingSession(project, plan, sink)
    if interrupts is not None:
        interrupts.session = session
    return session, session.run()
