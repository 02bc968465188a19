"""The test part's scores, taken once a run has ended (never during it).

Contract: reads the session's model and data; computes the loss with the
model's own loss object and the other figures with ``data.evaluation``. No Qt.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ffnn_studio.data.evaluation import evaluate, summary_scores
from ffnn_studio.engine.builder import encode_targets
from ffnn_studio.engine.quiet import import_tensorflow


def score_test_part(session: Any) -> dict[str, float] | None:
    """{"loss": …, the run's metric: …, "accuracy"/"r2", …} of ``session``'s model on its
    data's test rows; None when the data has no test part or its loss is not finite."""
    data = session.data
    x = getattr(data, "x_test", None)
    if x is None or len(x) == 0:
        return None
    tf = import_tensorflow()
    y = data.y_test
    output = session.predict(x)
    targets = encode_targets(y, session.task, session.project.training.loss, int(data.n_classes))
    per = session.model.loss.call(tf.constant(targets), tf.constant(output))
    loss = float(np.mean(np.asarray(per, dtype=np.float64)))
    if session.model.losses:  # the penalty, as the validation loss counts it
        loss += float(sum(float(v) for v in session.model.losses))
    if not math.isfinite(loss):
        return None
    # The run's metric ("accuracy" or "mae") is among these figures.
    scores = {"loss": loss}
    scores.update(summary_scores(evaluate(session.task, y, output, tuple(data.class_names))))
    return scores
