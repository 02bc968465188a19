"""``ffnn-studio lr-find PROJECT``: the learning-rate range test, headless.

Trains briefly from the project's initial weights with the learning rate
rising from 1e-6 to 1, prints the suggested learning rate (where the smoothed
loss falls fastest) and, with ``--csv``, writes the curve. Nothing is saved in
the project: apply the suggestion in the window, or edit the project.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ffnn_studio.core.errors import StudioError

NAME = "lr-find"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME,
        help="suggest a learning rate (learning-rate range test)",
        description="Train briefly with the learning rate rising from 1e-6 to 1 and suggest "
        "the rate where the loss falls fastest.",
    )
    p.add_argument("project", help="project file (*.ffnn.json)")
    p.add_argument("--csv", metavar="FILE", help="write the curve (rate, loss, smoothed loss)")
    p.add_argument("--steps", type=int, default=100, metavar="N", help="batches (default 100)")


def run(ns: argparse.Namespace) -> int:
    from ffnn_studio.core.atomic import atomic_write_text
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.core.spec import output_units
    from ffnn_studio.core.validation import check_project
    from ffnn_studio.data import load_dataset, prepare

    if not 10 <= ns.steps <= 10_000:
        raise StudioError(f"--steps must be from 10 to 10000, got {ns.steps}")
    if ns.csv and not Path(ns.csv).resolve().parent.is_dir():
        raise StudioError(f"cannot write the curve {ns.csv}: its folder does not exist")
    project = load_project(ns.project)
    dataset = load_dataset(project.data, Path(ns.project).resolve().parent)
    check_project(
        project,
        dataset.task,
        n_inputs=dataset.n_features,
        n_outputs=output_units(dataset.task, dataset.n_classes),
    )
    data = prepare(dataset, project.training.validation_fraction, project.training.seed)

    from ffnn_studio.engine.lr_finder import find_learning_rate

    result = find_learning_rate(project, data, steps=ns.steps)
    current = project.training.optimizer.learning_rate
    print(
        f"Learning-rate range test: {len(result.losses)} batches of "
        f"{project.training.batch_size}, rates {result.learning_rates[0]:.3g} to "
        f"{result.learning_rates[-1]:.3g}"
        + (" (stopped: the loss exploded)" if result.diverged else "")
    )
    if ns.csv:
        atomic_write_text(ns.csv, result.to_csv_text())
        print(f"Curve written to {ns.csv}")
    if result.suggestion is None:
        print("No suggestion: the loss did not fall over the range.")
        return 1
    print(f"Suggested learning rate: {result.suggestion:.3g} (the project uses {current:g})")
    return 0
