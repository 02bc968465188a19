"""Opening a .keras model: plain Keras MLPs and the studio's own exports become projects with their weights."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core import DenseLayer, DropoutLayer, OptimizerSpec, StudioError, Task
from ffnn_studio.core.reports import RecordingSink
from ffnn_studio.data import Dataset, prepare

keras = pytest.importorskip("keras")

from ffnn_studio.engine.model_import import open_keras_model  # noqa: E402
from ffnn_studio.engine.training.session import TrainingSession  # noqa: E402


def blob_data(n: int = 240, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 4)) + 3.0 * np.eye(3, 4)[y] + 10.0).astype(np.float32)
    return x, y.astype(np.int32)


@pytest.fixture(scope="module")
def plain_mlp(tmp_path_factory) -> tuple[Path, object, np.ndarray, np.ndarray]:
    """A plain Keras Sequential MLP (Normalization, Dense, Dropout, Dense), trained and saved."""
    x, y = blob_data()
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(x)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            norm,
            keras.layers.Dense(8, activation="tanh", name="hidden"),
            keras.layers.Dropout(0.25, name="drop"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=20, verbose=0)
    path = tmp_path_factory.mktemp("plain") / "plain_mlp.keras"
    model.save(path)
    return path, model, x, y


def test_a_plain_keras_mlp_opens_with_its_layers_and_weights(plain_mlp) -> None:
    path, model, _, _ = plain_mlp
    opened = open_keras_model(path)
    assert opened.task is Task.MULTICLASS and opened.n_classes == 3
    assert opened.project.network.layers == (DenseLayer(8, "tanh"), DropoutLayer(0.25))
    assert opened.metadata is None
    kernels = [model.get_layer("hidden").get_weights(), model.get_layer("out").get_weights()]
    for (kernel, bias), (k, b) in zip(opened.weights.dense, kernels, strict=True):
        np.testing.assert_array_equal(kernel, k)
        np.testing.assert_array_equal(bias, b)
    norm = model.get_layer("norm")
    np.testing.assert_allclose(opened.weights.mean, np.ravel(norm.mean), rtol=1e-6)


def _session_from(opened, x, y, lr: float = 0.01) -> TrainingSession:
    from dataclasses import replace

    project = opened.project
    project = replace(
        project,
        training=replace(
            project.training, epochs=3, optimizer=OptimizerSpec("adam", {"learning_rate": lr})
        ),
    )
    dataset = Dataset("blobs", x, y, Task.MULTICLASS, ("a", "b", "c", "d"), ("p", "q", "r"))
    data = opened.weights.prepared(prepare(dataset, 0.25, 0))
    session = TrainingSession(project, data, RecordingSink())
    opened.weights.apply(session)
    return session


def test_the_loaded_weights_reproduce_the_model_and_train_further(plain_mlp) -> None:
    path, model, x, y = plain_mlp
    opened = open_keras_model(path)
    session = _session_from(opened, x, y)
    for (kernel, bias), (k, b) in zip(session.weights_snapshot(), opened.weights.dense, strict=True):
        np.testing.assert_array_equal(kernel, k)
        np.testing.assert_array_equal(bias, b)
    # Same outputs: the model's own scaling came along with its weights.
    np.testing.assert_allclose(session.predict(x), np.asarray(model(x)), atol=1e-5)

    result = session.run()
    assert result.reason.value == "completed", result.message
    trained_loss = session.history.column("loss")[0]
    moved = max(
        float(np.abs(a - k).max())
        for (a, _), (k, _) in zip(session.weights_snapshot(), opened.weights.dense, strict=True)
    )
    assert moved > 0  # it trained
    # A fresh start from random weights begins far worse than the loaded, trained ones.
    fresh = TrainingSession(session.project, session.data, RecordingSink())
    fresh.run()
    assert trained_loss < 0.5 * fresh.history.column("loss")[0]


def test_data_of_another_width_is_refused(plain_mlp) -> None:
    path, _, x, y = plain_mlp
    opened = open_keras_model(path)
    dataset = Dataset("two", x[:, :2], y, Task.MULTICLASS, ("a", "b"), ("p", "q", "r"))
    with pytest.raises(StudioError, match="takes 4 input features, but the data set has 2"):
        opened.weights.prepared(prepare(dataset, 0.25, 0))


def test_a_functional_mlp_with_named_activations_opens(tmp_path: Path) -> None:
    inputs = keras.Input((2,))
    h = keras.layers.Dense(5, activation="leaky_relu", name="h1")(inputs)
    h = keras.layers.Dense(4, name="h2_linear")(h)
    h = keras.layers.ELU(alpha=0.5, name="h2_elu")(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="p")(h)
    path = tmp_path / "functional.keras"
    keras.Model(inputs, out).save(path)
    opened = open_keras_model(path)
    assert opened.task is Task.BINARY
    assert opened.project.network.layers == (
        DenseLayer(5, "leaky_relu", alpha=0.2),
        DenseLayer(4, "elu", alpha=0.5),
    )
    assert opened.project.data.name in ("circle", "xor", "gaussians", "spirals")


@pytest.mark.parametrize(
    ("layer", "fragment"),
    [
        (lambda: keras.layers.BatchNormalization(name="bn"), "layer 'bn' (BatchNormalization)"),
        (lambda: keras.layers.GaussianNoise(0.1, name="noise"), "layer 'noise' (GaussianNoise)"),
    ],
)
def test_unsupported_layers_are_refused_naming_layer_and_class(
    layer, fragment, tmp_path: Path
) -> None:
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, name="d"), layer(), keras.layers.Dense(1)]
    )
    path = tmp_path / "odd.keras"
    model.save(path)
    expected = rf"{re.escape(fragment)} is not supported.*Dense, Dropout and Normalization"
    with pytest.raises(StudioError, match=expected):
        open_keras_model(path)


def test_an_output_layer_the_studio_does_not_build_is_refused(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu", name="o")])
    path = tmp_path / "relu_out.keras"
    model.save(path)
    with pytest.raises(StudioError, match=r"layer 'o' \(Dense\).*output layer of 2 relu units"):
        open_keras_model(path)


def test_the_studio_s_own_export_with_a_text_column_opens_as_its_project(tmp_path: Path) -> None:
    from ffnn_studio.engine.export.formats import export_session
    from tests.engine.test_inference import _session, _write_csv

    session = _session(_write_csv(tmp_path / "train.csv"))
    result = export_session(session, tmp_path / "own.keras")
    assert result.ok, result.message
    opened = open_keras_model(result.path)
    assert opened.project.data == session.project.data
    assert opened.project.network == session.project.network
    assert opened.metadata["input_columns"]["columns"][1]["name"] == "color"
    live = [layer.get_weights() for layer in session.model.layers if isinstance(layer, keras.layers.Dense)]
    for (kernel, bias), (k, b) in zip(opened.weights.dense, live, strict=True):
        np.testing.assert_array_equal(kernel, k)
        np.testing.assert_array_equal(bias, b)
    np.testing.assert_allclose(opened.weights.mean, session.data.mean, rtol=1e-6)
