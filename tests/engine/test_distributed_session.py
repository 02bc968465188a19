"""The distributed session in this process (mirrored over the one CPU): reports, reset, backup."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.reports import RecordingSink

pytest.importorskip("tensorflow")

from tests.engine.distributed_worker import xor_project


def test_mirrored_reports_probes_resets_and_resumes_from_its_backup(tmp_path):
    from ffnn_studio.engine.training.distributed import DistributedTrainingSession
    from ffnn_studio.engine.training.session import TrainingSession

    project, data = xor_project("mirrored", 3, 60)
    sink = RecordingSink()
    session = TrainingSession(project, data, sink)
    assert isinstance(session, DistributedTrainingSession) and session.is_chief
    first = session.run()
    assert first.reason == "completed"
    assert [e.epoch for e in sink.epochs] == [1, 2, 3]
    assert sink.probe_reports and all(np.isfinite(p.layers[0].grad_norm) for p in sink.probe_reports)
    curve = session.history.column("loss")
    assert session.predict(data.x_val[:5]).shape == (5, 1)

    session.reset_weights()
    assert session.run().reason == "completed"
    np.testing.assert_allclose(session.history.column("loss"), curve, rtol=1e-5)

    # A run stopped after its first epoch keeps a backup; a new session continues from it.
    backup = tmp_path / "backup"
    stopper = TrainingSession(project, data)
    stopper.backup_dir = str(backup)

    class StopAfterFirst(RecordingSink):
        def epoch_end(self, report):
            super().epoch_end(report)
            stopper.stop()

    stopper.sink = StopAfterFirst()
    assert stopper.run(3).reason == "stopped"
    assert list(backup.glob("ckpt-*.index"))
    again = TrainingSession(project, data)
    again.backup_dir = str(backup)
    assert again.run(3).reason == "completed"
    assert again.resumed_epochs == stopper.epochs_completed >= 1
    assert again.epochs_completed == 3
    np.testing.assert_allclose(again.history.column("loss"), curve, rtol=1e-4)
    assert not backup.exists()
