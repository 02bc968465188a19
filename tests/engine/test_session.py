"""The training session: probes, control (stop/pause/resume/more), divergence, seeds, history."""

from __future__ import annotations

import csv
import math
import threading
import time

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import RecordingSink
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import Dataset, prepare

pytest.importorskip("tensorflow")

from ffnn_studio.engine.training.session import PROBE_FIELDS, TrainingSession


def xor_data(n: int = 400, seed: int = 0, validation: float = 0.25, noise_labels: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int32)
    if noise_labels:
        y = rng.integers(0, 2, size=n).astype(np.int32)
    ds = Dataset("xor", x, y, Task.BINARY, ("a", "b"), ("neg", "pos"))
    return prepare(ds, validation, seed)


def regression_data(n: int = 200, scale: float = 1.0):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = ((x[:, 0] * 2 - x[:, 1]) * scale).astype(np.float32)
    ds = Dataset("lin", x, y, Task.REGRESSION, ("a", "b", "c"), ())
    return prepare(ds, 0.2, 0)


STANDARD_LAYERS = (DenseLayer(16, "tanh"), DropoutLayer(0.2), DenseLayer(8, "relu"))


def project(
    layers=STANDARD_LAYERS,
    *,
    epochs: int = 4,
    batch: int = 32,
    seed: int = 3,
    optimizer: OptimizerSpec | None = None,
    loss: str = "cross_entropy",
    **training,
) -> Project:
    return Project(
        name="t",
        network=NetworkSpec(tuple(layers)),
        training=TrainingSettings(
            loss=loss,
            optimizer=optimizer or OptimizerSpec("adam", {"learning_rate": 0.01}),
            epochs=epochs,
            batch_size=batch,
            seed=seed,
            **training,
        ),
    )


class CallbackSink(RecordingSink):
    """Records reports and calls ``on_epoch(session, report)`` at each epoch end."""

    def __init__(self, on_epoch=None) -> None:
        super().__init__()
        self.on_epoch = on_epoch
        self.session: TrainingSession | None = None

    def epoch_end(self, report) -> None:
        super().epoch_end(report)
        if self.on_epoch is not None:
            self.on_epoch(self.session, report)


def session_with(sink: CallbackSink, proj: Project, data) -> TrainingSession:
    s = TrainingSession(proj, data, sink)
    sink.session = s
    return s


def losses(sink: RecordingSink) -> np.ndarray:
    return np.array([e.loss for e in sink.epochs])


@pytest.fixture(scope="module")
def data():
    return xor_data()


@pytest.fixture(scope="module")
def reference(data):
    """An uninterrupted 4-epoch run of the standard project."""
    sink = RecordingSink()
    s = TrainingSession(project(), data, sink)
    result = s.run()
    return s, sink, result


# --------------------------------------------------------------------------- reports


def test_one_report_per_chunk_with_the_final_weights(data) -> None:
    sink = RecordingSink()
    s = TrainingSession(project(epochs=5), data, sink)
    calls = []
    call_chunk = s._call_chunk

    def counted(k, perms):
        calls.append(k)
        return call_chunk(k, perms)

    s._call_chunk = counted
    s.run()
    # At most one sink call per chunk, plus the run's last (the final weights).
    assert 1 <= len(sink.chunks) <= len(calls) + 1 and all(sink.chunks)
    assert [e.epoch for c in sink.chunks for e in c.epochs] == [1, 2, 3, 4, 5]
    assert [e.epoch for e in sink.epochs] == [1, 2, 3, 4, 5]  # split again for per-report sinks
    final = sink.chunks[-1].weights
    assert final is not None and len(final) == 3
    for (k, b), (k2, b2) in zip(final, s.weights_snapshot(), strict=True):
        np.testing.assert_array_equal(k, k2)
        np.testing.assert_array_equal(b, b2)


