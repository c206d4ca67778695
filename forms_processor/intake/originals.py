"""The original bytes of every file received, kept in ``archive/`` under their SHA-256
(the same bytes are kept once), written whole or not at all."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .submission import Submission


def keep_original(archive: Path, sub: Submission) -> Path:
    """Keep ``sub``'s bytes in ``archive/<first two of the SHA-256>/<SHA-256><ext>``."""
    ext = Path(sub.file_name).suffix.lower()
    if not ext or len(ext) > 6 or not ext[1:].isalnum():
        ext = ".bin"
    folder = archive / sub.sha256[:2]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{sub.sha256}{ext}"
    if not path.exists():
        tmp = path.with_name(path.name + f".{os.getpid()}-{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(sub.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    return path
