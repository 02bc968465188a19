"""The quick path: numpy chunks that match the compiled chunk, and the session's switch-over."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.config import XLA_ENV
from ffnn_studio.core.reports import RecordingSink
from ffnn_studio.core.spec import DenseLayer, DropoutLayer, OptimizerSpec, Task
from ffnn_studio.data import Dataset, prepare

pytest.importorskip("tensorflow")

import keras

from ffnn_studio.engine.training import session as session_module
from ffnn_studio.engine.training.quickstart import QUICK_ENV, plan_quick_path
from ffnn_studio.engine.training.session import TrainingSession
from tests.engine.test_session import project, regression_data, xor_data

#: float32 with different summation orders: how far one chunk of a few dozen steps may differ.
RTOL, ATOL = 2e-5, 2e-6


def three_classes(n: int = 240):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.argmax(x[:, :3] + 0.3 * rng.normal(size=(n, 3)), axis=1).astype(np.int32)
    return prepare(
        Dataset("three", x, y, Task.MULTICLASS, ("a", "b", "c", "d"), ("p", "q", "r")), 0.25, 0
    )


@pytest.fixture(autouse=True)
def no_xla(monkeypatch):
    """The graph without XLA traces faster and computes the same math."""
    monkeypatch.setenv(XLA_ENV, "0")


CASES = {
    "binary-ce-adam-tanh-relu": (
        (DenseLayer(16, "tanh"), DenseLayer(8, "relu")),
        OptimizerSpec("adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
        "cross_entropy",
        xor_data,
    ),
    "regression-sgd-sigmoid-step-linear-l1l2": (
        (
            DenseLayer(8, "sigmoid", l1=1e-3, l2=1e-2),
            DenseLayer(6, "step"),
            DenseLayer(5, "linear", l2=1e-3),
        ),
        OptimizerSpec("sgd", {"learning_rate": 0.05}),
        "mse",
        regression_data,
    ),
    "multiclass-ce-nesterov-leaky-elu": (
        (DenseLayer(12, "leaky_relu", alpha=0.3), DenseLayer(10, "elu", alpha=0.5)),
        OptimizerSpec("momentum", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
        "cross_entropy",
        three_classes,
    ),
    "multiclass-mse-rmsprop-momentum-elu1": (
        (DenseLayer(12, "elu", alpha=1.0), DenseLayer(6, "relu", use_bias=False)),
        OptimizerSpec("rmsprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5}),
        "mse",
        three_classes,
    ),
    "binary-ce-adagrad-momentum-sigmoid": (
        (DenseLayer(10, "sigmoid", l1=1e-3),),
        OptimizerSpec("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.2}),
        "cross_entropy",
        xor_data,
    ),
    "binary-ce-plain-momentum-relu": (
        (DenseLayer(10, "relu"),),
        OptimizerSpec("momentum", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": False}),
        "cross_entropy",
        xor_data,
    ),
}


def _state(s: TrainingSession) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in s._tv + list(s._opt.variables)]


@pytest.mark.parametrize("case", list(CASES))
def test_a_quick_chunk_matches_the_compiled_chunk_from_the_same_state(case) -> None:
    layers, opt, loss, data_fn = CASES[case]
    s = TrainingSession(project(layers, optimizer=opt, loss=loss, batch=16), data_fn())
    q = s._quick
    assert q is not None, "this case should have a quick path"
    perms = np.stack([s._epoch_order(e) for e in range(s.max_chunk_epochs)])
    k = 2 * s.steps_per_epoch + 3  # two epochs close in the chunk, with their validation passes
    q.load(s._opt, 0)
    quick = q.chunk(k, perms)
    quick_weights = [w.copy() for w in q.weights]
    q.store(s._opt)
    quick_state = _state(s)
    s.reset_weights()  # back to the same initial weights and a fresh optimizer
    compiled = s._chunk_fn(k, perms).numpy()
    assert int(compiled[2]) == 2 and int(quick[2]) == 2
    np.testing.assert_allclose(quick, compiled, rtol=RTOL, atol=ATOL, equal_nan=True)
    for w, v in zip(quick_weights, [v.numpy() for v in s._tv], strict=True):
        np.testing.assert_allclose(w, v, rtol=RTOL, atol=ATOL)
    # ... and the optimizer's slots and iterations handed over are the ones Keras reached.
    for a, b in zip(quick_state, _state(s), strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    assert int(s._opt.iterations.numpy()) == k


def test_the_quick_path_uses_keras_s_own_loss_values_at_saturation() -> None:
    """A confident wrong sigmoid output: Keras computes the cross-entropy from the logits,
    not from a clipped probability, and so does the quick path."""
    s = TrainingSession(project((DenseLayer(4, "relu"),), batch=8), xor_data(n=40))
    q = s._quick
    z = np.array([[30.0], [-30.0], [0.5]], np.float32)
    y = np.array([[0.0], [1.0], [1.0]], np.float32)
    per, _ = q._per_sample(y, 1 / (1 + np.exp(-z)), z)
    import tensorflow as tf

    in_graph = tf.function(lambda y, z: s._loss_obj.call(y, keras.activations.sigmoid(z)))(
        y, z
    ).numpy()
    np.testing.assert_allclose(per, in_graph, rtol=1e-5)
    assert per[0] > 29  # a clipped probability would give -log(1e-7) ≈ 16.1


def test_the_same_seed_gives_the_same_curve_on_either_path_or_both(monkeypatch) -> None:
    layers = (DenseLayer(16, "tanh"), DenseLayer(8, "relu", l2=1e-3))

    def curve(mode: str) -> np.ndarray:
        monkeypatch.setenv(QUICK_ENV, "0" if mode == "compiled" else "1")
        monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)  # no background compile
        sink = RecordingSink()
        s = TrainingSession(project(layers, epochs=5, batch=16), xor_data(), sink)
        if mode == "both":
            assert s.run(2).reason == "completed"
            assert not s._compiled
            s._compile_program()  # as the background thread does
            assert s.run(3).reason == "completed"
            assert s._compiled  # epochs 3-5 ran on the compiled program
        else:
            assert s.run().reason == "completed"
            assert s._compiled == (mode == "compiled")
        return np.array([[e.loss, e.val_loss, e.metric, e.val_metric] for e in sink.epochs])

    compiled, quick, both = curve("compiled"), curve("quick"), curve("both")
    assert compiled.shape == (5, 4)
    np.testing.assert_allclose(quick, compiled, rtol=1e-4)
    np.testing.assert_allclose(both, compiled, rtol=1e-4)


def test_compiling_for_zero_steps_leaves_the_training_state_alone(monkeypatch) -> None:
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    s = TrainingSession(project(epochs=1, batch=32), xor_data())
    s.run(1)
    s._pos.assign(3)  # in mid-epoch, with running sums
    s._sums.assign([1.5, 2.5, 3.5])
    before = [*_state(s), s._pos.numpy(), s._sums.numpy()]
    s._compile_program()
    assert s._program_ok
    after = [*_state(s), s._pos.numpy(), s._sums.numpy()]
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_long_run_compiles_in_the_background_and_switches_in_mid_run(monkeypatch) -> None:
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 0.0)  # compile on any run
    sink = RecordingSink()
    # Long enough for a few chunks: the decision waits for a second measured chunk.
    s = TrainingSession(project(epochs=40, batch=16), xor_data(), sink)
    assert s.run().reason == "completed"
    assert s.wait_for_program(120)
    result = s.run(2)  # continues on the compiled program
    assert result.reason == "completed" and s._compiled
    assert [e.epoch for e in sink.epochs] == list(range(1, 43))
    assert np.isfinite([e.loss for e in sink.epochs]).all()


def test_dropout_on_the_quick_path_drops_and_rescales() -> None:
    s = TrainingSession(
        project((DenseLayer(64, "relu"), DropoutLayer(0.5), DenseLayer(8, "relu"))), xor_data()
    )
    q = s._quick
    q.load(s._opt, 0)
    _, _, caches = q._forward(q._x[:256], training=True)
    mask = caches[1]
    assert set(np.unique(mask)) == {0.0, 2.0}
    assert 0.45 < float((mask == 0).mean()) < 0.55
    _, _, eval_caches = q._forward(q._x[:256], training=False)
    assert len(eval_caches) == 3  # no mask outside training


def test_a_divergence_on_the_quick_path_restores_the_last_finite_weights(monkeypatch) -> None:
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    proj = project(
        [DenseLayer(32, "relu"), DenseLayer(32, "relu")],
        loss="mse",
        epochs=50,
        optimizer=OptimizerSpec("sgd", {"learning_rate": 10.0}),
    )
    s = TrainingSession(proj, regression_data(scale=100.0), RecordingSink())
    result = s.run()
    assert result.reason == "diverged" and not s._compiled
    assert all(np.isfinite(k).all() and np.isfinite(b).all() for k, b in s.weights_snapshot())
    assert all(np.isfinite(w).all() for w in s._quick.weights)


def test_a_catalog_optimizer_without_a_quick_path_trains_on_the_compiled_program() -> None:
    sink = RecordingSink()
    proj = project(epochs=2, optimizer=OptimizerSpec("nadam", {"learning_rate": 0.01}))
    s = TrainingSession(proj, xor_data(), sink)
    assert type(s._opt).__name__ == "Nadam"
    assert s._quick is None
    assert sink.started == [] and s._started_info(2).compiling  # the window says "Compiling…"
    assert s.run().reason == "completed"
    assert s._compiled and len(sink.epochs) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.optimizers.AdamW(learning_rate=0.01),
        lambda: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True),
        lambda: keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0),
        lambda: keras.optimizers.Adam(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
        ),
    ],
)
def test_optimizer_options_the_quick_path_does_not_reproduce_have_no_plan(make) -> None:
    s = TrainingSession(project(epochs=1), xor_data(n=40))
    assert (
        plan_quick_path(s.model, make(), s._loss_obj, "binary", "cross_entropy", [("", ())] * 4)
        is None
    )


def test_an_activation_without_a_quick_path_has_no_plan() -> None:
    inputs = keras.Input(shape=(2,))
    x = keras.layers.Normalization(mean=[0.0, 0.0], variance=[1.0, 1.0])(inputs)
    x = keras.layers.Dense(4, activation="gelu")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    opt = keras.optimizers.Adam()
    loss = keras.losses.BinaryCrossentropy()
    assert plan_quick_path(model, opt, loss, "binary", "cross_entropy", [("", ())] * 2) is None


def test_stop_and_pause_work_on_the_quick_path(monkeypatch) -> None:
    import threading

    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    paused = threading.Event()

    class Sink(RecordingSink):
        def epoch_end(self, report) -> None:
            super().epoch_end(report)
            if report.epoch == 1:
                s.pause()
                paused.set()

    sink = Sink()
    s = TrainingSession(project(epochs=200, batch=16), xor_data(), sink)
    worker = threading.Thread(target=s.run)
    worker.start()
    assert paused.wait(60)
    assert s.wait_until_paused(60)
    held = s.epochs_completed
    assert s.epochs_completed == held  # nothing trains while paused
    s.stop()
    worker.join(60)
    assert sink.finishes[-1].reason == "stopped"
    assert not s._compiled and s.epochs_completed < 200


def test_a_run_that_compiles_lets_its_sink_catch_up_first(monkeypatch) -> None:
    """Tracing is seconds of Python: the window's bridge holds the session in ``compiling``
    until the GUI has handled the first chunk's reports, as it does at a run's start."""
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 0.0)
    events: list[str] = []

    class Sink(RecordingSink):
        def chunk(self, report) -> None:
            events.append("chunk")
            super().chunk(report)

        def compiling(self) -> None:
            events.append("compiling")

    s = TrainingSession(project(epochs=3, batch=16), xor_data(), Sink())
    assert s.run().reason == "completed"
    assert s.wait_for_program(120)
    assert events.count("compiling") == 1
    assert events.index("chunk") < events.index("compiling")


@pytest.mark.parametrize("quick", ["1", "0"])
def test_a_program_compiled_ahead_serves_the_run_without_another_trace(monkeypatch, quick) -> None:
    monkeypatch.setenv(QUICK_ENV, quick)
    monkeypatch.setattr(session_module, "QUICK_STEP_GUESS_S", 1.0)  # a run worth compiling for
    layers = (DenseLayer(16, "tanh"), DenseLayer(8, "relu"))

    def curve(ahead: bool) -> tuple[TrainingSession, RecordingSink]:
        sink = RecordingSink()
        s = TrainingSession(project(layers, epochs=4, batch=16), xor_data(), sink)
        if ahead:
            s.compile_ahead()
            assert s.wait_for_program(120) and s.program_ready
            assert s._chunk_fn.experimental_get_tracing_count() == 1
        assert s.run().reason == "completed"
        return s, sink

    s, sink = curve(ahead=True)
    # The run trained on that program from its first step: no trace, no quick step.
    assert s._chunk_fn.experimental_get_tracing_count() == 1
    assert s._compiled and not s._quick_last
    assert not sink.started[0].compiling
    monkeypatch.setenv(QUICK_ENV, "0")
    _, plain = curve(ahead=False)
    np.testing.assert_array_equal(
        [[e.loss, e.val_loss] for e in sink.epochs], [[e.loss, e.val_loss] for e in plain.epochs]
    )


def _keras_weights(s: TrainingSession) -> list[np.ndarray]:
    return [v.numpy() for v in s._tv]


def test_a_quick_run_writes_the_keras_variables_back_once_not_after_every_chunk(monkeypatch) -> None:
    """Writing the weights and optimizer slots into Keras after every chunk cost ~8 ms a
    chunk; they are written when read (the run's end), and reads in between see the
    quick trainer's newer weights."""
    from ffnn_studio.engine.training.quickstart import QuickTrainer

    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    stores: list[int] = []
    real_store = QuickTrainer.store
    monkeypatch.setattr(QuickTrainer, "store", lambda self, opt: (stores.append(1), real_store(self, opt)))
    seen: list[tuple[int, np.ndarray]] = []

    class Sink(RecordingSink):
        def epoch_end(self, report) -> None:
            super().epoch_end(report)
            seen.append((report.epoch, s._read_weights()[0][0]))

    s = TrainingSession(project(epochs=30, batch=16), xor_data(), Sink())
    before = _keras_weights(s)
    assert s.run().reason == "completed" and not s._compiled
    assert len(stores) == 1
    after = _keras_weights(s)
    np.testing.assert_array_equal(after[0], s._quick.weights[0])
    assert not np.array_equal(after[0], before[0])
    # Mid-run reads came from the quick trainer, epoch by epoch, and the last is the final weights.
    assert not np.array_equal(seen[0][1], seen[-1][1])
    np.testing.assert_array_equal(seen[-1][1], after[0])
    # The optimizer's state went back too: the next run goes on, not over.
    assert int(s._opt.iterations.numpy()) == s._quick.iterations == 30 * s.steps_per_epoch


def test_a_run_after_the_weights_changed_outside_takes_them(monkeypatch) -> None:
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    s = TrainingSession(project(epochs=2, batch=16), xor_data())
    s.run()
    s.reset_weights()
    fresh = _keras_weights(s)
    seen: list[np.ndarray] = []
    real = s._quick.chunk

    def chunk(k, perms):
        seen.append(s._quick.weights[0].copy())
        return real(k, perms)

    monkeypatch.setattr(s._quick, "chunk", chunk)
    s.run(1)
    np.testing.assert_array_equal(seen[0], fresh[0])  # the reset weights, not the last run's


def test_early_stopping_restores_the_best_weights_on_the_quick_path(monkeypatch) -> None:
    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 1e9)
    proj = project(epochs=300, batch=16, early_stopping=True, patience=3, restore_best_weights=True)
    best: dict[int, np.ndarray] = {}

    class Sink(RecordingSink):
        def epoch_end(self, report) -> None:
            super().epoch_end(report)
            best[report.epoch] = s._read_weights()[0][0]

    s = TrainingSession(proj, xor_data(noise_labels=True), Sink())
    result = s.run()
    assert "Restored the weights of epoch" in result.message
    epoch = int(result.message.rsplit("epoch ", 1)[1].rstrip("."))
    np.testing.assert_array_equal(_keras_weights(s)[0], best[epoch])
    np.testing.assert_array_equal(s.weights_snapshot()[0][0], best[epoch])


