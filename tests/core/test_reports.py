"""One report per chunk: merging chunks for a delivery and splitting them for headless sinks."""

from __future__ import annotations

import numpy as np

from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerProbe,
    NullSink,
    ProbeReport,
    Progress,
    RecordingSink,
)

LAYERS = (LayerProbe(1.0, 0.1, 0.01),)


def end(epoch: int) -> EpochEnd:
    return EpochEnd(epoch, 0.5, None, 0.6, None, 0.01, 0.1 * epoch)


def probe(step: int, epoch: float) -> ProbeReport:
    return ProbeReport(step, epoch, LAYERS)


def progress(step: int) -> Progress:
    return Progress(step, step // 4, 0.0, 0.5, 100.0, 0.01 * step)


def test_merge_keeps_every_epoch_and_probe_and_the_latest_progress_and_weights() -> None:
    w1 = ((np.ones((2, 3)), None),)
    w2 = ((np.zeros((2, 3)), np.ones(3)),)
    a = ChunkReport((end(1),), (probe(4, 1.0), probe(6, 1.5)), progress(6), w1)
    b = ChunkReport((end(2), end(3)), (probe(8, 2.0), probe(12, 3.0)), progress(12), w2)
    c = ChunkReport((), (probe(14, 3.5),), None, None)
    merged = ChunkReport.merge([a, b, c])
    assert [e.epoch for e in merged.epochs] == [1, 2, 3]
    assert [p.step for p in merged.probes] == [4, 6, 8, 12, 14]
    assert merged.progress == progress(12)
    assert merged.weights is w2
    assert ChunkReport.merge([a]) is a
    assert not ChunkReport() and ChunkReport(weights=w1)


def test_a_report_splits_in_the_order_it_was_made() -> None:
    # Each epoch's probes come before its end, a mid-epoch probe after it, progress last.
    report = ChunkReport((end(1), end(2)), (probe(4, 1.0), probe(8, 2.0), probe(10, 2.5)), progress(10))
    sink = RecordingSink()
    sink.chunk(report)
    assert sink.chunks == [report]
    assert sink.epochs == [end(1), end(2)] and sink.progress_reports == [progress(10)]
    assert [p.step for p in sink.probe_reports] == [4, 8, 10]
    order = [type(r).__name__ + str(getattr(r, "step", getattr(r, "epoch", ""))) for r in report.in_order()]
    assert order == ["ProbeReport4", "EpochEnd1", "ProbeReport8", "EpochEnd2", "ProbeReport10", "Progress10"]


def test_subclass_hooks_see_each_report_and_null_sink_ignores_them() -> None:
    seen: list[int] = []

    class EpochsOnly(RecordingSink):
        def epoch_end(self, report: EpochEnd) -> None:
            seen.append(report.epoch)

    EpochsOnly().chunk(ChunkReport((end(1), end(2))))
    assert seen == [1, 2]
    NullSink().chunk(ChunkReport((end(1),)))  # nothing to record, nothing raised
