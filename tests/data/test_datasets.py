"""Built-in data sets: the catalog's names, shapes, dtypes, determinism and parameter checks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import BuiltinDataSource, Task
from ffnn_studio.data import Dataset, list_datasets, load_dataset
from ffnn_studio.data.real import LOADERS
from ffnn_studio.data.synthetic import GENERATORS

SYNTHETIC = [name for name, entry in DATASETS.items() if entry.synthetic]
REAL = [name for name, entry in DATASETS.items() if not entry.synthetic]

#: What scikit-learn ships, so a wrong loader cannot pass by accident.
REAL_SHAPES = {
    "iris": (150, 4, 3),
    "wine": (178, 13, 3),
    "breast_cancer": (569, 30, 2),
    "digits": (1797, 64, 10),
    "diabetes": (442, 10, 0),
}


def test_every_catalog_data_set_has_exactly_one_implementation() -> None:
    assert set(GENERATORS) == set(SYNTHETIC)
    assert set(LOADERS) == set(REAL)
    assert not set(GENERATORS) & set(LOADERS)


def test_list_datasets_is_the_catalog_in_order() -> None:
    assert [e.name for e in list_datasets()] == list(DATASETS)
    assert list_datasets()[0] is DATASETS[next(iter(DATASETS))]


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_dtypes_and_task_match_the_catalog(name: str) -> None:
    entry = DATASETS[name]
    data = load_dataset(BuiltinDataSource(name))
    assert isinstance(data, Dataset)
    assert data.name == name
    assert data.task is Task(entry.task)
    assert data.x.dtype == np.float32 and data.x.ndim == 2
    assert data.x.shape == (len(data.y), len(data.feature_names))
    assert np.isfinite(data.x).all()
    if data.task.is_classification:
        assert data.y.dtype == np.int32
        assert data.n_classes == len(data.class_names) >= 2
        assert set(np.unique(data.y)) == set(range(data.n_classes))
        assert (data.n_classes == 2) == (data.task is Task.BINARY)
    else:
        assert data.y.dtype == np.float32
        assert data.class_names == () and data.n_classes == 0
        assert np.isfinite(data.y).all()
    if entry.synthetic:
        assert data.feature_names == ("x1", "x2")
        assert len(data.y) == entry.param("n_samples").default
        assert np.abs(data.x).max() < 9
    else:
        n, d, k = REAL_SHAPES[name]
        assert data.x.shape == (n, d) and data.n_classes == k


def test_real_sets_keep_scikit_learn_names() -> None:
    iris = load_dataset(BuiltinDataSource("iris"))
    assert iris.class_names == ("setosa", "versicolor", "virginica")
    assert iris.feature_names[0] == "sepal length (cm)"
    cancer = load_dataset(BuiltinDataSource("breast_cancer"))
    assert cancer.class_names == ("malignant", "benign")
    digits = load_dataset(BuiltinDataSource("digits"))
    assert digits.class_names == tuple(str(k) for k in range(10))
    assert digits.x.max() == 16
    diabetes = load_dataset(BuiltinDataSource("diabetes"))
    assert diabetes.feature_names[:3] == ("age", "sex", "bmi")
    # Raw values, not scikit-learn's pre-scaled ones: ages in years.
    assert diabetes.x[:, 0].max() > 50


@pytest.mark.parametrize("name", SYNTHETIC)
def test_generators_are_deterministic_in_their_seed(name: str) -> None:
    a = load_dataset(BuiltinDataSource(name, {"seed": 7, "n_samples": 200}))
    b = load_dataset(BuiltinDataSource(name, {"seed": 7, "n_samples": 200}))
    c = load_dataset(BuiltinDataSource(name, {"seed": 8, "n_samples": 200}))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("name", [n for n in SYNTHETIC if DATASETS[n].task != "regression"])
def test_synthetic_classes_are_balanced_and_shuffled(name: str) -> None:
    data = load_dataset(BuiltinDataSource(name, {"n_samples": 301}))
    counts = np.bincount(data.y)
    assert counts.max() - counts.min() <= 1
    assert len(set(data.y[: data.n_classes * 10].tolist())) == data.n_classes


def test_noise_jitters_inputs_of_classification_sets() -> None:
    clean = load_dataset(BuiltinDataSource("circle", {"noise": 0.0}))
    radius = np.hypot(clean.x[:, 0], clean.x[:, 1])
    inside = clean.y == clean.class_names.index("inside")
    assert radius[inside].max() <= 2.5 + 1e-5
    assert radius[~inside].min() >= 3.5 - 1e-5
    noisy = load_dataset(BuiltinDataSource("circle", {"noise": 1.0}))
    noisy_radius = np.hypot(noisy.x[:, 0], noisy.x[:, 1])
    assert noisy_radius[noisy.y == 1].max() > 2.5


def test_xor_labels_follow_the_signs() -> None:
    data = load_dataset(BuiltinDataSource("xor", {"noise": 0.0}))
    different_signs = (data.x[:, 0] > 0) != (data.x[:, 1] > 0)
    np.testing.assert_array_equal(data.y, different_signs.astype(np.int32))


def test_noise_of_regression_sets_is_on_the_target() -> None:
    clean = load_dataset(BuiltinDataSource("plane", {"noise": 0.0}))
    expected = 0.12 * clean.x[:, 0] - 0.06 * clean.x[:, 1] + 0.1
    np.testing.assert_allclose(clean.y, expected, atol=1e-5)
    noisy = load_dataset(BuiltinDataSource("plane", {"noise": 0.5}))
    np.testing.assert_array_equal(noisy.x, clean.x)
    residual = noisy.y - (0.12 * noisy.x[:, 0] - 0.06 * noisy.x[:, 1] + 0.1)
    assert 0.4 < residual.std() < 0.6


def test_whole_number_floats_are_accepted_for_int_params() -> None:
    data = load_dataset(BuiltinDataSource("spirals", {"n_samples": 40.0}))
    assert len(data.y) == 40


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_samples": 5}, "n_samples must be in [20, "),
        ({"noise": -0.1}, "noise must be in [0, 5], got -0.1"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"noise": "high"}, "noise must be a number"),
        ({"radius": 3}, "has no parameter 'radius'; it takes n_samples, noise, seed"),
    ],
)
def test_bad_params_name_the_param(params: dict, message: str) -> None:
    with pytest.raises(StudioError, match="circle") as info:
        load_dataset(BuiltinDataSource("circle", params))
    assert message in str(info.value)


def test_real_sets_take_no_params() -> None:
    with pytest.raises(StudioError, match="has no parameter 'noise'; it takes no parameters"):
        load_dataset(BuiltinDataSource("iris", {"noise": 0.1}))


def test_unknown_data_set_lists_the_names() -> None:
    with pytest.raises(StudioError, match=r"no built-in data set 'moons'.*spirals"):
        load_dataset(BuiltinDataSource("moons"))


def test_datasets_are_immutable() -> None:
    data = load_dataset(BuiltinDataSource("iris"))
    with pytest.raises(ValueError, match="read-only"):
        data.x[0, 0] = 1.0
    with pytest.raises(AttributeError):
        data.name = "other"  # type: ignore[misc]


def test_synthetic_sets_do_not_import_pandas_or_scikit_learn() -> None:
    # The window generates a few rows at start-up to learn a shape; that must stay cheap.
    code = (
        "import sys; from ffnn_studio.data import load_dataset; "
        "from ffnn_studio.core.spec import BuiltinDataSource; "
        "load_dataset(BuiltinDataSource('spirals')); "
        "print(sorted(m for m in ('pandas', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
