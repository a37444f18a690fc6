"""Writing files so that nothing already saved is lost."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bilan_core.errors import RunError


def atomic_write(path: Path, content: bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part.

    The file is readable by its owner only (0600): it holds a beneficiary's confidential data.
    """
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise RunError(f"{path}: cannot write the file: {exc.strerror}") from None


def data_dir() -> Path:
    """Where bilan keeps data a provider imports (an official referential, say).

    ``BILAN_DATA_DIR`` when set, else ``$XDG_DATA_HOME/bilan`` (``~/.local/share/bilan``).
    """
    configured = os.environ.get("BILAN_DATA_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "bilan"
