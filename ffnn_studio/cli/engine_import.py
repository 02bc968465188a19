"""TensorFlow's import on a background thread while a headless command reads its project and data.

Importing TensorFlow and Keras takes seconds; reading the project, importing
scikit-learn and the data layer, loading and splitting the data take about a
second more, and both are mostly waiting for the disk and native libraries,
so ``train`` does them side by side. A problem with the project or the data is
still reported before TensorFlow has finished loading: ``abandon`` gives file
descriptor 2 (which the import points at a capture of TensorFlow's native log
lines) back to the terminal for the message.
"""

from __future__ import annotations

import sys
import threading

_ENGINE = "ffnn_studio.engine.training.session"


class EngineImport:
    """The engine's import, started at once on a plain thread (never a QThread)."""

    def __init__(self) -> None:
        self._capturing = threading.Event()  # set once the import has redirected fd 2 (or ended)
        self._thread: threading.Thread | None = None
        if _ENGINE not in sys.modules:
            self._thread = threading.Thread(target=self._import, name="tensorflow-import", daemon=True)
            self._thread.start()

    def _import(self) -> None:
        try:
            from ffnn_studio.engine.quiet import import_tensorflow, quiet_native_logs

            with quiet_native_logs():
                self._capturing.set()
                import_tensorflow()
                import ffnn_studio.engine.training.session  # noqa: F401
        except BaseException:
            pass  # the caller's own import raises it again, with its message
        finally:
            self._capturing.set()

    def wait(self) -> None:
        """Until the import has ended (a failed one is raised by the caller's own import)."""
        if self._thread is not None:
            self._thread.join()

    def abandon(self) -> None:
        """The command ends early (an error, an interrupt): fd 2 back to the terminal."""
        if self._thread is None:
            return
        self._capturing.wait()
        from ffnn_studio.engine.quiet import release_stderr

        release_stderr()