def test_a_run_reports_in_order_and_learns(reference) -> None:
    s, sink, result = reference
    assert result.reason == "completed" and result.epochs_completed == 4
    assert len(sink.started) == 1 and len(sink.finishes) == 1
    info = sink.started[0]
    assert info.start_epoch == 0 and info.epochs_planned == 4 and info.metric_name == "accuracy"
    assert info.train_samples == 300 and info.val_samples == 100
    assert info.steps_per_epoch == math.ceil(300 / 32)
    assert [e.epoch for e in sink.epochs] == [1, 2, 3, 4]
    assert all(e.val_loss is not None and 0 <= e.val_metric <= 1 for e in sink.epochs)
    assert losses(sink)[-1] < losses(sink)[0]
    assert sink.probe_reports, "at least the run's last probes are reported"
    last = sink.probe_reports[-1]
    assert len(last.layers) == 3  # two hidden Dense layers and the output
    tanh, relu, out = last.layers
    assert tanh.saturated_fraction is not None and tanh.dead_fraction is None
    assert relu.dead_fraction is not None and relu.saturated_fraction is None
    assert out.saturated_fraction is not None  # sigmoid output
    for p in last.layers:
        assert p.weight_norm > 0 and p.grad_norm > 0 and 0 < p.update_ratio < 1
    # History mirrors the reports.
    np.testing.assert_array_equal(s.history.column("loss"), losses(sink).astype(np.float64))
    assert s.history.probe_steps.tolist() == [r.step for r in sink.probe_reports]
    assert s.history.probe(0, "weight_norm")[-1] == pytest.approx(tanh.weight_norm)


def test_epoch_loss_matches_a_keras_evaluation_of_the_same_weights(reference, data) -> None:
    s, sink, _ = reference
    val_loss, val_acc = s.evaluate_validation()
    assert val_loss == pytest.approx(sink.epochs[-1].val_loss, rel=1e-5)
    keras_loss, keras_acc = s.model.evaluate(
        data.x_val, data.y_val.reshape(-1, 1).astype(np.float32), verbose=0, batch_size=1000
    )
    assert val_loss == pytest.approx(keras_loss, rel=1e-4)
    assert val_acc == pytest.approx(keras_acc, abs=1e-6)


# --------------------------------------------------------------------------- probes


def vanishing_ratio(activation: str) -> float:
    """First probe report: last hidden layer's gradient norm / first layer's."""
    sink = RecordingSink()
    layers = [DenseLayer(16, activation) for _ in range(6)]
    s = TrainingSession(
        project(layers, epochs=1, optimizer=OptimizerSpec("sgd", {"learning_rate": 0.01})),
        xor_data(256),
        sink,
    )
    assert s.run().reason == "completed"
    first = sink.probe_reports[0]
    assert first.step <= 16, "the first probes come from early in training"
    grads = [p.grad_norm for p in first.layers[:6]]
    return grads[5] / grads[0]


def test_deep_sigmoid_stack_shows_the_vanishing_gradient_and_relu_does_not() -> None:
    assert vanishing_ratio("sigmoid") >= 10
    assert vanishing_ratio("relu") < 10


# --------------------------------------------------------------------------- control


def test_same_seed_gives_the_same_curve_and_more_epochs_continue(reference, data) -> None:
    _, ref_sink, _ = reference
    sink = RecordingSink()
    s = TrainingSession(project(), data, sink)
    assert s.run(2).reason == "completed"
    again = s.run(2)  # "train 2 more": same weights, optimizer state, shuffling sequence
    assert again.epochs_completed == 4
    assert sink.started[1].start_epoch == 2
    assert [e.epoch for e in sink.epochs] == [1, 2, 3, 4]
    np.testing.assert_array_equal(losses(sink), losses(ref_sink))
    np.testing.assert_array_equal(
        [e.val_loss for e in sink.epochs], [e.val_loss for e in ref_sink.epochs]
    )
    other = RecordingSink()
    TrainingSession(project(seed=4), data, other).run()
    assert not np.array_equal(losses(other), losses(ref_sink))


def test_a_run_stopped_in_mid_epoch_goes_on_with_that_epoch(reference, data) -> None:
    _, ref_sink, _ = reference

    class StopInFirstEpoch(RecordingSink):
        def probes(self, report) -> None:
            super().probes(report)
            if 0 < report.epoch < 1:  # the first chunk ended in mid-epoch
                session.stop()

    sink = StopInFirstEpoch()
    session = TrainingSession(project(), data, sink)
    first = session.run()
    assert first.reason == "stopped" and first.epochs_completed == 0
    assert 0 < session.steps_completed < session.steps_per_epoch
    sink.probes = lambda report: RecordingSink.probes(sink, report)
    assert session.run(4).reason == "completed"
    # The rest of epoch 1 (same order of rows, same running sums), then 2–4: the
    # curve of the uninterrupted run, to the last bit.
    assert [e.epoch for e in sink.epochs] == [1, 2, 3, 4]
    assert int(session.model.optimizer.iterations.numpy()) == 4 * session.steps_per_epoch
    np.testing.assert_array_equal(losses(sink), losses(ref_sink))
    np.testing.assert_array_equal([e.val_loss for e in sink.epochs], [e.val_loss for e in ref_sink.epochs])


