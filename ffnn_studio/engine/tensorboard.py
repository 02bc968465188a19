"""Writing a run for TensorBoard: per-epoch scalars and per-layer weight and gradient histograms.

``TensorBoardSink`` sits in front of the run's own sink (the window's bridge,
the terminal): it hands every report on unchanged and queues it for a writer
thread of its own, so neither training nor the window waits for a file. The
layout is Keras's ``TensorBoard`` callback's, so a studio run opens next to
plain Keras runs: one folder per run (``<project>-<date>-<time>``) with
``train/`` and ``validation/`` event files and the tags ``epoch_loss``,
``epoch_<metric>`` and ``epoch_learning_rate`` at step = epoch.

Per layer, the epoch-end probes become ``layers/<layer>/weight_norm``,
``.../grad_norm`` and ``.../update_ratio``; the weights the session reports
(at most every ``HISTOGRAM_INTERVAL_S``, and the final ones) become histograms
``weights/<layer>/kernel`` and ``.../bias``, and their gradients on a fixed
sample of training rows (dropout off) ``gradients/<layer>/kernel`` and
``.../bias``, computed on the writer thread by a twin of the model.

Summaries are written with ``tf.summary.write`` and the plugin metadata
TensorBoard's scalar and histogram dashboards read: ``tf.summary.scalar`` and
``tf.summary.histogram`` would need the TensorBoard package itself.

Contract: a ``TrainingSink`` wrapper; imports TensorFlow (lazily, with the
engine), the core and the builder; never Qt.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.naming import slugify
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    NullSink,
    ProbeReport,
    RunFinished,
    RunStarted,
    TrainingSink,
)
from ffnn_studio.core.spec import Project
from ffnn_studio.engine.builder import build_model_for, encode_targets, metric_name
from ffnn_studio.engine.quiet import import_tensorflow

log = logging.getLogger(__name__)

#: Fewest seconds between two histogram steps (the run's final weights are always written).
HISTOGRAM_INTERVAL_S = 1.0
#: Buckets of a histogram (TensorBoard's own default).
HISTOGRAM_BUCKETS = 30
#: Training rows the gradients for the histograms are taken on.
GRADIENT_ROWS = 256
#: Sub-folders of a run, as Keras's TensorBoard callback names them.
TRAIN_DIR, VALIDATION_DIR = "train", "validation"

_CLOSE = object()


def run_folder(root: Path | str, project_name: str, now: datetime | None = None) -> Path:
    """A new folder under ``root`` for one run: ``<project>-YYYYMMDD-HHMMSS`` (``-2``... if taken)."""
    root = Path(root).expanduser()
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{slugify(project_name, 'run')}-{stamp}"
    for n in range(1, 1000):
        path = root / (base if n == 1 else f"{base}-{n}")
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StudioError(
                f"cannot write TensorBoard logs under {root}: {exc.strerror or exc}"
            ) from None
        return path
    raise StudioError(f"cannot write TensorBoard logs under {root}: too many runs named {base}")


def _metadata(plugin: str) -> Any:
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin)
    )


def histogram_buckets(values: np.ndarray, buckets: int = HISTOGRAM_BUCKETS) -> np.ndarray:
    """(k, 3) rows of (left edge, right edge, count): the tensor TensorBoard's histograms plugin reads."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.zeros((0, 3), np.float64)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return np.array([[lo - 0.5, hi + 0.5, float(v.size)]])
    counts, edges = np.histogram(v, bins=buckets, range=(lo, hi))
    return np.column_stack([edges[:-1], edges[1:], counts.astype(np.float64)])


