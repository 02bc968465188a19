"""A search on a project with a test part: trials never train on the test rows, the
test objectives read each trial's finish report, and pruning stays on validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.search_space import parse_space
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset, prepare

pytest.importorskip("optuna")
pytest.importorskip("tensorflow")

from ffnn_studio.engine import search
from ffnn_studio.engine.training import session as session_module


def project(test_fraction: float = 0.25, epochs: int = 3) -> Project:
    return Project(
        name="t",
        network=NetworkSpec((DenseLayer(8, "tanh"),)),
        data=BuiltinDataSource("xor", {"n_samples": 120}),
        training=TrainingSettings(
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}),
            epochs=epochs,
            batch_size=32,
            seed=3,
            validation_fraction=0.2,
            test_fraction=test_fraction,
        ),
    )


def test_the_search_holds_the_projects_test_rows_out_of_every_trial():
    p = project()
    data = search.prepare_data(p, None)
    expected = prepare(load_dataset(p.data), 0.2, 3, 0.25)
    assert len(data.test_index) == 30
    np.testing.assert_array_equal(data.test_index, expected.test_index)
    np.testing.assert_array_equal(data.train_index, expected.train_index)
    assert not set(data.test_index) & (set(data.train_index) | set(data.val_index))


@pytest.mark.parametrize(("objective", "key"), [("test_loss", "loss"), ("test_metric", "accuracy")])
def test_a_test_objective_is_the_trials_finish_report_score(objective, key, tmp_path, monkeypatch):
    finished: list = []
    epoch_scores: list = []
    # The pruner sees the validation counterpart of the objective.
    column = "val_metric" if objective == "test_metric" else "val_loss"

    class Recording(session_module.TrainingSession):
        def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            report = super().run(*args, **kwargs)
            finished.append(report)
            epoch_scores.append(self.history.column(column)[: self.epochs_completed].tolist())
            return report

    monkeypatch.setattr(session_module, "TrainingSession", Recording)
    p = project()
    config = search.SearchConfig(
        parse_space(["units=4,8"]), sampler="grid", pruner="median", objective=objective, seed=0
    )
    result = search.run_search(p, search.prepare_data(p, None), config, str(tmp_path / "s.log"))
    assert [r.state for r in result.study.records] == ["complete", "complete"]
    assert len(finished) == 2
    for record, report, val_loss in zip(result.study.records, finished, epoch_scores, strict=True):
        assert report.test_scores and math.isfinite(report.test_scores[key])
        assert record.value == pytest.approx(report.test_scores[key])
        # What the pruner was shown is the validation curve, never a test score.
        np.testing.assert_allclose(record.history[column], val_loss, rtol=1e-6)
    import optuna

    study = optuna.load_study(study_name="search", storage=search.open_storage(str(tmp_path / "s.log")))
    for t, val_loss in zip(study.get_trials(), epoch_scores, strict=True):
        assert [t.intermediate_values[e + 1] for e in range(len(val_loss))] == pytest.approx(val_loss)


def test_a_test_objective_without_a_test_part_is_refused_by_name(tmp_path):
    p = project(test_fraction=0.0)
    assert not search.test_objective_available(p)
    assert search.test_objective_available(project())
    config = search.SearchConfig(parse_space(["units=4,8"]), trials=1, objective="test_metric")
    with pytest.raises(StudioError, match="set the test fraction above 0"):
        search.run_search(p, search.prepare_data(p, None), config, str(tmp_path / "n.log"))
    assert not (tmp_path / "n.log").exists()