def test_a_chunk_runs_many_short_epochs_and_each_is_reported(data, monkeypatch) -> None:
    from ffnn_studio.engine.training import session as session_module

    # On one path throughout (a compilation in the background slows the quick steps),
    # and chunks sized by their epoch limit, not by a time a loaded machine stretches
    # (at load 12 on 2 cores the 0.1 s chunks held 7 steps: 279 calls).
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    monkeypatch.setattr(session_module, "TRAINING_CHUNK_S", 60.0)
    sink = RecordingSink()
    s = TrainingSession(project(epochs=200), data, sink)
    calls: list[int] = []
    call = s._call_chunk

    def counting(k, orders):
        calls.append(k)
        return call(k, orders)

    s._call_chunk = counting
    result = s.run()
    assert result.reason == "completed"
    # Epochs of 10 steps: far fewer calls into TensorFlow than epochs (chunks also end
    # at the replay snapshots' epochs: at most SNAPSHOT_COUNT calls more).
    from ffnn_studio.core.snapshots import SNAPSHOT_COUNT

    assert len(calls) < 50 + SNAPSHOT_COUNT and sum(calls) == 200 * s.steps_per_epoch
    assert [e.epoch for e in sink.epochs] == list(range(1, 201))
    elapsed = [e.elapsed_s for e in sink.epochs]
    assert (np.diff(elapsed) > 0).all()
    assert all(e.val_loss is not None for e in sink.epochs)
    # Every epoch's last step has its probes.
    at_epoch_ends = [r for r in sink.probe_reports if r.epoch == int(r.epoch)]
    assert [r.epoch for r in at_epoch_ends] == list(range(1, 201))
    assert [r.step for r in at_epoch_ends] == [e * s.steps_per_epoch for e in range(1, 201)]
    # The speed shown leaves the first call (mostly compilation) out: no report
    # measures it alone. The run's last steps are reported however soon after the
    # previous report they came.
    reports = sink.progress_reports
    if s._quick is None:  # on the quick path the first call is a speed like any other
        assert reports[0].step > calls[0]
    assert all(math.isfinite(p.samples_per_second) and p.samples_per_second > 0 for p in reports)
    assert reports[-1].step == 200 * s.steps_per_epoch and reports[-1].epoch == 200


def test_pause_blocks_between_chunks_and_resume_continues_the_same_run(data, monkeypatch) -> None:
    # Both runs on one path throughout: where the quick path hands over to the
    # compiled program depends on when the compilation finishes, and the two paths
    # round differently, so two runs handing over at different epochs part in the
    # last digits (seen on a loaded machine).
    from ffnn_studio.engine.training import session as session_module

    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    # Enough epochs that the run is cut into several chunks (a chunk spans at most
    # max_chunk_epochs epochs, and ≈ 0.1 s).
    epochs = 200
    uninterrupted = RecordingSink()
    TrainingSession(project(epochs=epochs), data, uninterrupted).run()

    def pause_after_two(session, report):
        if report.epoch == 2:
            session.pause()

    sink = CallbackSink(pause_after_two)
    s = session_with(sink, project(epochs=epochs), data)
    assert s.max_chunk_epochs < epochs
    worker = threading.Thread(target=s.run)
    worker.start()
    try:
        assert s.wait_until_paused(timeout=60)
        assert s.paused and s.running and worker.is_alive()
        # At the end of the chunk that held epoch 2.
        assert 2 <= s.epochs_completed < epochs
        assert [e.epoch for e in sink.epochs] == list(range(1, s.epochs_completed + 1))
        assert int(s.model.optimizer.iterations.numpy()) == s.steps_completed
    finally:
        s.resume()
        worker.join(timeout=60)
    assert not worker.is_alive()
    assert sink.finishes[-1].reason == "completed" and s.epochs_completed == epochs
    assert int(s.model.optimizer.iterations.numpy()) == epochs * s.steps_per_epoch
    # Same optimizer state across the pause: the curve is the uninterrupted one.
    np.testing.assert_array_equal(losses(sink), losses(uninterrupted))


