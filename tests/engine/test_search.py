"""The hyper-parameter search: seeded trials, pruning, resuming from storage, cancelling."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.search_space import parse_space
from ffnn_studio.core.spec import (
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import Dataset, prepare

pytest.importorskip("optuna")
pytest.importorskip("tensorflow")

from ffnn_studio.engine import search


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(80, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int32)
    # 64 training rows in batches of 32: the session's first chunk (8 steps) spans 4 epochs.
    return prepare(Dataset("xor", x, y, Task.BINARY, ("a", "b"), ("neg", "pos")), 0.2, 0)


def project(epochs: int = 3, optimizer: str = "adam", lr: float = 0.01) -> Project:
    return Project(
        name="t",
        network=NetworkSpec((DenseLayer(8, "tanh"),)),
        training=TrainingSettings(
            optimizer=OptimizerSpec(optimizer, {"learning_rate": lr}), epochs=epochs, batch_size=32, seed=1
        ),
    )


def outcome(result):
    return [(r.number, r.state, r.params, r.value) for r in result.study.records]


def test_a_seeded_search_reproduces_its_trials(data, tmp_path):
    config = search.SearchConfig(
        parse_space(["learning_rate=1e-3:1e-1:log", "units=4,8,16"]), trials=3, sampler="tpe", seed=7
    )
    first = search.run_search(project(2), data, config, str(tmp_path / "a.log"))
    second = search.run_search(project(2), data, config, str(tmp_path / "b.log"))
    assert len(first.study.records) == 3 and first.ran == 3
    assert outcome(first) == outcome(second)
    assert len({r.params["learning_rate"] for r in first.study.records}) == 3
    other = search.run_search(project(2), data, search.SearchConfig(config.space, trials=3, seed=8), str(tmp_path / "c.log"))
    assert outcome(other) != outcome(first)


def test_pruning_stops_a_diverging_trial_before_its_last_epoch(data, tmp_path):
    storage = str(tmp_path / "p.log")
    config = search.SearchConfig(
        parse_space(["learning_rate=0.05,0.1,10"]), trials=3, sampler="random", pruner="median", seed=0,
        startup_trials=2,
    )
    study = search.create_or_load(storage, config, "accuracy")
    for lr in (0.05, 0.1, 10.0):  # two sane trials first: the median the third is held to
        study.enqueue_trial({"learning_rate": lr})
    events: list = []
    result = search.run_search(project(20, "sgd"), data, config, storage, on_event=events.append)
    by_lr = {r.params["learning_rate"]: r for r in result.study.records}
    assert by_lr[0.05].state == by_lr[0.1].state == "complete"
    assert by_lr[0.05].epochs == 20
    wild = by_lr[10.0]
    assert wild.state == "pruned"
    # Its validation loss at an early epoch is above the median of the two before: pruned there
    # (without a pruner it trains all 20 epochs: it never reaches NaN).
    assert wild.epochs < 20 and wild.note == f"pruned at epoch {wild.epochs}"
    assert len(wild.history["val_loss"]) == wild.epochs
    epochs_seen = [e.epoch for e in events if isinstance(e, search.TrialEpoch) and e.number == wild.number]
    assert epochs_seen == list(range(1, wild.epochs + 1))
    assert result.best is not None and result.best.params["learning_rate"] != 10.0


def test_a_study_reopens_from_its_storage_and_resumes(data, tmp_path):
    storage = str(tmp_path / "r.log")
    space = parse_space(["learning_rate=1e-3:1e-1:log"])
    first = search.run_search(project(2), data, search.SearchConfig(space, trials=2, seed=3), storage)
    reopened = search.load_study(storage)
    assert reopened is not None
    assert [r.number for r in reopened.records] == [0, 1]
    assert reopened.space == ("learning_rate=0.001:0.1:log",)
    assert reopened.objective == "val_loss" and reopened.direction == "minimize"
    assert reopened.records[0].history["loss"]  # the curves are kept with the trial
    again = search.run_search(project(2), data, search.SearchConfig(space, trials=2, seed=3), storage)
    assert again.ran == 0 and again.ended == "budget"
    resumed = search.run_search(project(2), data, search.SearchConfig(space, trials=4, seed=3), storage)
    assert resumed.ran == 2
    assert [r.number for r in resumed.study.records] == [0, 1, 2, 3]
    old = {r.params["learning_rate"] for r in first.study.records}
    assert not old & {r.params["learning_rate"] for r in resumed.study.records[2:]}
    assert search.study_names(storage) == ["search"]
    with pytest.raises(StudioError, match="optimizes validation loss"):
        search.run_search(project(2), data, search.SearchConfig(space, trials=5, objective="val_metric"), storage)


def test_cancel_stops_the_running_trial_and_the_search(data, tmp_path):
    storage = str(tmp_path / "c.log")
    seen: list = []

    def on_event(event):
        seen.append(event)

    config = search.SearchConfig(parse_space(["units=4,8"]), trials=5, sampler="random", seed=0)
    result = search.run_search(
        project(300), data, config, storage,
        cancelled=lambda: any(isinstance(e, search.TrialEpoch) for e in seen), on_event=on_event,
    )
    assert result.ended == "cancelled" and result.ran == 1
    (trial,) = result.study.records
    assert trial.state == "failed" and trial.note == "cancelled"
    assert trial.epochs < 300


def test_the_objective_needs_scores_to_exist(data, tmp_path):
    space = parse_space(["units=4,8"])
    with pytest.raises(StudioError, match="test objective needs a test split"):
        search.run_search(project(), data, search.SearchConfig(space, trials=1, objective="test_loss"), str(tmp_path / "t.log"))
    with pytest.raises(StudioError, match="give a trial budget or a time budget"):
        search.SearchConfig(space)
    with pytest.raises(StudioError, match="not a database URL"):
        search.open_storage("ftp://example.org/x")
    with pytest.raises(StudioError, match="does not exist"):
        search.open_storage(str(tmp_path / "missing" / "x.log"))


def test_the_default_storage_is_a_journal_beside_the_project(tmp_path):
    assert search.default_storage(tmp_path / "spirals.ffnn.json") == str(tmp_path / "spirals.search.log")
