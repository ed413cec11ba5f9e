"""Atomic file writing: a temporary file in the same folder, fsync, then rename over the target; and
a report's files written together, so that a failure or Ctrl-C while writing leaves the old ones."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(path: Path, text: str) -> str:
    """`text` in a fsynced temporary file beside `path`; its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes owner-only files; reports are ordinary documents, readable as umask allows
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def write_atomic(path: Path, text: str) -> Path:
    return write_together(path.parent, [(path.name, text)])[0]


def write_together(folder: Path, files: list[tuple[str, str]]) -> list[Path]:
    """Every (name, text) into `folder`, all or none: each is written to a temporary file first, so a
    full disk or Ctrl-C while writing leaves the old files as they were; only then are they renamed
    into place, in order, the last one (a report's completion marker) removed first and put last."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, _ in files:   # what would stop a rename, found before anything is touched
        if (folder / name).is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory, not a file: move it away", str(folder / name))
    temps: list[str] = []
    try:
        for name, text in files:
            temps.append(_temporary(folder / name, text))
    except BaseException:
        for tmp in temps:
            _unlink(tmp)
        raise
    paths = [folder / name for name, _ in files]
    if len(paths) > 1:   # renaming takes microseconds, but a marker must never stand beside old files
        paths[-1].unlink(missing_ok=True)
    for tmp, path in zip(temps, paths):
        os.replace(tmp, path)
    return paths
