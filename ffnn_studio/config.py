"""The studio's configuration in one table: settings keys and defaults, environment
switches, and the timing constants of training, delivery and redraw.

Contract: standard library only. Importing this module imports no Qt, no
TensorFlow and no other part of the studio (an import-linter contract checks
it), so the core, the engine, the window and the command line all read the
same values from here. A value that tunes how the studio behaves belongs
here; a value that is part of a layer's logic (a catalog range, a plot
colour) stays with that layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# ------------------------------------------------------------------ names

#: The application and organization names QSettings files are kept under.
APP_NAME = "FFNN Studio"
ORGANIZATION = "FFNN Studio"
#: The desktop entry (``ffnn-studio.desktop``) that window managers match the window with.
DESKTOP_FILE_NAME = "ffnn-studio"

# ------------------------------------------------------------------ settings (QSettings keys)

#: The recently opened project files, newest first (a list of paths).
RECENT_FILES_KEY = "recentFiles"
#: The main window's geometry (``QMainWindow.saveGeometry``).
WINDOW_GEOMETRY_KEY = "window/geometry"
#: The main window's docks and toolbars (``QMainWindow.saveState``).
WINDOW_STATE_KEY = "window/state"
#: The folder the last export was written to.
EXPORT_LAST_DIR_KEY = "export/lastDir"
#: Whether runs started in the window are written for TensorBoard.
TENSORBOARD_ENABLED_KEY = "tensorboard/enabled"
#: The folder under which each run written for TensorBoard gets its own folder.
TENSORBOARD_DIR_KEY = "tensorboard/folder"

#: Keep compiled training programs between launches (Run ▸ Keep Compiled Programs).
COMPILE_CACHE_KEY = "engine/compileCache"
#: Every settings key with the value it reads as when it was never written.
SETTINGS_DEFAULTS: Mapping[str, object] = {
    RECENT_FILES_KEY: [],
    WINDOW_GEOMETRY_KEY: None,
    WINDOW_STATE_KEY: None,
    EXPORT_LAST_DIR_KEY: "",
    TENSORBOARD_ENABLED_KEY: False,
    COMPILE_CACHE_KEY: True,
    TENSORBOARD_DIR_KEY: "~/ffnn-studio-tensorboard",
}

#: How many recent files the File menu lists.
MAX_RECENT_FILES = 8
#: Bump when the dock layout changes so an old saved window state is not applied to it.
WINDOW_STATE_VERSION = 2

# ------------------------------------------------------------------ environment switches

#: ``FFNN_STUDIO_XLA=0`` (or false/no/off) trains without XLA; debugging aid, since
#: XLA failures also fall back on their own.
XLA_ENV = "FFNN_STUDIO_XLA"
#: TensorFlow's native log level; the studio sets it to ``TF_LOG_LEVEL_DEFAULT``
#: unless the user already did.
TF_LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
TF_LOG_LEVEL_DEFAULT = "2"

_OFF = ("0", "false", "no", "off")


def xla_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether training compiles its chunk loop with XLA (on unless ``XLA_ENV`` says off)."""
    return environ.get(XLA_ENV, "1").strip().lower() not in _OFF


#: ``FFNN_STUDIO_QUICKSTART=0`` turns the quick start off: every run then waits for
#: its compiled training program (benchmarks, debugging).
QUICK_ENV = "FFNN_STUDIO_QUICKSTART"


def quick_start_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether a run trains in numpy while its compiled program is prepared (on unless ``QUICK_ENV`` says off)."""
    return environ.get(QUICK_ENV, "1").strip().lower() not in _OFF


#: ``FFNN_STUDIO_COMPILE_CACHE=0`` keeps no compiled training programs between launches
#: (``engine/compile_cache.py``); the window's Run menu sets it from ``COMPILE_CACHE_KEY``.
COMPILE_CACHE_ENV = "FFNN_STUDIO_COMPILE_CACHE"
#: Most bytes the kept programs may take (an entry is ~1 MB for the examples).
COMPILE_CACHE_BUDGET = 256 * 1024 * 1024


def compile_cache_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether compiled training programs are kept between launches (on unless ``COMPILE_CACHE_ENV`` says off)."""
    return environ.get(COMPILE_CACHE_ENV, "1").strip().lower() not in _OFF


#: TensorFlow's size of its intra-op thread pool (XLA's too). The window sets it to
#: ``window_training_threads()`` unless the user did: training then leaves one core
#: to the GUI thread, which paints the live plots. Measured on 2 cores (bench_ui):
#: the default project trains as fast on one thread, and the GUI timer's p99
#: dropped; a wide network trains up to 2× slower in the window than headless.
TF_INTRAOP_THREADS_ENV = "TF_NUM_INTRAOP_THREADS"


def window_training_threads(cpus: int | None = None) -> int:
    """Threads TensorFlow may use for training in the window: all cores but one."""
    n = os.cpu_count() if cpus is None else cpus
    return max(1, (n or 1) - 1)


#: Environment switch: "0" builds no session ahead of Train (the window then
#: compiles a project's training program when Train is pressed).
COMPILE_AHEAD_ENV = "FFNN_STUDIO_COMPILE_AHEAD"
#: The window compiles the program for the document's project once it has been
#: unchanged this long (an edit every few hundred ms compiles nothing).
COMPILE_AHEAD_SETTLE_MS = 1000


def compile_ahead_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the window compiles a settled project's program before Train (on unless ``COMPILE_AHEAD_ENV`` says off)."""
    return environ.get(COMPILE_AHEAD_ENV, "1").strip().lower() not in _OFF


# ------------------------------------------------------------------ timing: training (engine)

#: Wall time one chunk of training steps aims at: short enough for stop and pause
#: to act within a tenth of a second.
TRAINING_CHUNK_S = 0.1
#: The session reports progress, mid-epoch probes and a copy of the weights at most
#: once per this interval (in the chunk's one report).
ENGINE_REPORT_INTERVAL_S = 0.05

# ------------------------------------------------------------------ timing: the window

#: Shortest time between two deliveries of the session's reports to the GUI thread
#: (≤ 20 a second; each delivery reaches every view once).
DELIVERY_INTERVAL_S = 0.05
#: Longest the training thread waits, after reporting a run's start, for the GUI
#: to handle it and repaint.
START_HANDSHAKE_S = 0.5
#: Least time between two progress reports of a background task.
TASK_PROGRESS_INTERVAL_S = 0.05
#: The live plots' redraw timer (one plot per tick, round robin).
PLOT_REDRAW_MS = 33
#: The progress bar follows the reports at most this often: ``QProgressBar.setValue``
#: repaints at once, and a small data set ends hundreds of epochs a second
#: (measured: 0.6 ms a call, a fifth of the GUI thread's time while training).
PROGRESS_BAR_REFRESH_MS = 100
#: The network diagram redraws its weights at most this often during a run.
DIAGRAM_REFRESH_MS = 250
#: The decision boundary redraws the delivered weights at most this often during a run ...
BOUNDARY_REFRESH_MS = 100
#: ... slowed, when evaluations turn expensive, to at most this: 6 Hz on paper, so
#: that with deliveries about 50 ms apart refreshes still come at ≥ 5 Hz.
BOUNDARY_MAX_INTERVAL_MS = 160
#: How long the screenshot mode lets the redraws run before grabbing.
SCREENSHOT_SETTLE_MS = 300
#: How often a document's unsaved changes are written to its recovery file.
AUTOSAVE_INTERVAL_MS = 60_000
