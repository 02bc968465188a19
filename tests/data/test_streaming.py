"""The streamed CSV: the first pass's statistics and encodings, and the batches of each epoch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import Task
from ffnn_studio.data.streaming import batches, scan_csv


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 1000
    frame = pd.DataFrame(
        {
            "a": rng.normal(3.0, 2.0, n),
            "b": rng.integers(0, 10, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "y": rng.choice(["no", "yes", "maybe"], n),
        }
    )
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_the_scan_in_small_blocks_gives_the_whole_files_statistics(csv_file):
    path, frame = csv_file
    plan = scan_csv(path, "y", block_rows=97)
    assert plan.rows == 1000
    assert plan.task is Task.MULTICLASS and plan.classes == ["maybe", "no", "yes"]
    assert plan.categories == {"colour": ["blue", "green", "red"]}
    assert plan.feature_names == ["a", "b", "colour=blue", "colour=green", "colour=red"]
    np.testing.assert_allclose(plan.mean[:2], frame[["a", "b"]].mean(), rtol=1e-5)
    np.testing.assert_allclose(plan.variance[:2], frame[["a", "b"]].var(ddof=0), rtol=1e-4)
    x, y = plan.encode(frame.iloc[:3])
    assert x.shape == (3, 5) and x[:, 2:].sum(axis=1).tolist() == [1.0, 1.0, 1.0]
    assert [plan.classes[i] for i in y] == frame["y"].iloc[:3].tolist()


def test_a_numeric_target_with_many_values_is_regression_and_few_integers_are_classes(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "r.csv"
    pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200), "k": rng.integers(0, 2, 200)}).to_csv(
        path, index=False
    )
    assert scan_csv(path, "y").task is Task.REGRESSION
    binary = scan_csv(path, "k")
    assert binary.task is Task.BINARY and binary.classes == ["0", "1"]


def test_every_training_row_comes_once_an_epoch_and_the_split_stays(csv_file):
    path, _ = csv_file
    plan = scan_csv(path, "y", block_rows=128)
    kw = {"seed": 5, "validation_fraction": 0.2, "block_rows": 128}
    train0 = np.concatenate([x for x, _ in batches(plan, 32, part="train", epoch=0, **kw)])
    train1 = np.concatenate([x for x, _ in batches(plan, 32, part="train", epoch=1, **kw)])
    val = np.concatenate([x for x, _ in batches(plan, 64, part="validation", epoch=0, **kw)])
    assert len(train0) + len(val) == 1000
    assert 120 < len(val) < 280
    key = lambda a: sorted(map(tuple, a.round(5)))  # noqa: E731
    assert key(train0) == key(train1)  # the same rows, reshuffled
    assert not np.array_equal(train0, train1)
    sizes = [len(x) for x, _ in batches(plan, 32, part="train", epoch=0, **kw)]
    assert all(s == 32 for s in sizes[:-1]) and 0 < sizes[-1] <= 32


@pytest.mark.parametrize(
    ("content", "target", "fragment"),
    [
        ("a,y\n1,0\n2,1\n", "z", "no column 'z'"),
        ("a,y\n1,0\n,1\n", "y", "missing values in column 'a'"),
        ("a,y\n1,0\n2,0\n", "y", "only one value"),
        ("a,y\n", "y", "no data rows"),
    ],
)
def test_bad_files_are_named(tmp_path, content, target, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(StudioError, match=fragment):
        scan_csv(path, target)
