"""Keeping TensorFlow's native log chatter off the user's terminal.

TensorFlow, LiteRT and tf2onnx log from C++ straight to file descriptor 2,
before and regardless of ``TF_CPP_MIN_LOG_LEVEL`` (e.g. "Could not find cuda
drivers" on every import). Python's logging cannot filter that, so while
TensorFlow is imported or a converter runs, fd 2 points at a temporary file.

Contract: owns TensorFlow's import and its native log output; imports
``config`` and ``engine.compile_cache`` (which sets TensorFlow's cache flag
before its first XLA compilation), never Qt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

from ffnn_studio.config import TF_LOG_LEVEL_DEFAULT, TF_LOG_LEVEL_ENV

_QUIET_LOCK = threading.RLock()
_quiet_depth = 0
#: Lines TensorFlow's and LiteRT's C++ logging write straight to file descriptor 2.
_NATIVE_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|INFO: Created TensorFlow Lite)"
)
_NOISY_LOGGERS = ("tensorflow", "absl", "tf2onnx", "h5py")


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[list[str]]:
    """Keep TensorFlow's, LiteRT's and tf2onnx's chatter off the terminal.

    The converters log from C++ straight to file descriptor 2, which Python
    cannot filter, so fd 2 is pointed at a temporary file meanwhile. Afterwards
    the lines that are not TensorFlow log lines (e.g. another thread's output)
    are written back; the native error lines are collected in the yielded list
    so a failure message can quote them.
    """
    global _quiet_depth
    errors: list[str] = []
    with _QUIET_LOCK:
        if _quiet_depth:
            yield errors
            return
        _quiet_depth += 1
        levels = {name: logging.getLogger(name).level for name in _NOISY_LOGGERS}
        try:
            for name in _NOISY_LOGGERS:
                logging.getLogger(name).setLevel(logging.ERROR)
            with tempfile.TemporaryFile() as capture:
                saved_fd = _redirect_stderr(capture.fileno())
                try:
                    yield errors
                finally:
                    if saved_fd is not None:
                        _restore_stderr(saved_fd)
                        capture.seek(0)
                        _replay(capture.read().decode("utf-8", "replace"), errors)
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
            _quiet_depth -= 1


def _flush_stderr() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()


def _redirect_stderr(fd: int) -> int | None:
    """Point fd 2 at ``fd``; return a copy of the old fd 2 (None if there is no fd 2)."""
    _flush_stderr()
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (e.g. pythonw on Windows): nothing to silence
        return None
    os.dup2(fd, 2)
    return saved


def _restore_stderr(saved: int) -> None:
    _flush_stderr()
    os.dup2(saved, 2)
    os.close(saved)


def _replay(text: str, errors: list[str]) -> None:
    """Write back what was not TensorFlow's logging; collect its error lines."""
    keep = []
    for line in text.splitlines(keepends=True):
        if _NATIVE_LOG_LINE.match(line):
            if line[:1] in "EF":
                errors.append(line.split("] ", 1)[-1].strip())
        else:
            keep.append(line)
    if keep:
        with contextlib.suppress(OSError):
            os.write(2, "".join(keep).encode("utf-8", "replace"))


def import_tensorflow():
    """Import TensorFlow (once) without its start-up log lines; returns the module."""
    from ffnn_studio.engine.compile_cache import configure

    # TensorFlow reads TF_XLA_FLAGS once, at its first XLA compilation (measured: still
    # in time after ``import tensorflow``), so this holds for a caller that imported it.
    configure()
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault(TF_LOG_LEVEL_ENV, TF_LOG_LEVEL_DEFAULT)
    with quiet_native_logs():
        import tensorflow

        # Device discovery logs its own lines ("failed call to cuInit") on
        # first use; do it here, inside the quiet block.
        tensorflow.config.list_physical_devices()
    return tensorflow
