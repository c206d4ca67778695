"""The original bytes of every file received, kept in ``archive/`` under their SHA-256
(the same bytes are kept once), written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from ..home import save_owner_only
from .submission import Submission


def keep_original(archive: Path, sub: Submission) -> Path:
    """Keep ``sub``'s bytes in ``archive/<first two of the SHA-256>/<SHA-256><ext>``."""
    ext = Path(sub.file_name).suffix.lower()
    if not ext or len(ext) > 6 or not ext[1:].isalnum():
        ext = ".bin"
    path = archive / sub.sha256[:2] / f"{sub.sha256}{ext}"
    if not path.exists():
        save_owner_only(path, sub.data)  # whole or absent: never a .tmp left behind, even on a full disk
    return path