def test_stop_keeps_the_trained_weights(data) -> None:
    sink = CallbackSink(lambda session, report: report.epoch == 2 and session.stop())
    s = session_with(sink, project(epochs=200), data)
    initial = s.weights_snapshot()
    result = s.run()
    # At the end of the chunk that held epoch 2.
    assert result.reason == "stopped" and 2 <= result.epochs_completed < 200
    assert "kept" in result.message
    trained = s.weights_snapshot()
    assert not np.allclose(trained[0][0], initial[0][0])
    # The next segment starts from those weights, not from scratch.
    done = result.epochs_completed
    more = s.run(1)
    assert more.reason == "completed" and more.epochs_completed == done + 1
    assert sink.epochs[-1].epoch == done + 1
    assert sink.epochs[-1].loss < sink.epochs[0].loss


def test_stop_and_pause_from_another_thread_take_effect_within_half_a_second(data) -> None:
    first_epoch = threading.Event()
    sink = CallbackSink(lambda session, report: first_epoch.set())
    s = session_with(sink, project(epochs=100_000), data)
    worker = threading.Thread(target=s.run)
    worker.start()
    try:
        assert first_epoch.wait(timeout=60)
        t = time.perf_counter()
        s.pause()
        assert s.wait_until_paused(timeout=0.5)
        paused_latency = time.perf_counter() - t
        done = s.epochs_completed
        s.resume()
        t = time.perf_counter()
        s.stop()
        worker.join(timeout=5)
        stop_latency = time.perf_counter() - t
    finally:
        s.stop()
        worker.join(timeout=60)
    assert paused_latency < 0.5 and stop_latency < 0.5, (paused_latency, stop_latency)
    assert sink.finishes[-1].reason == "stopped"
    assert done <= s.epochs_completed < 100_000


def test_huge_learning_rate_diverges_and_keeps_finite_weights() -> None:
    sink = RecordingSink()
    proj = project(
        [DenseLayer(32, "relu"), DenseLayer(32, "relu")],
        loss="mse",
        epochs=50,
        optimizer=OptimizerSpec("sgd", {"learning_rate": 10.0}),
    )
    s = TrainingSession(proj, regression_data(scale=100.0), sink)
    result = s.run()
    assert result.reason == "diverged"
    assert "lower learning rate" in result.message
    assert result.epochs_completed < 50
    assert all(np.isfinite(k).all() and np.isfinite(b).all() for k, b in s.weights_snapshot())
    assert np.isfinite(s.predict(regression_data().x_val)).all()


def test_an_epoch_without_a_finite_loss_marks_its_chunk_as_diverged(reference) -> None:
    s, _, _ = reference  # it has a validation part
    ok = [1.0, 0.5, 2.0, 0.4, 0.5]
    assert s._first_nonfinite_epoch(np.array([ok, ok])) is None
    assert s._first_nonfinite_epoch(np.array([ok, [np.inf, 0.5, 2.0, 0.4, 0.5], ok])) == 1
    assert s._first_nonfinite_epoch(np.array([ok, ok, [1.0, 0.5, 2.0, np.nan, 0.5]])) == 2
    assert s._first_nonfinite_epoch(np.empty((0, 5))) is None


def test_early_stopping_ends_the_run_and_restores_the_best_weights() -> None:
    sink = RecordingSink()
    proj = project(
        [DenseLayer(64, "relu"), DenseLayer(64, "relu")],
        epochs=300,
        optimizer=OptimizerSpec("adam", {"learning_rate": 0.03}),
        early_stopping=True,
        patience=3,
        restore_best_weights=True,
    )
    s = TrainingSession(proj, xor_data(200, noise_labels=True, validation=0.5), sink)
    result = s.run()
    assert result.reason == "completed" and "Early stopping" in result.message
    assert result.epochs_completed < 300
    val = s.history.column("val_loss")
    best = s.history.best_epoch()
    assert best is not None and result.epochs_completed == best + 3
    val_loss, _ = s.evaluate_validation()
    assert val_loss == pytest.approx(val[best - 1], rel=1e-5)


def test_an_error_inside_the_run_finishes_as_failed_instead_of_raising(data) -> None:
    def boom(session, report):
        raise RuntimeError("sink broke")

    sink = CallbackSink(boom)
    s = session_with(sink, project(epochs=3), data)
    result = s.run()
    assert result.reason == "failed" and "sink broke" in result.message
    assert sink.finishes == [result]


