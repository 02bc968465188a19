"""Shared test set-up: headless Qt, quiet TensorFlow, few threads."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# The user's data folder (autosave's recovery files) is a throw-away one in tests;
# on Linux Qt's AppDataLocation follows XDG_DATA_HOME.
_DATA_HOME = tempfile.mkdtemp(prefix="ffnn-studio-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
atexit.register(shutil.rmtree, _DATA_HOME, ignore_errors=True)
# And the cache folder (compiled programs kept between launches): platformdirs
# follows XDG_CACHE_HOME on Linux.
_CACHE_HOME = tempfile.mkdtemp(prefix="ffnn-studio-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def collect_garbage_on_the_main_thread():
    """The window's policy (``ui.app.ensure_application``), for tests: no automatic
    cyclic GC, which could run on a training thread and destroy Qt widgets there;
    collect on the main thread after each test instead."""
    threshold = gc.get_threshold()
    gc.disable()
    yield
    # As often as automatic collection would have run (a full collection
    # after every test made the suite three times slower).
    counts = gc.get_count()
    for generation in range(3):
        if counts[generation] <= threshold[generation]:
            break
        gc.collect(generation)
