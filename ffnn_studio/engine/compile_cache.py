"""The compiled training programs kept between launches: TensorFlow's persistent XLA cache.

A run's chunk program takes ~1.5–2 s to XLA-compile on a 2-core machine. XLA
keys each compiled program by its graph (architecture, batch size, data
shapes), so a network trained before compiles again in a new process only if
nothing keeps the result. TensorFlow keeps it when its ``TF_XLA_FLAGS`` name
a persistent cache folder: measured, the first call of the digits example's
chunk program then took 0.37 s instead of 1.70 s in a second process (the
trace, ~1.4 s of Python, is not cached; the quick path trains meanwhile).

Contract:

* ``configure()`` runs when the engine imports TensorFlow
  (``quiet.import_tensorflow``), before the first XLA compilation, which is when
  TensorFlow reads its flags, and adds the folder to ``TF_XLA_FLAGS``, unless the
  user's own flags name one or ``COMPILE_CACHE_ENV`` says off (the window's
  setting sets that variable before it loads the engine). It runs once a process.
* The folder is the platform's user cache folder (``platformdirs``), under
  ``ffnn-studio/xla``. Safe to delete at any time: TensorFlow compiles again.
* It stays under ``COMPILE_CACHE_BUDGET`` bytes: at start-up the least
  recently used entries go first.
* An entry that does not parse (a process killed while TensorFlow wrote it)
  is removed before TensorFlow reads it: TensorFlow fails that program's
  compilation for the rest of the process otherwise (measured: "Read less
  bytes than requested", not healed by deleting the file afterwards).
  Entries are checked once; the ones checked are listed in ``checked.txt``.

Imports ``config``, ``core.atomic``, ``platformdirs`` and protobuf's wire-format
parser; never TensorFlow or Qt.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from ffnn_studio.config import COMPILE_CACHE_BUDGET, compile_cache_enabled

log = logging.getLogger(__name__)

#: TensorFlow's flag for the folder of its persistent XLA cache.
FLAG = "--tf_xla_persistent_cache_directory"
#: TensorFlow's cache entries: ``xla_compile_cache__<key>__<key>__<device>.pb``.
ENTRY_GLOB = "xla_compile_cache__*.pb"
CHECKED_FILE = "checked.txt"


def cache_dir() -> Path:
    """The folder of the kept programs (it may not exist yet)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ffnn-studio", appauthor=False)) / "xla"


#: The folder this process's TensorFlow was pointed at (set once, by ``configure``).
_configured: Path | None = None


def configure(environ: MutableMapping[str, str] = os.environ, folder: Path | None = None) -> Path | None:
    """Point TensorFlow's persistent XLA cache at the studio's folder (before its first
    XLA compilation); tidy the folder. Returns the folder, or None when the cache is off,
    the user's ``TF_XLA_FLAGS`` already name one, or the folder cannot be made."""
    global _configured
    if not compile_cache_enabled(environ):
        return None
    flags = environ.get("TF_XLA_FLAGS", "")
    if environ is os.environ and _configured is not None:
        return _configured  # tidied once a process
    if FLAG in flags:
        return None  # the user's own choice
    folder = cache_dir() if folder is None else folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tidy(folder)
    except OSError as exc:
        log.info("no compile cache: %s", exc)
        return None
    environ["TF_XLA_FLAGS"] = f"{flags} {FLAG}={folder}".strip()
    if environ is os.environ:
        _configured = folder
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(ENTRY_GLOB))


def size_of(folder: Path) -> int:
    """Bytes the kept programs take."""
    total = 0
    for p in entries(folder):
        with contextlib.suppress(OSError):
            total += p.stat().st_size
    return total


def tidy(folder: Path, budget: int = COMPILE_CACHE_BUDGET) -> None:
    """Remove entries that do not parse, then the least recently used ones until the
    rest fit in ``budget`` bytes."""
    checked = _read_checked(folder)
    kept: list[tuple[float, int, Path]] = []
    still: dict[str, str] = {}
    for p in entries(folder):
        try:
            st = p.stat()
        except OSError:
            continue
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
        if checked.get(p.name) != stamp and not _parses(p):
            log.warning("removing a damaged compiled program: %s", p.name)
            _remove(p)
            continue
        still[p.name] = stamp
        kept.append((max(st.st_atime, st.st_mtime), st.st_size, p))
    total = sum(size for _, size, _ in kept)
    for _, size, p in sorted(kept):
        if total <= budget:
            break
        if _remove(p):
            total -= size
            still.pop(p.name, None)
    _write_checked(folder, still)


def clear(folder: Path | None = None) -> int:
    """Delete every kept program; returns how many bytes were freed."""
    folder = cache_dir() if folder is None else folder
    freed = 0
    for p in entries(folder):
        try:
            size = p.stat().st_size
        except OSError:
            continue
        if _remove(p):
            freed += size
    _remove(folder / CHECKED_FILE)
    return freed


def _parses(path: Path) -> bool:
    """Whether the file is a complete protocol buffer (its fields are not interpreted:
    a truncated or garbled one fails the wire-format parse)."""
    from google.protobuf import empty_pb2
    from google.protobuf.message import DecodeError

    try:
        data = path.read_bytes()
    except OSError:
        return False
    if not data:
        return False
    try:
        empty_pb2.Empty().ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError):
        return False
    return True


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.info("could not remove %s: %s", path, exc)
        return False
    return True


def _read_checked(folder: Path) -> dict[str, str]:
    try:
        text = (folder / CHECKED_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in text.splitlines():
        name, _, stamp = line.partition(" ")
        if name and stamp:
            out[name] = stamp
    return out


def _write_checked(folder: Path, checked: Mapping[str, str]) -> None:
    from ffnn_studio.core.atomic import atomic_write_text
    from ffnn_studio.core.errors import StudioError

    try:
        atomic_write_text(folder / CHECKED_FILE, "".join(f"{n} {s}\n" for n, s in sorted(checked.items())))
    except (OSError, StudioError) as exc:
        log.info("could not note the checked programs: %s", exc)
