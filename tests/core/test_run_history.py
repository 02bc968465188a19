"""Long runs in the runs file: thinned to a bounded size, their shape, ends and best epoch kept."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ffnn_studio.core.run_history import RUN_HISTORY_POINTS, kept_epochs
from ffnn_studio.core.runs import (
    RUNS_SCHEMA_VERSION,
    RunRecord,
    RunsFileError,
    load_runs,
    save_runs,
)
from tests.core.test_runs import _project


def _curves(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype=np.float64)
    loss = 1.0 / (1.0 + t / 50) + 0.02 * rng.standard_normal(n)
    val = 1.0 / (1.0 + t / 60) + 0.03 * rng.standard_normal(n) + (t / n) ** 4  # over-fits late
    val = np.abs(val) + 0.01
    val[n // 3] = 0.001  # the best epoch, a single dip
    loss[n // 2] = 5.0  # a spike the envelope must keep
    metric = 1 - loss / 2
    val_metric = np.where(t % 7 == 0, np.nan, 1 - val / 2)  # gaps stay gaps
    return {"loss": loss, "val_loss": val, "metric": metric, "val_metric": val_metric}


def _long_run(n: int) -> RunRecord:
    return RunRecord(1, "Run 1", _project(), _curves(n), duration_s=12.0)


def test_a_short_run_keeps_every_epoch_and_writes_no_epoch_list(tmp_path):
    run = _long_run(RUN_HISTORY_POINTS)
    project = tmp_path / "p.ffnn.json"
    side = save_runs(project, [run])
    doc = json.loads(side.read_text())
    assert doc["schema_version"] == RUNS_SCHEMA_VERSION
    assert "epochs" not in doc["runs"][0]["history"]
    (back,) = load_runs(project)
    np.testing.assert_array_equal(back.epoch_numbers, np.arange(1, RUN_HISTORY_POINTS + 1))
    np.testing.assert_array_equal(back.history["loss"], run.history["loss"])


def test_a_10000_epoch_run_is_thinned_with_its_ends_best_epoch_and_envelope(tmp_path):
    n = 10_000
    raw = _curves(n)
    project = tmp_path / "p.ffnn.json"
    side = save_runs(project, [RunRecord(1, "Run 1", _project(), raw, duration_s=12.0)])
    full = len(json.dumps({c: [float(v) for v in raw[c]] for c in raw}))
    assert side.stat().st_size < full / 3  # measured: ~1/4 of the curves' JSON alone
    (back,) = load_runs(project)
    assert back.epochs == n
    assert back.best_epoch() == int(np.nanargmin(raw["val_loss"])) + 1 == n // 3 + 1
    for column in ("loss", "val_loss", "metric"):
        assert back.final(column) == raw[column][-1]
        # The envelope: every bucket's extremes survive, so the global ones do.
        assert np.nanmax(back.history[column]) == np.nanmax(raw[column])
        assert np.nanmin(back.history[column]) == np.nanmin(raw[column])
    assert len(back.epoch_numbers) <= RUN_HISTORY_POINTS + 3
    assert back.epoch_numbers[0] == 1 and back.epoch_numbers[-1] == n
    # Each kept point is the run's value at that epoch.
    idx = back.epoch_numbers - 1
    np.testing.assert_array_equal(back.history["loss"], raw["loss"][idx])
    np.testing.assert_array_equal(np.isnan(back.history["val_metric"]), np.isnan(raw["val_metric"][idx]))
    # Saving what was read changes nothing.
    save_runs(project, [back])
    (again,) = load_runs(project)
    np.testing.assert_array_equal(again.epoch_numbers, back.epoch_numbers)
    np.testing.assert_array_equal(again.history["loss"], back.history["loss"])


def test_kept_epochs_are_increasing_and_bounded():
    curves = {"loss": np.linspace(1, 0, 50_000), "val_loss": np.full(50_000, np.nan)}
    keep = kept_epochs(curves, budget=400)
    assert np.all(np.diff(keep) > 0) and keep[0] == 0 and keep[-1] == 49_999
    assert len(keep) <= 400 + 3


def test_a_version_1_file_still_reads(tmp_path):
    project = tmp_path / "p.ffnn.json"
    side = save_runs(project, [_long_run(30)])
    doc = json.loads(side.read_text())
    doc["schema_version"] = 1
    side.write_text(json.dumps(doc))
    (back,) = load_runs(project)
    assert back.epochs == 30 and back.best_epoch() == 11


@pytest.mark.parametrize(
    ("epochs", "fragment"),
    [
        ([1, 1, 2], "increasing"),
        ([0, 1, 2], "whole numbers from 1"),
        ([1, 2], "expected 2 values, one per epoch"),
        ("1,2,3", "a list of epoch numbers"),
    ],
)
def test_bad_epoch_lists_are_refused_naming_the_place(tmp_path, epochs, fragment):
    project = tmp_path / "p.ffnn.json"
    side = save_runs(project, [_long_run(3)])
    doc = json.loads(side.read_text())
    doc["runs"][0]["history"]["epochs"] = epochs
    side.write_text(json.dumps(doc))
    with pytest.raises(RunsFileError) as info:
        load_runs(project)
    message = str(info.value)
    assert fragment in message and "$.runs[0].history." in message


def test_a_long_record_holds_its_curves_thinned_in_memory_too():
    run = _long_run(20_000)
    assert len(run.history["loss"]) == len(run.epoch_numbers) <= RUN_HISTORY_POINTS + 3
    assert run.epochs == 20_000 and run.best_epoch() == 20_000 // 3 + 1
    assert np.nanmax(run.history["loss"]) == 5.0  # the spike
