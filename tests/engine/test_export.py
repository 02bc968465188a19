"""Export: every format round-trips, loads without the studio, and fails without leftovers."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ffnn_studio.core import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    Task,
    TrainingSettings,
)
from ffnn_studio.engine import quiet
from ffnn_studio.engine.builder import build_model, encode_targets
from ffnn_studio.engine.export import formats as export
from ffnn_studio.engine.export.formats import (
    FORMATS,
    TOLERANCE,
    build_metadata,
    export_keras_file,
    export_model,
    export_session,
    format_for_path,
    metadata_path,
    read_metadata,
)

keras = pytest.importorskip("keras")

FILE_NAMES = {
    "keras": "model.keras",
    "savedmodel": "model_folder",
    "tflite": "model.tflite",
    "onnx": "model.onnx",
    "h5": "model.h5",
}


class Trained:
    """A briefly trained model with its project, data and metadata."""

    def __init__(self, project: Project, task: Task, n_classes: int, x, y, names) -> None:
        self.project = project
        self.task = task
        self.x = x
        built = build_model(
            project,
            n_features=x.shape[1],
            task=task,
            n_classes=n_classes,
            # Deliberately off-centre statistics: the scaling must travel with the model.
            mean=x.mean(axis=0) + 0.5,
            variance=x.var(axis=0) * 2.0,
        )
        self.model = built.model
        self.model.fit(
            x, encode_targets(y, task, project.training.loss, n_classes), epochs=3, verbose=0
        )
        self.metadata = build_metadata(
            project,
            task=task,
            feature_names=[f"f{i}" for i in range(x.shape[1])],
            class_names=names,
        )
        self.expected = np.asarray(self.model(x, training=False))


@pytest.fixture(scope="module")
def binary_step() -> Trained:
    """Step units (the custom activation), Leaky ReLU α, dropout and ELU: binary output."""
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 2.0, size=(96, 3)).astype(np.float32)
    y = ((x[:, 0] - 3) * (x[:, 1] - 3) > 0).astype(np.int32)
    project = Project(
        name="step net",
        network=NetworkSpec(
            (
                DenseLayer(12, "step"),
                DenseLayer(8, "leaky_relu", alpha=0.2, l2=1e-3),
                DropoutLayer(0.2),
                DenseLayer(6, "elu", alpha=0.7),
            )
        ),
        training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.02})),
    )
    return Trained(project, Task.BINARY, 0, x, y, ["no", "yes"])


@pytest.fixture(scope="module")
def multiclass() -> Trained:
    """No custom objects: softmax over three classes, L1/L2, tanh and sigmoid."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(96, 4)).astype(np.float32) * [1, 10, 100, 0.1]
    x = x.astype(np.float32)
    y = np.digitize(x[:, 0], [-0.4, 0.4]).astype(np.int32)
    project = Project(
        name="three classes",
        network=NetworkSpec((DenseLayer(10, "tanh", l1=1e-4, l2=1e-4), DenseLayer(6, "sigmoid"))),
        training=TrainingSettings(optimizer=OptimizerSpec("rmsprop")),
    )
    return Trained(project, Task.MULTICLASS, 3, x, y, ["low", "mid", "high"])


def _export_all(trained: Trained, folder: Path) -> dict[str, export.ExportResult]:
    folder.mkdir()
    results = {}
    for fmt, name in FILE_NAMES.items():
        results[fmt] = export_model(
            trained.model,
            folder / name,
            fmt,
            sample_x=trained.x,
            metadata=trained.metadata,
        )
    return results


@pytest.fixture(scope="module")
def step_exports(binary_step: Trained, tmp_path_factory) -> dict[str, export.ExportResult]:
    return _export_all(binary_step, tmp_path_factory.mktemp("step") / "out")


@pytest.fixture(scope="module")
def multiclass_exports(multiclass: Trained, tmp_path_factory) -> dict[str, export.ExportResult]:
    return _export_all(multiclass, tmp_path_factory.mktemp("multi") / "out")


