"""Run records, their differences, comparison variants and the runs file."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core.catalog import OPTIMIZERS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import project_to_dict
from ffnn_studio.core.runs import (
    COMPARE_ACTIVATIONS,
    COMPARE_OPTIMIZERS,
    DataOrigin,
    RunRecord,
    RunsFileError,
    activation_variants,
    backup_sidecar,
    data_label,
    data_origin,
    diff_projects,
    diff_runs,
    load_runs,
    next_run_number,
    optimizer_variants,
    run_labels,
    run_name,
    save_runs,
    settings_summary,
    sidecar_path,
)
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)


def _project() -> Project:
    return Project(
        name="demo",
        network=NetworkSpec(
            (DenseLayer(16, "relu"), DropoutLayer(0.2), DenseLayer(8, "leaky_relu", alpha=0.1))
        ),
        data=BuiltinDataSource("xor", {"n_samples": 200}),
        training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}), epochs=7),
    )


def _record(number: int = 1, project: Project | None = None, n: int = 4) -> RunRecord:
    project = project or _project()
    loss = np.linspace(1.0, 0.2, n)
    val = loss + 0.1
    val[1] = math.nan  # a missing value must survive the round trip
    return RunRecord(
        number=number,
        name=run_name(number, project),
        project=project,
        history={"loss": loss, "val_loss": val, "metric": 1 - loss, "val_metric": 1 - val},
        duration_s=3.25,
        metric_name="accuracy",
        finish_reason="completed",
        finished_at="2026-01-02T03:04:05",
        group="Compare optimizers #1",
        variant="Adam",
    )


def test_names_and_summary() -> None:
    p = _project()
    assert run_name(3, p) == "Run 3 · Adam lr 0.01"
    sgd = replace(p, training=replace(p.training, optimizer=OptimizerSpec("sgd")))
    assert run_name(1, sgd) == "Run 1 · SGD lr 0.01"
    summary = settings_summary(p)
    assert "16 relu → drop 0.2 → 8 leaky_relu" in summary
    assert "Adam lr 0.01" in summary
    assert next_run_number([]) == 1
    assert next_run_number([_record(4), _record(2)]) == 5


def test_record_pads_history_and_reads_finals() -> None:
    r = RunRecord(1, "r", _project(), {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5]})
    assert r.epochs == 3
    assert r.final("loss") == 1.0
    assert r.final("val_loss") == 3.5
    assert r.final("metric") is None
    assert len(r.history["val_metric"]) == 3
    assert r.best_epoch() == 1


def test_diff_lists_each_changed_setting() -> None:
    a = _project()
    b = replace(
        a,
        network=a.network.with_layers(
            (DenseLayer(16, "relu"), DropoutLayer(0.3), DenseLayer(8, "sigmoid"), DenseLayer(4))
        ),
        training=replace(a.training, optimizer=OptimizerSpec("sgd"), batch_size=64),
        data=BuiltinDataSource("xor", {"n_samples": 300}),
    )
    lines = diff_projects(a, b)
    assert "optimizer: Adam → SGD" in lines
    assert "layer 3 activation: leaky_relu → sigmoid" in lines
    assert "layer 2 dropout rate: 0.2 → 0.3" in lines
    assert "layer 4 added: Dense 4 · ReLU" in lines
    assert "hidden layers: 3 → 4" in lines
    assert "batch size: 32 → 64" in lines
    assert "data n samples: 200 → 300" in lines
    # Both learning rates are 0.01 (Adam's explicit one, SGD's default): not a change.
    assert not any(line.startswith("learning rate") for line in lines)
    assert diff_projects(a, a) == []


def test_diff_reports_learning_rate_and_alpha_and_data_kind() -> None:
    a = _project()
    b = replace(a, training=replace(a.training, optimizer=OptimizerSpec("adam", {"learning_rate": 0.001})))
    assert diff_projects(a, b) == ["learning rate: 0.01 → 0.001"]
    c = replace(a, network=a.network.with_layers((*a.network.layers[:2], DenseLayer(8, "leaky_relu", alpha=0.3))))
    assert diff_projects(a, c) == ["layer 3 alpha: 0.1 → 0.3"]
    d = replace(a, data=CsvDataSource("/x/data.csv", "y"))
    assert diff_projects(a, d)[0].startswith("data: XOR → CSV")


def test_optimizer_variants_differ_only_in_the_optimizer() -> None:
    base = _project()
    variants = optimizer_variants(base)
    assert [label for label, _ in variants] == [OPTIMIZERS[n].label for n in COMPARE_OPTIMIZERS]
    for (_label, p), name in zip(variants, COMPARE_OPTIMIZERS, strict=True):
        assert p.training.optimizer == OptimizerSpec(name, {})
        # Pinned to the weights the base run starts from; nothing else changes.
        assert p.training.init_seed == base.training.weights_seed
        restored = replace(p.training, optimizer=base.training.optimizer, init_seed=base.training.init_seed)
        assert replace(p, training=restored) == base
        assert [d.split(":")[0] for d in diff_projects(base, p)] in (
            [],
            ["optimizer"],
            ["optimizer", "learning rate"],
            ["learning rate"],
        )


def test_activation_variants_set_every_dense_layer() -> None:
    base = _project()
    variants = activation_variants(base)
    assert len(variants) == len(COMPARE_ACTIVATIONS)
    for (_label, p), act in zip(variants, COMPARE_ACTIVATIONS, strict=True):
        assert [layer.activation for layer in p.network.dense_layers] == [act, act]
        assert all(layer.alpha is None for layer in p.network.dense_layers)
        assert isinstance(p.network.layers[1], DropoutLayer)
        assert p.training == replace(base.training, init_seed=base.training.weights_seed)
        assert p.data == base.data
    with pytest.raises(ValueError):
        activation_variants(base, ["softmax"])


def test_sidecar_path() -> None:
    assert sidecar_path("/a/b/spirals.ffnn.json") == Path("/a/b/spirals.ffnn.runs.json")
    assert sidecar_path("/a/odd.json") == Path("/a/odd.json.runs.json")


def test_round_trip(tmp_path: Path) -> None:
    project_path = tmp_path / "demo.ffnn.json"
    csv_project = replace(_project(), data=CsvDataSource(str(tmp_path / "data" / "t.csv"), "y"))
    runs = [_record(1), _record(2, csv_project, n=6)]
    written = save_runs(project_path, runs)
    assert written == tmp_path / "demo.ffnn.runs.json"
    raw = json.loads(written.read_text())
    assert raw["format"] == "ffnn-studio-runs"
    assert raw["runs"][0]["history"]["val_loss"][1] is None
    assert raw["runs"][0]["final"]["loss"] == pytest.approx(0.2)
    # CSV paths are stored relative to the project folder, as in the project file.
    assert raw["runs"][1]["project"]["data"]["path"] == "data/t.csv"
    loaded = load_runs(project_path)
    assert len(loaded) == 2
    for a, b in zip(runs, loaded, strict=True):
        assert (a.number, a.name, a.duration_s, a.group, a.variant) == (
            b.number,
            b.name,
            b.duration_s,
            b.group,
            b.variant,
        )
        assert a.project == b.project
        assert a.metric_name == b.metric_name and a.finished_at == b.finished_at
        for column in a.history:
            np.testing.assert_array_equal(a.history[column], b.history[column])
    assert math.isnan(loaded[0].history["val_loss"][1])


def test_missing_sidecar_means_no_runs(tmp_path: Path) -> None:
    assert load_runs(tmp_path / "none.ffnn.json") == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "something-else", "schema_version": 1, "runs": []}', "not an FFNN Studio runs file"),
        ('{"format": "ffnn-studio-runs", "schema_version": 99, "runs": []}', "newer FFNN Studio"),
        ('{"format": "ffnn-studio-runs", "schema_version": 1, "runs": {}}', "expected a list"),
        ('{"format": "ffnn-studio-runs", "schema_version": 1, "runs": [{"number": 1}]}', "missing 'name'"),
    ],
)
def test_malformed_sidecar_raises_a_studio_error(tmp_path: Path, content: str, fragment: str) -> None:
    project_path = tmp_path / "p.ffnn.json"
    sidecar_path(project_path).write_text(content)
    with pytest.raises(RunsFileError) as info:
        load_runs(project_path)
    assert isinstance(info.value, StudioError)
    assert fragment in str(info.value)
    assert "p.ffnn.runs.json" in str(info.value)


def test_bad_history_value_and_bad_project_are_named(tmp_path: Path) -> None:
    project_path = tmp_path / "p.ffnn.json"
    good = json.loads(json.dumps({"format": "ffnn-studio-runs", "schema_version": 1, "runs": []}))
    run = {
        "number": 1,
        "name": "Run 1",
        "duration_s": 1.0,
        "history": {"loss": [1.0, "x"]},
        "project": project_to_dict(_project()),
    }
    good["runs"] = [run]
    sidecar_path(project_path).write_text(json.dumps(good))
    with pytest.raises(RunsFileError, match=r"history\.loss\[1\]"):
        load_runs(project_path)
    run["history"] = {"loss": [1.0]}
    run["project"]["network"]["layers"][0]["units"] = "many"
    sidecar_path(project_path).write_text(json.dumps(good))
    with pytest.raises(RunsFileError, match=r"\$\.runs\[0\]\.project"):
        load_runs(project_path)


def test_backup_moves_the_file_aside_with_a_free_name(tmp_path: Path) -> None:
    project_path = tmp_path / "p.ffnn.json"
    assert backup_sidecar(project_path) is None
    side = sidecar_path(project_path)
    side.write_text("junk 1")
    first = backup_sidecar(project_path)
    assert first == tmp_path / "p.ffnn.runs.json.bak" and first.read_text() == "junk 1"
    side.write_text("junk 2")
    second = backup_sidecar(project_path)
    assert second is not None and second.name == "p.ffnn.runs.json.bak2"
    assert not side.exists()


def test_a_run_records_its_data_and_old_files_load_without_it(tmp_path: Path) -> None:
    project_path = tmp_path / "demo.ffnn.json"
    csv = tmp_path / "data" / "wine.csv"
    wine = replace(_project(), data=CsvDataSource(str(csv), "target"))
    runs = [
        replace(_record(1), data=data_origin(_project().data)),
        replace(_record(2, wine), data=data_origin(wine.data)),
    ]
    raw = json.loads(save_runs(project_path, runs).read_text())
    assert raw["runs"][0]["data"] == {"kind": "builtin", "name": "xor", "target": ""}
    assert raw["runs"][1]["data"] == {"kind": "csv", "name": "data/wine.csv", "target": "target"}
    loaded = load_runs(project_path)
    assert [r.data for r in loaded] == [DataOrigin("builtin", "xor"), DataOrigin("csv", str(csv), "target")]
    assert [data_label(r) for r in loaded] == ["XOR", "wine.csv → target"]

    # A runs file written before runs recorded their data: the data is unknown.
    for run in raw["runs"]:
        del run["data"]
    sidecar_path(project_path).write_text(json.dumps(raw))
    old = load_runs(project_path)
    assert [r.data for r in old] == [None, None]
    assert data_label(old[0]) == "data unknown"

    raw["runs"][0]["data"] = {"kind": "zip", "name": "x"}
    sidecar_path(project_path).write_text(json.dumps(raw))
    with pytest.raises(RunsFileError, match=r"data\.kind"):
        load_runs(project_path)


def test_labels_and_differences_show_the_data_when_it_differs() -> None:
    xor = replace(_record(1), data=DataOrigin("builtin", "xor"))
    again = replace(_record(2), data=DataOrigin("builtin", "xor"))
    assert run_labels([xor, again]) == [xor.name, again.name]  # same data: names alone
    wine_project = replace(_project(), data=CsvDataSource("/d/wine.csv", "target"))
    wine = replace(_record(3, wine_project), data=DataOrigin("csv", "/d/wine.csv", "target"))
    assert run_labels([xor, wine]) == [f"{xor.name} · XOR", f"{wine.name} · wine.csv → target"]
    assert xor.name.split(" · ", 1)[1] == wine.name.split(" · ", 1)[1]  # the names alone are alike
    assert diff_runs(xor, wine)[0] == "data: XOR → wine.csv → target"
    assert not any(line.startswith("data") for line in diff_runs(xor, again))
    unknown = replace(_record(4), data=None)
    assert run_labels([unknown, wine])[0].endswith("· data unknown")
    assert diff_runs(unknown, wine)[0] == "data: unknown → wine.csv → target"


def test_test_scores_round_trip_and_old_files_open_without_them(tmp_path: Path) -> None:
    project_path = tmp_path / "demo.ffnn.json"
    scored = replace(_record(1), test_scores={"loss": 0.31, "accuracy": 0.875})
    raw = json.loads(save_runs(project_path, [scored, _record(2)]).read_text())
    assert raw["runs"][0]["test"] == {"loss": 0.31, "accuracy": 0.875}
    assert raw["runs"][1]["test"] is None
    loaded = load_runs(project_path)
    assert loaded[0].test_scores == {"loss": 0.31, "accuracy": 0.875}
    assert loaded[0].test_score("accuracy") == 0.875 and loaded[1].test_score("accuracy") is None

    # A runs file written before runs had a test part: no "test" key at all.
    for run in raw["runs"]:
        del run["test"]
    sidecar_path(project_path).write_text(json.dumps(raw))
    assert [r.test_scores for r in load_runs(project_path)] == [None, None]

    raw["runs"][0]["test"] = {"accuracy": "high"}
    sidecar_path(project_path).write_text(json.dumps(raw))
    with pytest.raises(RunsFileError, match=r"test\.accuracy"):
        load_runs(project_path)
