"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

Contract: standard library only; every file the studio writes goes through
here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ffnn_studio.core.errors import StudioError


def _os_error_message(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"could not write {path}: {reason}"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    target = Path(path)
    with atomic_path(target, suffix=target.suffix) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, suffix: str = "", directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it over ``target`` on success.

    For writers that need a file name (Keras, TFLite, ONNX) or a folder
    (SavedModel, ``directory=True``). On any error the temporary is removed
    and ``target`` is left untouched; an ``OSError`` such as a full disk
    becomes a ``StudioError`` naming the file.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise StudioError(f"could not write {target}: folder {parent} does not exist")
    try:
        tmp = _make_temporary(target, parent, suffix, directory)
    except OSError as exc:
        raise StudioError(_os_error_message(target, exc)) from exc
    try:
        yield tmp
        if not directory and tmp.exists():
            # mkstemp creates files readable by the owner only; give the result
            # the permissions a plain open() would have given it.
            os.chmod(tmp, 0o666 & ~_umask())
        _replace(tmp, target, directory)
    except OSError as exc:
        _discard(tmp)
        raise StudioError(_os_error_message(target, exc)) from exc
    except BaseException:
        _discard(tmp)
        raise


def _make_temporary(target: Path, parent: Path, suffix: str, directory: bool) -> Path:
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        tmp.rmdir()  # the writer creates the folder itself
        return tmp
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}", dir=parent)
    os.close(fd)
    return Path(name)


def _umask() -> int:
    """The process's umask, read without changing it where the system allows
    (``os.umask`` sets it, racing other threads that create files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _replace(tmp: Path, target: Path, directory: bool) -> None:
    if directory and target.exists():
        # A folder cannot be replaced in one step: move the old one aside first,
        # so that a failure leaves either the old or the new folder in place.
        old = target.with_name(f".{target.name}.old")
        _discard(old)
        os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            os.replace(old, target)
            raise
        _discard(old)
    else:
        os.replace(tmp, target)


def _discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_path(path: str | os.PathLike[str]) -> None:
    """Remove a file or folder if it exists."""
    _discard(Path(path))