def test_reset_weights_starts_over_like_a_fresh_session(reference, data) -> None:
    _, ref_sink, _ = reference
    sink = RecordingSink()
    s = TrainingSession(project(), data, sink)
    s.run(3)
    s.reset_weights()
    assert s.epochs_completed == 0 and s.history.epochs == 0
    sink.epochs.clear()
    s.run(4)
    np.testing.assert_array_equal(losses(sink), losses(ref_sink))


def test_regression_reports_mae_and_every_optimizer_trains() -> None:
    data = regression_data()
    for name in ("sgd", "momentum", "adagrad", "rmsprop"):
        sink = RecordingSink()
        proj = project([DenseLayer(8, "elu"), DenseLayer(8, "leaky_relu")], loss="mse", epochs=3,
                       optimizer=OptimizerSpec(name))
        s = TrainingSession(proj, data, sink)
        assert s.run().reason == "completed", name
        assert sink.started[0].metric_name == "mae"
        assert all(math.isfinite(e.metric) and e.metric >= 0 for e in sink.epochs)
        assert s.history.probe(0, "dead_fraction").size > 0


# --------------------------------------------------------------------------- history


def test_history_csv_is_complete_and_written_atomically(reference, tmp_path) -> None:
    s, sink, _ = reference
    path = tmp_path / "history.csv"
    path.write_text("old")
    s.history.to_csv(path)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "loss", "val_loss", "accuracy", "val_accuracy", "learning_rate", "elapsed_s"]
    assert len(rows) == 1 + 4
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3, 4]
    assert [float(r[1]) for r in rows[1:]] == pytest.approx(losses(sink).tolist(), rel=1e-6)
    assert float(rows[-1][5]) == pytest.approx(0.01)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
    with pytest.raises(StudioError):
        s.history.to_csv(tmp_path / "missing" / "h.csv")
    s.history.probes_to_csv(tmp_path / "probes.csv")
    header = next(csv.reader((tmp_path / "probes.csv").open()))
    assert header[:2] == ["step", "epoch"] and len(header) == 2 + 3 * len(PROBE_FIELDS)


def test_history_buffers_grow_by_doubling() -> None:
    from ffnn_studio.engine.training.session import RunHistory

    h = RunHistory(2)
    for i in range(200):
        h.append_epoch(epoch=i + 1, loss=1.0 / (i + 1), val_loss=None)
        h.append_probe(i, i + 0.5, np.full((2, len(PROBE_FIELDS)), float(i)))
    assert h.epochs == 200
    assert h.column("loss")[-1] == pytest.approx(1 / 200)
    assert np.isnan(h.column("val_loss")).all()
    assert h.probe(1, "grad_norm")[-1] == 199.0
    assert h.best_epoch() is None


def test_history_is_compact_and_its_probes_bounded(tmp_path) -> None:
    from ffnn_studio.engine.training.session import PROBE_BUDGET, RunHistory

    h = RunHistory(2)
    n = 3 * PROBE_BUDGET
    for i in range(n):
        h.append_epoch(epoch=i + 1, loss=0.5, val_loss=None, elapsed_s=i * 0.001)
        h.append_probe(i, i + 1.0, np.full((2, len(PROBE_FIELDS)), 1.0 if i != 1234 else 99.0))
    # Every epoch is kept, in 32 bytes (doubling buffers: at most twice that).
    assert h.epochs == n
    assert h.column("epoch")[-1] == n
    assert h.column("loss").dtype == np.float64
    per_epoch = 4 + 5 * 4 + 8
    probes_bytes = h.nbytes() - per_epoch * len(h._cols["epoch"])
    assert len(h._cols["epoch"]) < 2 * n
    # Probes: no more than the budget (plus one group gathering), the spike kept.
    assert len(h.probe_steps) <= PROBE_BUDGET + 16
    assert probes_bytes <= 2 * (PROBE_BUDGET + 16) * 8 * (2 + 2 * len(PROBE_FIELDS))  # x, step, values
    assert h.probe(1, "grad_norm").max() == 99.0
    assert (np.diff(h.probe_steps) >= 0).all() and h.probe_steps[-1] == n - 1
    h.to_csv(tmp_path / "h.csv")
    assert len((tmp_path / "h.csv").read_text().splitlines()) == 1 + n
    h.probes_to_csv(tmp_path / "p.csv")
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 1 + len(h.probe_steps)