# --------------------------------------------------------------------- format_for_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("net.keras", "keras"),
        ("NET.KERAS", "keras"),
        ("net.tflite", "tflite"),
        ("dir/net.onnx", "onnx"),
        ("net.h5", "h5"),
        ("net.hdf5", "h5"),
        ("exported_model", "savedmodel"),
    ],
)
def test_format_for_path_reads_the_extension(path: str, expected: str) -> None:
    assert format_for_path(path) == expected


def test_format_for_path_treats_an_existing_folder_as_savedmodel(tmp_path: Path) -> None:
    folder = tmp_path / "model.v2"
    folder.mkdir()
    assert format_for_path(folder) == "savedmodel"


def test_format_for_path_refuses_unknown_extensions_and_lists_the_formats() -> None:
    with pytest.raises(StudioError) as info:
        format_for_path("model.pt")
    message = str(info.value)
    assert "'.pt'" in message
    for fmt in FORMATS.values():
        assert fmt.name in message
    assert ".keras" in message and ".tflite" in message


def test_format_for_path_explicit_format_wins_but_must_agree() -> None:
    assert format_for_path("model", "ONNX") == "onnx"
    assert format_for_path("model", "saved_model") == "savedmodel"
    assert format_for_path("model.onnx", "onnx") == "onnx"
    with pytest.raises(StudioError, match=r"ends in \.onnx"):
        format_for_path("model.onnx", "keras")
    with pytest.raises(StudioError, match="unknown export format 'pickle'"):
        format_for_path("model.bin", "pickle")


# --------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", list(FILE_NAMES))
def test_every_format_reloads_within_tolerance(
    fmt: str, step_exports, multiclass_exports, binary_step: Trained, multiclass: Trained
) -> None:
    for trained, results in ((binary_step, step_exports), (multiclass, multiclass_exports)):
        result = results[fmt]
        assert result.ok, result.message
        assert result.format == fmt
        assert result.max_abs_diff is not None and result.max_abs_diff <= TOLERANCE
        assert result.path.exists()
        assert result.path.is_dir() == (fmt == "savedmodel")
        assert result.extra_files == (metadata_path(result.path),)
        assert "predictions match" in result.message
        # Only .keras/.h5 of a network with step units need the studio to load.
        assert result.needs_import == (fmt in ("keras", "h5") and trained is binary_step)
        assert ("import ffnn_studio.engine.activations" in result.message) == result.needs_import


def test_only_the_export_and_its_metadata_are_left_in_the_folder(step_exports) -> None:
    folder = step_exports["keras"].path.parent
    expected = {name for name in FILE_NAMES.values()}
    expected |= {metadata_path(folder / name).name for name in FILE_NAMES.values()}
    assert {p.name for p in folder.iterdir()} == expected


def test_exported_files_get_the_usual_permissions(step_exports) -> None:
    if os.name != "posix":
        pytest.skip("POSIX file modes")
    umask = os.umask(0o022)
    os.umask(umask)
    for result in step_exports.values():
        for path in (result.path, *result.extra_files):
            if path.is_file():
                assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_metadata_sidecar_describes_the_model(step_exports, binary_step: Trained) -> None:
    for fmt, result in step_exports.items():
        meta = read_metadata(result.path)
        assert meta["model_format"] == fmt
        assert meta["model_file"] == result.path.name
        assert meta["task"] == "binary"
        assert meta["feature_names"] == ["f0", "f1", "f2"]
        assert meta["class_names"] == ["no", "yes"]
        assert meta["project"]["name"] == "step net"
        assert meta["project"]["network"]["layers"][0]["activation"] == "step"
        assert set(meta["versions"]) >= {"tensorflow", "keras", "ffnn_studio"}
        assert meta["exported_at"].endswith("+00:00")
        assert meta["input"]["shape"] == [None, 3]
        assert meta["output"]["shape"] == [None, 1]
        assert "class 1 'yes'" in meta["output"]["meaning"]
        assert meta["check"]["max_abs_diff"] == result.max_abs_diff
        assert meta["check"]["rows"] == len(binary_step.x)
        assert meta["needs_import"] == (
            "ffnn_studio.engine.activations" if result.needs_import else None
        )
        assert meta["signature"] == dict(result.signature)


