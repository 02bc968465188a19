"""``ffnn-studio predict MODEL DATA.csv -o OUT.csv``: a trained model's predictions for new rows.

Contract: parses the subcommand's options and prints its summary; the work is
``engine.inference.predict_csv``. Imports TensorFlow only inside ``run``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ffnn_studio.core.errors import StudioError

NAME = "predict"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        NAME,
        help="write a model's predictions for the rows of a CSV file",
        description="Read DATA.csv (the training columns; extra columns are ignored), run the "
        "model on every row, and write the rows in order plus the predicted label and one "
        "probability column per class (or the predicted value) to OUT.csv. MODEL is a model "
        "the studio exported (.keras, a SavedModel folder, .onnx, .tflite or .h5) with its "
        "metadata file beside it.",
    )
    p.add_argument("model", metavar="MODEL", help="an exported model")
    p.add_argument("data", metavar="DATA.csv", help="the rows to predict")
    p.add_argument("-o", "--output", metavar="OUT.csv", required=True, help="where to write")


def _check_paths(ns: argparse.Namespace) -> tuple[Path, Path]:
    data, output = Path(ns.data), Path(ns.output)
    if not data.is_file():
        raise StudioError(f"CSV file not found: {data}")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise StudioError(f"cannot write {output}: folder {folder} does not exist")
    if output.is_dir():
        raise StudioError(f"{output} is a folder; give the name of the CSV file to write")
    return data, output


def run(ns: argparse.Namespace) -> int:
    from ffnn_studio.engine.inference import load_predictor, predict_csv

    data, output = _check_paths(ns)
    predictor = load_predictor(ns.model)
    summary = predict_csv(predictor, data, output)
    text = f"wrote {summary.rows:,} rows with predictions to {summary.path}"
    if summary.skipped:
        text += (
            f"; {summary.skipped:,} rows have a missing value and no prediction "
            "(the model was trained with the missing-value policy 'drop')"
        )
    print(text, file=sys.stderr)
    return 0
