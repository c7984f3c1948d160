"""Writing an export file safely: refuse to overwrite unless told, and never leave half a file.

The export is written to a hidden temporary file next to the target and renamed over it only
once complete (a rename within one folder is atomic), so a crash, a full disk or Ctrl-C leaves
the old file (or none) and no partial one that could be mistaken for a whole archive.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from redline.core.errors import CannotWrite


@contextmanager
def atomic_output(path: Path, *, force: bool) -> Iterator[BinaryIO]:
    """A binary file handle whose contents become ``path`` when the block ends without error."""
    if path.is_dir():
        raise CannotWrite(f"{path} is a folder: name the file to write")
    if path.exists() and not force:
        raise CannotWrite(f"{path} already exists")
    if not path.parent.is_dir():
        raise CannotWrite(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise CannotWrite(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CannotWrite(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (read by setting it, the only way POSIX offers, and setting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