def test_a_pause_asked_while_the_program_traces_takes_effect_at_once(monkeypatch) -> None:
    """The quick path waits for the background trace (~1 s, longer under load) before it
    steps on; a pause or stop asked meanwhile used to wait for the trace to end."""
    import threading

    monkeypatch.setattr(session_module, "COMPILE_AFTER_S", 0.0)
    release, tracing = threading.Event(), threading.Event()

    def slow_compile(self) -> None:
        tracing.set()
        release.wait(60)  # a trace that does not end until the test says so
        self._program_traced.set()
        self._program_ready.set()

    monkeypatch.setattr(TrainingSession, "_compile_program", slow_compile)
    s = TrainingSession(project(epochs=10_000, batch=16), xor_data(), RecordingSink())
    worker = threading.Thread(target=s.run)
    worker.start()
    try:
        assert tracing.wait(60)
        s.pause()
        assert s.wait_until_paused(timeout=0.5)
        assert not release.is_set()
        s.stop()
        s.resume()
        worker.join(5)
        assert not worker.is_alive()
    finally:
        release.set()
        s.stop()
        s.resume()
        worker.join(60)
    assert s.sink.finishes[-1].reason == "stopped"


def test_a_short_run_does_not_wait_for_a_program_still_tracing_ahead(monkeypatch) -> None:
    """Train pressed while the window compiles a settled edit ahead: a run the quick
    path finishes sooner than the trace starts at once (the first epoch came 0.5-0.6 s
    late, waiting for a trace it did not need)."""
    import threading

    release = threading.Event()

    def slow_compile(self) -> None:
        release.wait(60)  # a trace that does not end until the test says so
        self._program_traced.set()
        self._program_ready.set()

    monkeypatch.setattr(TrainingSession, "_compile_program", slow_compile)
    # Compiled ahead for the project's long run; this run is three epochs.
    s = TrainingSession(project(epochs=5000, batch=16), xor_data(), RecordingSink())
    assert s.compile_ahead()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (s.run(3), done.set()))
    worker.start()
    try:
        assert done.wait(30), "the run waited for the trace"
        assert not release.is_set() and s.sink.finishes[-1].reason == "completed"
        assert [e.epoch for e in s.sink.epochs] == [1, 2, 3] and not s._compiled
    finally:
        release.set()
        worker.join(60)
        s.wait_for_program(60)


