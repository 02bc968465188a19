"""``ffnn-studio evaluate MODEL DATA.csv --target COLUMN [--json]``: a trained model's scores.

Contract: parses the subcommand's options and prints the scores (scikit-learn's
metrics, computed by ``engine.inference.evaluate_csv``). Imports TensorFlow
only inside ``run``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

NAME = "evaluate"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        NAME,
        help="score an exported model on a labelled CSV file",
        description="Predict every row of DATA.csv and compare with its COLUMN: accuracy, "
        "precision/recall/F1 per class, log loss and ROC AUC (where defined) and the confusion "
        "matrix for a classifier; R², MAE and RMSE for regression.",
    )
    p.add_argument("model", metavar="MODEL", help="an exported model (.keras, SavedModel, .onnx, …)")
    p.add_argument("data", metavar="DATA.csv", help="rows with the true values")
    p.add_argument("--target", metavar="COLUMN", required=True, help="the column of true values")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def format_scores(scores: dict[str, Any]) -> str:
    """The scores as a short text report."""
    lines = [f"rows scored: {scores['rows']:,}"]
    if scores["rows_without_target"]:
        lines.append(f"rows without a target value (left out): {scores['rows_without_target']:,}")
    if scores["rows_without_prediction"]:
        lines.append(f"rows without a prediction (missing values): {scores['rows_without_prediction']:,}")
    if scores["task"] == "regression":
        lines += [f"R²:   {_figure(scores['r2'])}", f"MAE:  {_figure(scores['mae'])}"]
        lines.append(f"RMSE: {_figure(scores['rmse'])}")
        return "\n".join(lines)
    lines += [
        f"accuracy: {_figure(scores['accuracy'])}",
        f"log loss: {_figure(scores['log_loss'])}",
        f"ROC AUC:  {_figure(scores['auc'])}",
        "",
    ]
    classes = scores["classes"]
    width = max(8, *(len(c) for c in classes))
    lines.append(f"{'class':<{width}}  precision  recall     F1  support")
    for name in classes:
        c = scores["per_class"][name]
        lines.append(
            f"{name:<{width}}  {c['precision']:9.4f}  {c['recall']:6.4f} {c['f1']:6.4f}"
            f"  {c['support']:7d}"
        )
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    cells = [[str(v) for v in row] for row in scores["confusion_matrix"]]
    cell = max(*(len(c) for c in classes), *(len(v) for row in cells for v in row))
    lines.append(" " * width + "  " + " ".join(f"{c:>{cell}}" for c in classes))
    for name, row in zip(classes, cells, strict=True):
        lines.append(f"{name:<{width}}  " + " ".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def run(ns: argparse.Namespace) -> int:
    from ffnn_studio.engine.inference import evaluate_csv, load_predictor

    scores = evaluate_csv(load_predictor(ns.model), ns.data, ns.target)
    print(json.dumps(scores, indent=2) if ns.json else format_scores(scores))
    return 0