def test_metadata_is_embedded_where_the_format_allows(step_exports) -> None:
    with zipfile.ZipFile(step_exports["keras"].path) as zf:
        embedded = json.loads(zf.read("ffnn_studio.json"))
    assert embedded["model_format"] == "keras"
    assert embedded["class_names"] == ["no", "yes"]

    folder = step_exports["savedmodel"].path
    embedded = json.loads((folder / "assets.extra" / "ffnn_studio.json").read_text("utf-8"))
    assert embedded["project"]["name"] == "step net"

    import onnx

    model = onnx.load(os.fspath(step_exports["onnx"].path))
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["ffnn_studio"])["feature_names"] == ["f0", "f1", "f2"]

    import h5py

    with h5py.File(step_exports["h5"].path, "r") as f:
        assert json.loads(f.attrs["ffnn_studio_metadata"])["task"] == "binary"


# Runs in a fresh interpreter: loads each export with the format's own runtime
# and saves its predictions.
_RELOAD_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np

    jobs = json.loads(sys.argv[1])
    if os.environ.get("IMPORT_STUDIO") == "1":
        import ffnn_studio.engine.activations  # noqa: F401  (registers the step activation)


    def predict(fmt, path, x):
        if fmt in ("keras", "h5"):
            import keras

            return keras.models.load_model(path).predict(x, verbose=0)
        if fmt == "savedmodel":
            import tensorflow as tf

            fn = tf.saved_model.load(path).signatures["serving_default"]
            (name,) = fn.structured_input_signature[1]
            (y,) = fn(**{name: tf.constant(x)}).values()
            return y.numpy()
        if fmt == "tflite":
            from ai_edge_litert.interpreter import Interpreter

            it = Interpreter(model_path=path)
            (inp,) = it.get_input_details()
            it.resize_tensor_input(inp["index"], list(x.shape))
            it.allocate_tensors()
            it.set_tensor(inp["index"], x)
            it.invoke()
            return it.get_tensor(it.get_output_details()[0]["index"])
        if fmt == "onnx":
            import onnxruntime as ort

            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            return session.run(None, {session.get_inputs()[0].name: x})[0]
        raise ValueError(fmt)


    out = {}
    for key, job in jobs["jobs"].items():
        out[key] = np.asarray(predict(job["format"], job["path"], np.load(job["x"])))
    np.savez(jobs["out"], **out)
    print(json.dumps({"studio_imported": "ffnn_studio" in sys.modules}))
    """
)


def _reload_in_fresh_process(
    tmp_path: Path, jobs: dict[str, tuple[str, Path, np.ndarray]], *, import_studio: bool
) -> tuple[dict[str, np.ndarray], bool]:
    """Predictions of each (format, path, x) job from a new interpreter, and whether it
    imported ffnn_studio."""
    spec: dict[str, dict[str, str]] = {}
    for key, (fmt, path, x) in jobs.items():
        np.save(tmp_path / f"{key}.npy", x)
        spec[key] = {
            "format": fmt,
            "path": os.fspath(path),
            "x": os.fspath(tmp_path / f"{key}.npy"),
        }
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", IMPORT_STUDIO="1" if import_studio else "0")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _RELOAD_SCRIPT,
            json.dumps({"jobs": spec, "out": os.fspath(tmp_path / "out.npz")}),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(tmp_path / "out.npz") as data:
        return {k: data[k] for k in data.files}, report["studio_imported"]


def test_savedmodel_tflite_onnx_and_plain_keras_load_without_the_studio(
    tmp_path: Path, step_exports, multiclass_exports, binary_step: Trained, multiclass: Trained
) -> None:
    jobs = {
        f"step-{fmt}": (fmt, step_exports[fmt].path, binary_step.x)
        for fmt in ("savedmodel", "tflite", "onnx")
    }
    # Without step units, .keras and .h5 need nothing from the studio either.
    jobs |= {
        f"multi-{fmt}": (fmt, multiclass_exports[fmt].path, multiclass.x) for fmt in FILE_NAMES
    }
    got, studio_imported = _reload_in_fresh_process(tmp_path, jobs, import_studio=False)
    assert not studio_imported
    assert set(got) == set(jobs)
    for key, y in got.items():
        expected = (binary_step if key.startswith("step-") else multiclass).expected
        np.testing.assert_allclose(y, expected, atol=TOLERANCE, err_msg=key)


def test_keras_files_with_step_units_load_after_importing_the_studio(
    tmp_path: Path, step_exports, binary_step: Trained
) -> None:
    jobs = {fmt: (fmt, step_exports[fmt].path, binary_step.x) for fmt in ("keras", "h5")}
    got, studio_imported = _reload_in_fresh_process(tmp_path, jobs, import_studio=True)
    assert studio_imported
    for fmt in jobs:
        np.testing.assert_allclose(got[fmt], binary_step.expected, atol=TOLERANCE, err_msg=fmt)


def test_export_runs_on_a_worker_thread(tmp_path: Path, binary_step: Trained) -> None:
    results: list[export.ExportResult] = []
    errors: list[BaseException] = []
    progress: list[float] = []

    def work() -> None:
        try:
            results.append(
                export_model(
                    binary_step.model,
                    tmp_path / "threaded.tflite",
                    sample_x=binary_step.x,
                    metadata=binary_step.metadata,
                    progress=lambda fraction, message: progress.append(fraction),
                )
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    assert not errors, errors
    assert results and results[0].ok and results[0].format == "tflite"
    assert progress[0] < progress[-1] == 1.0
    assert progress == sorted(progress)


def test_exporting_again_replaces_the_previous_export(tmp_path: Path, multiclass: Trained) -> None:
    target = tmp_path / "again"
    for _ in range(2):
        result = export_model(
            multiclass.model, target, "savedmodel", sample_x=multiclass.x, metadata={}
        )
        assert result.ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "again.meta.json"]


def test_export_session_checks_on_the_sessions_data(tmp_path: Path, multiclass: Trained) -> None:
    from ffnn_studio.data import Dataset, prepare

    y = np.argmax(multiclass.expected, axis=1).astype(np.int32)
    dataset = Dataset(
        "toy", multiclass.x, y, Task.MULTICLASS, ("a", "b", "c", "d"), ("l", "m", "h")
    )
    session = SimpleNamespace(
        model=multiclass.model,
        project=multiclass.project,
        data=prepare(dataset, 0.25, 0),
        running=False,
        epochs_completed=3,
    )
    result = export_session(session, tmp_path / "s.onnx")
    assert result.ok, result.message
    meta = read_metadata(result.path)
    assert meta["feature_names"] == ["a", "b", "c", "d"]
    assert meta["class_names"] == ["l", "m", "h"]
    assert meta["task"] == "multiclass"
    assert meta["epochs_trained"] == 3
    assert meta["check"]["rows"] == len(multiclass.x)

    session.running = True
    with pytest.raises(StudioError, match="stop or pause it"):
        export_session(session, tmp_path / "t.onnx")
    assert not (tmp_path / "t.onnx").exists()


def test_a_keras_file_converts_with_its_embedded_metadata(tmp_path: Path, step_exports) -> None:
    result = export_keras_file(step_exports["keras"].path, tmp_path / "converted.onnx")
    assert result.ok, result.message
    meta = read_metadata(result.path)
    assert meta["model_format"] == "onnx"
    assert meta["project"]["name"] == "step net"
    assert meta["class_names"] == ["no", "yes"]
    with pytest.raises(StudioError, match="model file not found"):
        export_keras_file(tmp_path / "missing.keras", tmp_path / "x.onnx")


# --------------------------------------------------------------------- failures


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fmt", ["onnx", "savedmodel", "tflite"])
def test_a_converter_failure_raises_and_leaves_nothing(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    real = export._WRITERS[fmt]

    def half_then_fail(model, tmp: Path, embedded: str) -> None:
        real(model, tmp, embedded)  # a complete file or folder exists now...
        raise RuntimeError("converter exploded\nwith a long second line")

    monkeypatch.setitem(export._WRITERS, fmt, half_then_fail)
    with pytest.raises(StudioError) as info:
        export_model(
            multiclass.model, tmp_path / FILE_NAMES[fmt], fmt, sample_x=multiclass.x, metadata={}
        )
    assert "could not convert the model to" in str(info.value)
    assert "converter exploded" in str(info.value)
    assert "second line" not in str(info.value)
    assert _leftovers(tmp_path) == []


def test_a_full_disk_raises_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    def disk_full(model, tmp: Path, embedded: str) -> None:
        tmp.write_bytes(b"half a model")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(export._WRITERS, "keras", disk_full)
    with pytest.raises(StudioError, match=r"could not write .*No space left on device"):
        export_model(multiclass.model, tmp_path / "m.keras", sample_x=multiclass.x, metadata={})
    assert _leftovers(tmp_path) == []


def test_an_unwritable_folder_raises_studio_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    # chmod does not stop root (CI containers), so the refusal is simulated
    # where the temporary file is created.
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(StudioError, match=r"could not write .*Permission denied"):
        export_model(multiclass.model, tmp_path / "m.onnx", sample_x=multiclass.x, metadata={})
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_raises_studio_error(tmp_path: Path, multiclass: Trained) -> None:
    with pytest.raises(StudioError, match="does not exist"):
        export_model(
            multiclass.model, tmp_path / "nope" / "m.onnx", sample_x=multiclass.x, metadata={}
        )
    assert _leftovers(tmp_path) == []


def _previous_export(folder: Path, name: str) -> tuple[Path, bytes, bytes]:
    target = folder / name
    target.write_bytes(b"the previous good export")
    metadata_path(target).write_text('{"previous": true}\n')
    return target, target.read_bytes(), metadata_path(target).read_bytes()


def test_a_sidecar_that_cannot_be_written_keeps_the_previous_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    target, model_before, meta_before = _previous_export(tmp_path, "m.h5")

    def full_disk(path: Path, text: str) -> None:
        path.write_text(text[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "_write_synced", full_disk)
    with pytest.raises(StudioError, match=r"No space left on device; m.h5 was left as it was"):
        export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert target.read_bytes() == model_before
    assert metadata_path(target).read_bytes() == meta_before
    assert _leftovers(tmp_path) == ["m.h5", "m.h5.meta.json"]


def test_a_folder_in_the_sidecar_s_place_is_refused_before_writing(
    tmp_path: Path, multiclass: Trained
) -> None:
    target = tmp_path / "out.onnx"
    target.write_bytes(b"the previous good export")
    metadata_path(target).mkdir()
    with pytest.raises(StudioError, match=r"out\.onnx\.meta\.json is a folder"):
        export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert target.read_bytes() == b"the previous good export"
    assert _leftovers(tmp_path) == ["out.onnx", "out.onnx.meta.json"]


def test_a_failed_second_rename_puts_the_previous_pair_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    from ffnn_studio.core import atomic

    target, model_before, meta_before = _previous_export(tmp_path, "m.onnx")
    real_replace = atomic.os.replace

    def fail_on_the_sidecar(src, dst):
        if str(src).endswith(".tmp.json"):  # the new sidecar moving in
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", fail_on_the_sidecar)
    with pytest.raises(StudioError, match="Input/output error"):
        export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert target.read_bytes() == model_before
    assert metadata_path(target).read_bytes() == meta_before
    assert _leftovers(tmp_path) == ["m.onnx", "m.onnx.meta.json"]


def test_a_sidecar_of_another_version_is_detected(tmp_path: Path, multiclass: Trained) -> None:
    target = tmp_path / "m.onnx"
    first = export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert first.ok and read_metadata(target)["model_sha256"]
    # What a kill between the two renames leaves: another model beside the old sidecar.
    target.write_bytes(target.read_bytes() + b"\x00")
    with pytest.raises(StudioError, match=r"describes another version of m\.onnx"):
        read_metadata(target)


def test_not_enough_free_space_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    from collections import namedtuple

    target, model_before, _ = _previous_export(tmp_path, "m.h5")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(export.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 4096))

    def must_not_run(model, tmp, embedded):
        raise AssertionError("the writer ran on a full disk")

    monkeypatch.setitem(export._WRITERS, "h5", must_not_run)
    with pytest.raises(StudioError, match=r"not enough free space .* MB needed, 0\.0 MB free"):
        export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert target.read_bytes() == model_before


def test_temporaries_of_a_killed_export_are_removed_by_the_next(
    tmp_path: Path, multiclass: Trained
) -> None:
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    left = [tmp_path / f".out.{pid}-abcd1234.tmp.onnx", tmp_path / f".out.onnx.meta.{pid}-x1y2z3w4.tmp.json"]
    for path in left:
        path.write_bytes(b"half")
    folder = tmp_path / f".out_sm.{pid}-k9k9k9k9.tmp"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"half")
    result = export_model(multiclass.model, tmp_path / "out.onnx", sample_x=multiclass.x, metadata={})
    assert result.ok
    assert _leftovers(tmp_path) == ["out.onnx", "out.onnx.meta.json"]


@pytest.mark.parametrize("fmt", ["tflite", "keras"])
def test_predictions_that_differ_fail_the_check_and_keep_the_old_file(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    target = tmp_path / FILE_NAMES[fmt]
    target.write_bytes(b"the previous export")
    real = export._READERS[fmt]

    def off_by_a_bit(tmp: Path, x: np.ndarray):
        y, signature = real(tmp, x)
        return y + 10 * TOLERANCE, signature

    monkeypatch.setitem(export._READERS, fmt, off_by_a_bit)
    result = export_model(multiclass.model, target, sample_x=multiclass.x, metadata={})
    assert not result.ok
    assert result.max_abs_diff == pytest.approx(10 * TOLERANCE, rel=1e-3)
    assert "differ from the model's by up to" in result.message
    assert "left as it was" in result.message
    assert result.extra_files == ()
    assert target.read_bytes() == b"the previous export"
    assert _leftovers(tmp_path) == [target.name]


def test_a_file_that_cannot_be_loaded_back_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    def broken(tmp: Path, x: np.ndarray):
        raise ValueError("unsupported operator")

    monkeypatch.setitem(export._READERS, "onnx", broken)
    result = export_model(multiclass.model, tmp_path / "m.onnx", sample_x=multiclass.x, metadata={})
    assert not result.ok and result.max_abs_diff is None
    assert "could not be loaded back: unsupported operator" in result.message
    assert _leftovers(tmp_path) == []


def test_nan_predictions_fail_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multiclass: Trained
) -> None:
    monkeypatch.setitem(
        export._READERS, "onnx", lambda tmp, x: (np.full((len(x), 3), np.nan, np.float32), {})
    )
    result = export_model(multiclass.model, tmp_path / "m.onnx", sample_x=multiclass.x, metadata={})
    assert not result.ok and result.max_abs_diff == float("inf")
    assert _leftovers(tmp_path) == []


def test_savedmodel_never_replaces_a_folder_that_is_not_one(
    tmp_path: Path, multiclass: Trained
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious")
    with pytest.raises(StudioError, match="not a SavedModel"):
        export_model(multiclass.model, folder, sample_x=multiclass.x, metadata={})
    assert (folder / "thesis.txt").read_text() == "precious"


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [("model.onnx", "keras", "ends in .onnx"), ("model.bin", "keras", "must end in .keras")],
)
def test_keras_files_need_their_extension(
    tmp_path: Path, multiclass: Trained, name: str, fmt: str, message: str
) -> None:
    with pytest.raises(StudioError, match=re.escape(message)):
        export_model(multiclass.model, tmp_path / name, fmt, sample_x=multiclass.x, metadata={})


def test_sample_rows_must_match_the_model(tmp_path: Path, multiclass: Trained) -> None:
    with pytest.raises(StudioError, match="4 features"):
        export_model(multiclass.model, tmp_path / "m.onnx", sample_x=np.zeros((3, 2)), metadata={})


# --------------------------------------------------------------------- quiet


def test_native_log_lines_are_kept_off_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet.quiet_native_logs() as errors:
        os.write(2, b"I0000 00:00:1795960176.753910    8332 reader.cc:83] Reading SavedModel\n")
        os.write(2, b"E0000 00:00:1795960176.753910    8332 convert.cc:1] op not supported\n")
        os.write(2, b"a line from someone else\n")
    captured = capfd.readouterr()
    assert "Reading SavedModel" not in captured.err
    assert "op not supported" not in captured.err
    assert "a line from someone else" in captured.err
    assert errors == ["op not supported"]