class _GradientTwin:
    """A twin of the run's model that takes a weight snapshot and returns its gradients on fixed rows."""

    def __init__(self, project: Project, prepared: Any) -> None:
        tf = import_tensorflow()
        self._tf = tf
        built = build_model_for(project, prepared)
        self.model = built.model
        self._loss = built.model.loss
        self._pairs = [(b.dense.kernel, b.dense.bias) for b in built.blocks]
        n = int(prepared.x_train.shape[0])
        rng = np.random.default_rng(project.training.seed)
        rows = np.sort(rng.choice(n, min(n, GRADIENT_ROWS), replace=False))
        y = encode_targets(
            np.asarray(prepared.y_train)[rows],
            prepared.task,
            project.training.loss,
            prepared.n_classes,
        )
        self._x = tf.constant(np.asarray(prepared.x_train, np.float32)[rows])
        self._y = tf.constant(y)

    def gradients(self, weights: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
        tf = self._tf
        variables = []
        for (kernel, bias), (k_var, b_var) in zip(weights, self._pairs, strict=True):
            k_var.assign(kernel)
            variables.append(k_var)
            if b_var is not None and bias is not None:
                b_var.assign(bias)
                variables.append(b_var)
        with tf.GradientTape() as tape:
            pred = self.model(self._x, training=False)
            loss = self._loss(self._y, pred)
            if self.model.losses:
                loss = loss + tf.add_n(self.model.losses)
        grads = iter(g.numpy() for g in tape.gradient(loss, variables))
        out = []
        for _k, b_var in self._pairs:
            gk = next(grads)
            out.append((gk, next(grads) if b_var is not None else None))
        return out


class TensorBoardSink:
    """Passes every report on to ``inner`` and writes the run under ``root`` on a writer thread.

    Creating it makes the run's folder (``StudioError`` if it cannot) and the
    gradient twin; ``finished`` waits until every summary is on disk.
    """

    def __init__(
        self,
        root: Path | str,
        project: Project,
        prepared: Any,
        inner: TrainingSink | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        self.inner: TrainingSink = inner if inner is not None else NullSink()
        self.log_dir = run_folder(root, project.name, now)
        self.metric = metric_name(prepared.task)
        self.has_validation = int(prepared.x_val.shape[0]) > 0
        #: The first problem the writer met (it then writes nothing more), or None.
        self.error: str | None = None
        self._twin = _GradientTwin(project, prepared)
        self._layer_names: tuple[str, ...] = ()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._epoch = 0
        self._last_probe_epoch = -1
        self._hist_steps: set[int] = set()
        self._hist_time = -math.inf
        self._pending_weights: Any = None
        self._thread = threading.Thread(
            target=self._write_loop, name="tensorboardWriter", daemon=True
        )
        self._thread.start()

    # --- the sink protocol (training thread): pass on, queue, return -------------------

    def run_started(self, info: RunStarted) -> None:
        self._queue.put(info)
        self.inner.run_started(info)

    def chunk(self, report: ChunkReport) -> None:
        self._queue.put(report)
        self.inner.chunk(report)

    def compiling(self) -> None:
        self.inner.compiling()

    def finished(self, report: RunFinished) -> None:
        self.close()
        self.inner.finished(report)

    def close(self) -> None:
        """Write what is queued and the last weights' histograms, and close the files."""
        if self._thread.is_alive():
            self._queue.put(_CLOSE)
            self._thread.join()

    # --- the writer thread ---------------------------------------------------------------

    def _write_loop(self) -> None:
        tf = import_tensorflow()
        try:
            self._train = tf.summary.create_file_writer(str(self.log_dir / TRAIN_DIR))
            self._val = (
                tf.summary.create_file_writer(str(self.log_dir / VALIDATION_DIR))
                if self.has_validation
                else None
            )
        except Exception as exc:
            self._fail(exc)
            self._drain()
            return
        while True:
            item = self._queue.get()
            if item is _CLOSE:
                break
            if self.error is not None:
                continue
            try:
                self._write(item)
            except Exception as exc:
                self._fail(exc)
        try:
            if self.error is None and self._pending_weights is not None:
                self._write_histograms(self._pending_weights)
        except Exception as exc:
            self._fail(exc)
        for writer in (self._train, self._val):
            if writer is not None:
                writer.close()

    def _drain(self) -> None:
        while self._queue.get() is not _CLOSE:
            pass

    def _fail(self, exc: BaseException) -> None:
        log.warning("writing TensorBoard logs to %s failed", self.log_dir, exc_info=True)
        if self.error is None:
            self.error = (
                f"TensorBoard logs in {self.log_dir} are incomplete: {type(exc).__name__}: {exc}"
            )

    def _write(self, item: Any) -> None:
        if isinstance(item, RunStarted):
            self._layer_names = tuple(layer.name for layer in item.layers)
            self._epoch = item.start_epoch
            return
        report: ChunkReport = item
        for single in report.in_order():
            if isinstance(single, EpochEnd):
                self._write_epoch(single)
            elif isinstance(single, ProbeReport):
                self._write_probe(single)
        if report.weights is not None:
            self._pending_weights = report.weights
            now = time.monotonic()
            if now - self._hist_time >= HISTOGRAM_INTERVAL_S:
                self._hist_time = now
                self._write_histograms(report.weights)

    def _scalar(self, writer: Any, tag: str, value: float | None, step: int) -> None:
        if writer is None or value is None or not math.isfinite(value):
            return
        tf = self._twin._tf
        with writer.as_default():
            tf.summary.write(
                tag, tf.constant(float(value), tf.float32), step=step, metadata=_metadata("scalars")
            )

    def _write_epoch(self, e: EpochEnd) -> None:
        self._epoch = e.epoch
        self._scalar(self._train, "epoch_loss", e.loss, e.epoch)
        self._scalar(self._train, f"epoch_{self.metric}", e.metric, e.epoch)
        self._scalar(self._train, "epoch_learning_rate", e.learning_rate, e.epoch)
        self._scalar(self._val, "epoch_loss", e.val_loss, e.epoch)
        self._scalar(self._val, f"epoch_{self.metric}", e.val_metric, e.epoch)

    def _write_probe(self, p: ProbeReport) -> None:
        # Epoch-end probes only, one per epoch: the step axis stays the epoch.
        epoch = round(p.epoch)
        if abs(p.epoch - epoch) > 1e-9 or epoch <= self._last_probe_epoch:
            return
        self._last_probe_epoch = epoch
        for i, layer in enumerate(p.layers):
            name = self._layer_name(i)
            self._scalar(self._train, f"layers/{name}/weight_norm", layer.weight_norm, epoch)
            self._scalar(self._train, f"layers/{name}/grad_norm", layer.grad_norm, epoch)
            self._scalar(self._train, f"layers/{name}/update_ratio", layer.update_ratio, epoch)

    def _layer_name(self, i: int) -> str:
        return self._layer_names[i] if i < len(self._layer_names) else f"layer_{i + 1}"

    def _write_histograms(self, weights: Any) -> None:
        step = self._epoch
        if step in self._hist_steps:
            return
        self._hist_steps.add(step)
        self._pending_weights = None
        grads = self._twin.gradients(weights)
        tf = self._twin._tf
        meta = _metadata("histograms")
        with self._train.as_default():
            for i, ((kernel, bias), (g_kernel, g_bias)) in enumerate(
                zip(weights, grads, strict=True)
            ):
                name = self._layer_name(i)
                for tag, values in (
                    (f"weights/{name}/kernel", kernel),
                    (f"weights/{name}/bias", bias),
                    (f"gradients/{name}/kernel", g_kernel),
                    (f"gradients/{name}/bias", g_bias),
                ):
                    if values is not None:
                        tf.summary.write(
                            tag, tf.constant(histogram_buckets(values)), step=step, metadata=meta
                        )