def test_a_long_run_waits_for_the_trace_ahead_before_stepping_beside_it(monkeypatch) -> None:
    import threading

    monkeypatch.setattr(session_module, "QUICK_STEP_GUESS_S", 1.0)  # any run is long
    release, stepped = threading.Event(), threading.Event()

    def slow_compile(self) -> None:
        release.wait(60)
        self._program_traced.set()
        self._program_ready.set()

    monkeypatch.setattr(TrainingSession, "_compile_program", slow_compile)
    s = TrainingSession(project(epochs=3, batch=16), xor_data(), RecordingSink())
    real = s._quick.chunk
    monkeypatch.setattr(s._quick, "chunk", lambda k, p: (stepped.set(), real(k, p))[1])
    s.compile_ahead()
    worker = threading.Thread(target=s.run)
    worker.start()
    try:
        assert not stepped.wait(0.5)  # held while the trace goes on
        release.set()
        worker.join(60)
        assert s.sink.finishes[-1].reason == "completed"
    finally:
        release.set()
        worker.join(60)


def test_a_run_the_quick_path_finishes_soon_is_not_compiled_ahead() -> None:
    short = TrainingSession(project(epochs=3, batch=16), xor_data())
    assert not short.compile_ahead() and short._compile_thread is None
    long = TrainingSession(project(epochs=20_000, batch=16), xor_data())
    assert long.compile_ahead() and long.wait_for_program(120)


def test_slow_first_chunks_do_not_start_a_compile_for_a_short_run(monkeypatch) -> None:
    """In the window the first chunks share the CPU with the GUI's start work and ran
    1-5 ms a step against 0.2 ms: judged by them, a run the quick path ends in well under
    a second started compiling and waited for the trace. The fastest chunk decides, and
    not before the run's first epoch."""
    import time

    s = TrainingSession(project(epochs=40, batch=16), xor_data(), RecordingSink())
    real, calls = s._quick.chunk, []

    def contended(k, perms):
        calls.append(k)
        if len(calls) <= 2:
            time.sleep(0.2)  # stands for the GUI's start work on the other side of the GIL
        return real(k, perms)

    monkeypatch.setattr(s._quick, "chunk", contended)
    assert s.run().reason == "completed"
    assert len(calls) > 2 and s._compile_thread is None and not s._compiled
