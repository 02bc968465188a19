"""TensorBoard logs of a run: the event files hold the expected tags, steps and histograms."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import RecordingSink
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import Dataset, prepare

tf = pytest.importorskip("tensorflow")

from ffnn_studio.engine.tensorboard import (  # noqa: E402
    TensorBoardSink,
    histogram_buckets,
    run_folder,
)
from ffnn_studio.engine.training.session import TrainingSession  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(120, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int32)
    return prepare(Dataset("xor", x, y, Task.BINARY, ("a", "b"), ("neg", "pos")), 0.25, 0)


def _project(epochs: int = 6) -> Project:
    return Project(
        name="XOR demo",
        network=NetworkSpec((DenseLayer(8, "tanh"), DropoutLayer(0.1), DenseLayer(4, "relu"))),
        training=TrainingSettings(epochs=epochs, batch_size=30, seed=1),
    )


def read_events(folder: Path) -> dict[str, dict[int, object]]:
    """tag → step → value (a float for scalars, the (k, 3) bucket array for histograms)."""
    out: dict[str, dict[int, object]] = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                plugin = value.metadata.plugin_data.plugin_name
                out.setdefault(f"{plugin}:{value.tag}", {})[int(event.step)] = (
                    float(array) if plugin == "scalars" else array
                )
    return out


def test_a_run_writes_scalars_per_epoch_and_weight_and_gradient_histograms(tmp_path) -> None:
    prepared, project = _data(), _project(epochs=6)
    inner = RecordingSink()
    sink = TensorBoardSink(tmp_path, project, prepared, inner, now=datetime(2026, 5, 4, 3, 2, 1))
    session = TrainingSession(project, prepared, sink)
    finished = session.run()
    assert finished.reason == "completed"
    # Everything reached the run's own sink too.
    assert len(inner.epochs) == 6 and inner.finishes == [finished]
    assert sink.log_dir == tmp_path / "xor_demo-20260504-030201"
    assert sink.error is None

    train = read_events(sink.log_dir / "train")
    val = read_events(sink.log_dir / "validation")
    steps = set(range(1, 7))
    for tag in ("epoch_loss", "epoch_accuracy", "epoch_learning_rate"):
        assert set(train[f"scalars:{tag}"]) == steps, tag
    for tag in ("epoch_loss", "epoch_accuracy"):
        assert set(val[f"scalars:{tag}"]) == steps, tag
    # The values are the session's own.
    assert train["scalars:epoch_loss"][6] == pytest.approx(
        session.history.column("loss")[-1], rel=1e-6
    )
    assert val["scalars:epoch_loss"][3] == pytest.approx(
        session.history.column("val_loss")[2], rel=1e-6
    )
    for layer in ("dense_1", "dense_3", "output"):
        assert set(train[f"scalars:layers/{layer}/grad_norm"]) == steps
        for kind in ("weights", "gradients"):
            for part in ("kernel", "bias"):
                hist = train[f"histograms:{kind}/{layer}/{part}"]
                # The final weights are always written, at the last epoch.
                assert 6 in hist
    final = session.weights_snapshot()
    kernel_hist = train["histograms:weights/dense_1/kernel"][6]
    assert kernel_hist.shape[1] == 3 and kernel_hist[:, 2].sum() == final[0][0].size
    assert kernel_hist[0, 0] == pytest.approx(final[0][0].min()) and kernel_hist[
        -1, 1
    ] == pytest.approx(final[0][0].max())
    grad_hist = train["histograms:gradients/output/kernel"][6]
    assert grad_hist[:, 2].sum() == final[-1][0].size
    assert np.ptp(grad_hist[:, :2]) > 0


def test_gradient_histograms_are_the_models_own_gradients(tmp_path) -> None:
    prepared, project = _data(), _project(epochs=2)
    sink = TensorBoardSink(tmp_path, project, prepared)
    session = TrainingSession(project, prepared, sink)
    session.run()
    weights = session.weights_snapshot()
    grads = sink._twin.gradients(weights)
    # The same rows through the trained model itself, dropout off.
    model = session.model
    with tf.GradientTape() as tape:
        loss = model.loss(sink._twin._y, model(sink._twin._x, training=False))
    expected = tape.gradient(loss, [session.built.blocks[-1].dense.kernel])[0].numpy()
    np.testing.assert_allclose(grads[-1][0], expected, rtol=1e-5, atol=1e-7)


def test_run_folders_are_named_by_project_and_time_and_never_reused(tmp_path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    first = run_folder(tmp_path / "logs", "My net!", when)
    second = run_folder(tmp_path / "logs", "My net!", when)
    assert first.name == "my_net-20260102-030405" and second.name == "my_net-20260102-030405-2"
    assert first.is_dir() and second.is_dir()


def test_an_unwritable_folder_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StudioError, match="cannot write TensorBoard logs"):
        run_folder(blocker / "logs", "p")


def test_histogram_buckets_count_every_finite_value() -> None:
    b = histogram_buckets(np.array([0.0, 1.0, 1.0, np.nan, 3.0]), buckets=3)
    assert b.shape == (3, 3) and b[:, 2].tolist() == [1.0, 2.0, 1.0]
    assert histogram_buckets(np.full(4, 2.0)).tolist() == [[1.5, 2.5, 4.0]]
