"""``ffnn-studio train --tensorboard DIR`` writes the run's event files into a new folder."""

from __future__ import annotations

import pytest

from ffnn_studio.cli import main
from tests.cli.test_cli import PROJECT, write

tf = pytest.importorskip("tensorflow")


def test_train_with_tensorboard_writes_one_folder_per_run(tmp_path, capsys) -> None:
    logs = tmp_path / "logs"
    project = write(tmp_path, PROJECT)
    assert main(["train", str(project), "--epochs", "3", "--tensorboard", str(logs)]) == 0
    assert (
        main(["train", str(project), "--epochs", "2", "--tensorboard", str(logs), "--quiet"]) == 0
    )
    assert "TensorBoard logs: " in capsys.readouterr().out
    runs = sorted(p for p in logs.iterdir())
    assert len(runs) == 2 and all(p.name.startswith("tiny-") for p in runs)
    steps = []
    for run in runs:
        (events,) = (run / "train").glob("events.out.tfevents.*")
        steps.append(
            sorted(
                e.step
                for e in tf.compat.v1.train.summary_iterator(str(events))
                for v in e.summary.value
                if v.tag == "epoch_loss"
            )
        )
    assert sorted(steps) == [[1, 2], [1, 2, 3]]


def test_tensorboard_into_a_file_is_a_usage_error(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert (
        main(
            [
                "train",
                str(write(tmp_path, PROJECT)),
                "--epochs",
                "1",
                "--tensorboard",
                str(blocker / "x"),
            ]
        )
        == 2
    )
    assert "cannot write TensorBoard logs" in capsys.readouterr().err
