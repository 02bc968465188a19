from __future__ import annotations

import json
from pathlib import Path

import pytest

from ffnn_studio.core import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.examples import example_paths
from ffnn_studio.core.project_file import (
    SCHEMA_VERSION,
    dumps,
    load_project,
    loads,
    project_to_dict,
    save_project,
)


def rich_project(csv_path: str = "") -> Project:
    data = (
        CsvDataSource(
            path=csv_path,
            target="label",
            features=("a", "b"),
            task=Task.MULTICLASS,
            missing="mean",
            delimiter=";",
            has_header=False,
        )
        if csv_path
        else BuiltinDataSource("circle", {"n_samples": 300, "noise": 0.2, "seed": 7})
    )
    return Project(
        name="Everything",
        description="all fields set",
        network=NetworkSpec(
            (
                DenseLayer(12, "leaky_relu", alpha=0.05, use_bias=False, kernel_initializer="he_normal", l1=0.001, l2=0.01),
                DropoutLayer(0.3),
                DenseLayer(5, "step"),
                DenseLayer(3, "elu"),
            )
        ),
        data=data,
        training=TrainingSettings(
            loss="mse",
            optimizer=OptimizerSpec("momentum", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
            epochs=17,
            batch_size=8,
            validation_fraction=0.25,
            seed=42,
            early_stopping=True,
            patience=4,
            restore_best_weights=False,
        ),
    )


def test_round_trip_builtin(tmp_path: Path) -> None:
    project = rich_project()
    path = tmp_path / "p.ffnn.json"
    save_project(project, path)
    assert load_project(path) == project


def test_round_trip_csv_path_is_relative_in_file_and_absolute_in_memory(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    csv = data_dir / "table.csv"
    project = rich_project(str(csv))
    path = tmp_path / "proj" / "p.ffnn.json"
    path.parent.mkdir()
    save_project(project, path)
    stored = json.loads(path.read_text())
    assert stored["data"]["path"] == "../data/table.csv"
    assert load_project(path) == project


def test_text_round_trip_is_stable() -> None:
    project = rich_project()
    text = dumps(project)
    assert dumps(loads(text)) == text


def test_examples_load() -> None:
    paths = example_paths()
    assert {p.name for p in paths} >= {"spirals.ffnn.json", "surface.ffnn.json", "digits.ffnn.json"}
    for p in paths:
        assert load_project(p).network.layers


def _doc(**changes) -> dict:
    d = project_to_dict(rich_project())
    for dotted, value in changes.items():
        target = d
        keys = dotted.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return d


@pytest.mark.parametrize(
    ("doc", "where", "fragment"),
    [
        (_doc(network__layers__0__colour="red"), "$.network.layers[0].colour", "unknown field 'colour'"),
        (_doc(training__surprise=1), "$.training.surprise", "unknown field"),
        (_doc(network__layers__0__units="many"), "$.network.layers[0].units", "whole number"),
        (_doc(network__layers__1__rate=True), "$.network.layers[1].rate", "expected a number"),
        (_doc(network__layers__2__kind="conv"), "$.network.layers[2].kind", "unknown layer kind"),
        (_doc(network__layers__0__activation=KeyError), "$.network.layers[0].activation", "required field"),
        (_doc(training__optimizer__params__momentum="fast"), "$.training.optimizer.params.momentum", "number"),
        (_doc(training__early_stopping="yes"), "$.training.early_stopping", "true or false"),
        (_doc(data__kind="sql"), "$.data.kind", "unknown data source kind"),
        (_doc(network__layers={}), "$.network.layers", "expected a list"),
        (_doc(format="something-else"), "$.format", "not an FFNN Studio project"),
    ],
)
def test_invalid_fields_are_rejected_with_their_path(doc: dict, where: str, fragment: str) -> None:
    with pytest.raises(StudioError) as info:
        loads(json.dumps(doc))
    assert info.value.where == where
    assert fragment in info.value.message


def test_newer_schema_is_refused() -> None:
    doc = _doc(schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(StudioError, match="newer FFNN Studio"):
        loads(json.dumps(doc))


def test_bad_json_names_line_and_column() -> None:
    with pytest.raises(StudioError, match=r"line 2, column"):
        loads('{\n  "format": }')


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="not found"):
        load_project(tmp_path / "missing.ffnn.json")
    binary = tmp_path / "b.ffnn.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StudioError, match="not UTF-8"):
        load_project(binary)
    bad = tmp_path / "bad.ffnn.json"
    bad.write_text(json.dumps(_doc(network__layers__0__units="x")))
    with pytest.raises(StudioError) as info:
        load_project(bad)
    assert "bad.ffnn.json" in str(info.value) and "units" in str(info.value)


def test_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.ffnn.json"
    save_project(rich_project(), path)
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ffnn_studio.core.atomic.os.fsync", full_disk)
    with pytest.raises(StudioError, match="No space left on device"):
        save_project(Project(name="new"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.ffnn.json"]


def test_unwritable_folder_is_a_studio_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("ffnn_studio.core.atomic.tempfile.mkstemp", denied)
    with pytest.raises(StudioError, match="Permission denied"):
        save_project(rich_project(), tmp_path / "p.ffnn.json")
    assert list(tmp_path.iterdir()) == []


def test_saved_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    import os

    path = tmp_path / "p.ffnn.json"
    save_project(rich_project(), path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


# ---------------------------------------------------------------- hostile files


def test_non_regular_files_are_refused_without_reading(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.ffnn.json"
    os.mkfifo(fifo)  # nobody writes to it: reading would block forever
    with pytest.raises(StudioError, match="not a regular file"):
        load_project(fifo)
    with pytest.raises(StudioError, match="not a regular file"):
        load_project("/dev/zero")
    with pytest.raises(StudioError, match="is a folder"):
        load_project(tmp_path)


def test_oversized_project_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ffnn_studio.core import project_file

    big = tmp_path / "big.ffnn.json"
    with open(big, "wb") as fh:  # sparse: 11 MB of size, no disk used
        fh.truncate(11 * 1024 * 1024)
    reads: list[int] = []
    real_read = project_file.os.read
    monkeypatch.setattr(
        project_file.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n)
    )
    with pytest.raises(StudioError, match=r"11\.0 MB.*at most 10\.0 MB"):
        load_project(big)
    assert reads == []


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ffnn.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps(rich_project()).encode("utf-8"))
    assert load_project(path) == rich_project()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "nested too deeply"),
        ('{"format": ' + "9" * 5000 + "}", "digits"),
    ],
)
def test_parser_limits_are_studio_errors(text: str, fragment: str) -> None:
    with pytest.raises(StudioError, match=fragment):
        loads(text)


def test_huge_integer_in_a_number_field_is_a_studio_error() -> None:
    doc = _doc(network__layers__1__rate=10**400)
    with pytest.raises(StudioError, match="too large") as info:
        loads(json.dumps(doc))
    assert "rate" in str(info.value) and len(str(info.value)) < 200
