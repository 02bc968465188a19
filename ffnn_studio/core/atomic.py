"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

Temporaries carry the writing process's id, so a later write to the same
folder can remove those a killed process left behind.

Contract: standard library only; every file the studio writes goes through
here.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
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
    tmp = new_temporary(target, suffix=suffix, directory=directory)
    try:
        yield tmp
        replace_together([(tmp, target)])
    except OSError as exc:
        _discard(tmp)
        raise StudioError(_os_error_message(target, exc)) from exc
    except BaseException:
        _discard(tmp)
        raise


#: The studio's temporaries: ``.<name>.<pid>-<random>.tmp[<suffix>]``. Files of
#: this pattern whose process is gone are left-overs of a killed write; names
#: without a pid are those of earlier versions.
_TEMPORARY = re.compile(r"^\..+\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp(?:\.[\w.]+)?$")
#: Temporaries older than this are stale even when their process cannot be asked.
STALE_SECONDS = 24 * 3600


def new_temporary(target: str | os.PathLike[str], *, suffix: str = "", directory: bool = False) -> Path:
    """A new temporary path beside ``target`` (a file created empty, or a free folder name).

    Removes the stale temporaries that killed writes left in the same folder first.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise StudioError(f"could not write {target}: folder {parent} does not exist")
    clean_stale_temporaries(parent)
    try:
        return _make_temporary(target, parent, suffix, directory)
    except OSError as exc:
        raise StudioError(_os_error_message(target, exc)) from exc


def _make_temporary(target: Path, parent: Path, suffix: str, directory: bool) -> Path:
    pid = os.getpid()
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{pid}-", suffix=".tmp", dir=parent))
        tmp.rmdir()  # the writer creates the folder itself
        return tmp
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.{pid}-", suffix=f".tmp{suffix}", dir=parent)
    os.close(fd)
    return Path(name)


def _process_gone(pid: int) -> bool:
    # Not asked on Windows, where os.kill(pid, 0) would end the process: the age tells there.
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def clean_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the studio's temporaries in ``folder`` left by writes that were killed."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None:
            continue
        pid = match.group("pid")
        if pid is not None and os.name != "nt":
            stale = _process_gone(int(pid))
        else:
            try:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            except OSError:
                continue
        if stale:
            path = Path(entry.path)
            _discard(path)
            removed.append(path)
    return removed


def replace_together(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Move each temporary over its target, all or none.

    The previous targets are kept (hard-linked, or a folder moved aside) until
    every move succeeded; a failed move puts them all back, so readers see
    the old set or the new set. Only a kill between two moves can leave a
    mixed set; the caller's content hashes tell that case.
    """
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, target in pairs:
            if tmp.is_file():
                # mkstemp creates files readable by the owner only; give the result
                # the permissions a plain open() would have given it.
                os.chmod(tmp, 0o666 & ~_umask())
            backup = _set_aside(target)
            try:
                os.replace(tmp, target)
            except OSError:
                if backup is not None:
                    _put_back(backup, target)
                raise
            done.append((target, backup))
    except OSError:
        for target, backup in reversed(done):
            if backup is None:
                _discard(target)
            else:
                _put_back(backup, target)
        raise
    for _, backup in done:
        if backup is not None:
            _discard(backup)


def _set_aside(target: Path) -> Path | None:
    """Keep ``target`` under a temporary name; a file stays in place (a hard link)."""
    if not os.path.lexists(target):
        return None
    backup = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp.old")
    if target.is_dir() and not target.is_symlink():
        # A folder cannot be replaced in one step: it is absent until the new one moves in.
        os.replace(target, backup)
        return backup
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:  # no hard links here (some network and FAT file systems)
        shutil.copy2(target, backup, follow_symlinks=False)
    return backup


def _put_back(backup: Path, target: Path) -> None:
    if backup.is_dir() and not backup.is_symlink():
        _discard(target)
    elif os.path.lexists(target) and os.path.samefile(backup, target):
        # Still the old file: rename() between two links of one file does nothing.
        backup.unlink()
        return
    os.replace(backup, target)


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


def _discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_path(path: str | os.PathLike[str]) -> None:
    """Remove a file or folder if it exists."""
    _discard(Path(path))

