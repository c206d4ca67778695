"""The inbox folder on disk: finding candidate files, claiming them, moving them on.

Rules, all here:
- Only regular files inside the inbox are touched: no symlinks (to files or
  folders), nothing whose real path leaves the inbox, nothing ignored by
  :func:`~forms_processor.intake.files.is_ignored`, nothing inside hidden folders.
- A file is claimed by one ``os.rename`` into this watcher's own folder under
  ``processing/`` (``<uuid>-<arrival time>__<original name>``). Rename is atomic, so
  when two watchers race for one file exactly one wins; the other finds it gone and
  skips it. The arrival time travels in the name: a file finished by another watcher
  after a crash keeps the time it really arrived (it decides lateness and the round).
- Each watcher's processing folder holds a lock file locked for as long as the
  watcher runs (the lock dies with the process, even after ``kill -9``). A folder
  whose lock can be taken belongs to a watcher that has stopped: its files are
  taken over and finished by the next watcher.
- Afterwards a file is moved, never copied or deleted: to
  ``archive/by-date/YYYY-MM-DD/<reference or sha8> <name>`` or to ``rejected/``
  with ``<name>.reason.txt`` beside it. A name already taken gets `` (2)``, `` (3)``…
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ConfigError
from ..home import save_owner_only
from ..locking import FileLock
from .files import is_ignored
from .stability import HEAD_BYTES, TAIL_BYTES, looks_complete
from .submission import safe_file_name

log = logging.getLogger(__name__)
# Hard-linked files already warned about (device, inode): one warning each.
_WARNED_LINKS: set[tuple[int, int]] = set()

CLAIM_SEPARATOR = "__"
LOCK_NAME = ".lock"
# The longest file name most file systems take, in bytes (NAME_MAX).
NAME_MAX_BYTES = 255
_CLAIMED = re.compile(r"^([0-9a-f]{32})(?:-(\d{1,16}))?__(.+)$", re.DOTALL)


# -- finding files ----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    path: Path
    size: int
    mtime_ns: int
    # When the file last changed in any way (its data, or its name or place), by the
    # file system's clock: the later of mtime and ctime. 0 where that is not known
    # (on Windows, st_ctime is the creation time).
    changed_ns: int = 0

    def unchanged_for(self, now: float) -> float:
        """Seconds since the file last changed, by the file system (0 when not known)."""
        if not self.changed_ns:
            return 0.0
        return max(0.0, now - self.changed_ns / 1e9)


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` (resolved, symlinks followed) is inside ``folder``."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def candidate(inbox: Path, path: Path) -> Candidate | None:
    """The file as a candidate for intake, or None when it must be left alone."""
    try:
        rel = path.relative_to(inbox)
    except ValueError:
        return None
    if any(is_ignored(Path(part)) for part in rel.parts):
        return None
    try:
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or not inside(inbox, path):
        return None
    if st.st_nlink > 1:
        # A hard link: the same file is also somewhere else (maybe outside the home), so
        # moving or chmod-ing it here would change that one too. Left alone, like a symlink.
        key = (st.st_dev, st.st_ino)
        if key not in _WARNED_LINKS:
            _WARNED_LINKS.add(key)
            log.warning("%s is a hard link to a file elsewhere; it is left alone. Copy the file into the"
                        " inbox instead of linking it.", display_name(inbox, path))
        return None
    # A symlinked folder on the way in would make the real path leave ``inbox``.
    if path.resolve() != inbox.resolve() / rel:
        return None
    return Candidate(path, st.st_size, st.st_mtime_ns, changed_ns(st))


def changed_ns(st: os.stat_result) -> int:
    """The later of the file's modification and change times (0 on Windows, where
    ``st_ctime`` is the creation time). A copy that keeps the source's modification
    time still sets the change time, so this is when the bytes were last touched here."""
    if sys.platform == "win32":
        return 0
    return max(st.st_mtime_ns, st.st_ctime_ns)


def scan(inbox: Path) -> Iterator[Candidate]:
    """Every candidate file in the inbox and its sub-folders (symlinked folders not followed)."""
    stack = [inbox]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
            except OSError:
                continue
            cand = candidate(inbox, Path(entry.path))
            if cand is not None:
                yield cand


def read_ends(path: Path, size: int) -> tuple[bytes, bytes]:
    """The first and last bytes of a file (for :func:`looks_complete`)."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read(TAIL_BYTES)
    return head, tail


def is_complete(cand: Candidate) -> bool:
    try:
        head, tail = read_ends(cand.path, cand.size)
    except OSError:
        return False
    return looks_complete(head, tail, cand.size)


# -- the processing folder -----------------------------------------------------


@dataclass
class Claimed:
    """A file taken from the inbox, now in this watcher's processing folder."""

    path: Path  # where it is now
    name: str  # its original file name
    display: str  # where it was, relative to the inbox (for logs and results)
    received_at: datetime


def claim_name(name: str, arrived: datetime) -> str:
    """``<uuid>-<arrival, ms since 1970>__<name>``, within the file system's name limit."""
    prefix = f"{uuid.uuid4().hex}-{max(0, int(arrived.timestamp() * 1000))}{CLAIM_SEPARATOR}"
    return prefix + fit_name(safe_file_name(name), NAME_MAX_BYTES - len(prefix))


def fit_name(name: str, max_bytes: int) -> str:
    """``name`` shortened (keeping its extension) to at most ``max_bytes`` in UTF-8."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 9:
        stem, dot, ext = name, "", ""
    tail = dot + ext
    room = max_bytes - len(tail.encode("utf-8"))
    cut = stem.encode("utf-8")[: max(1, room)].decode("utf-8", "ignore").rstrip(" .") or "form"
    return cut + tail


def original_name(claimed: str) -> str:
    m = _CLAIMED.match(claimed)
    return m.group(3) if m else claimed


def claimed_arrival(claimed: str) -> datetime | None:
    """The arrival time written into a claimed file's name, if there is one."""
    m = _CLAIMED.match(claimed)
    if not m or not m.group(2):
        return None
    try:
        return datetime.fromtimestamp(int(m.group(2)) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def arrival_time(st: os.stat_result, now: datetime) -> datetime:
    """When a file arrived: its change time (set by the copy or move into the folder)
    or its modification time, whichever is later, never after ``now``. The
    modification time alone can be days old when a copy keeps it."""
    stamp = max(st.st_mtime, st.st_ctime)
    return min(datetime.fromtimestamp(stamp, UTC), now)


class ProcessingArea:
    """This watcher's own folder under ``processing/``, locked while it runs."""

    def __init__(self, processing: Path, inbox: Path) -> None:
        self.root = processing
        self.inbox = inbox
        self.folder = processing / f"watch-{uuid.uuid4().hex[:12]}"
        self._lock: FileLock | None = None

    def open(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.stat(self.root).st_dev != os.stat(self.inbox).st_dev:
            raise ConfigError(
                f"The processing folder ({self.root}) is on a different drive from the inbox ({self.inbox}).",
                hint="Files are claimed by moving them, which needs both on the same drive: "
                "set 'processing' under [storage] in cluster.toml to a folder beside the inbox.",
            )
        # Made and locked under a hidden name, then renamed: another watcher never sees
        # this folder unlocked (it would take it for a stopped watcher's and take it over).
        staging = self.root / f".new-{self.folder.name}"
        staging.mkdir(mode=0o700)
        lock = FileLock(staging / LOCK_NAME)
        if not lock.acquire():
            raise ConfigError(f"Could not lock the processing folder {self.folder}.")
        os.rename(staging, self.folder)  # the lock is on the open file: it moves with the folder
        self._lock = lock

    def close(self) -> None:
        """Release the lock; remove this watcher's folder if nothing was left in it."""
        if self._lock is None:
            return
        try:
            leftovers = [p for p in self.folder.iterdir() if p.name != LOCK_NAME]
        except FileNotFoundError:  # removed by hand meanwhile
            leftovers = []
        if not leftovers:
            (self.folder / LOCK_NAME).unlink(missing_ok=True)
            try:
                self.folder.rmdir()
            except OSError:
                pass
        self._lock.release()
        self._lock = None

    def claim(self, cand: Candidate, now: datetime) -> Claimed | None:
        """Move the file into this watcher's folder; None when another took it first.
        Raises OSError when it cannot be moved (no permission, for example)."""
        try:
            st = cand.path.lstat()
            received = arrival_time(st, now)
            target = self.folder / claim_name(cand.path.name, received)
            os.rename(cand.path, target)
        except FileNotFoundError:
            if not self.folder.is_dir():  # not "another watcher took it": our own folder is gone
                raise OSError(errno.ENOENT, f"the processing folder {self.folder} is missing") from None
            return None
        _owner_only(target)
        return Claimed(target, cand.path.name, display_name(self.inbox, cand.path), received)

    def take_over(self, now: datetime) -> list[Claimed]:
        """Files left in processing by watchers that have stopped (or crashed), and loose
        files in processing/ itself: moved into this watcher's folder to be finished."""
        found: list[Claimed] = []
        for entry in sorted(self.root.iterdir()):
            if entry == self.folder or entry.name.startswith("."):
                continue  # ours, or one being made by a watcher starting now
            if entry.is_dir() and not entry.is_symlink():
                lock = FileLock(entry / LOCK_NAME)
                if not lock.acquire():
                    continue  # its watcher is still running
                try:
                    for child in sorted(entry.iterdir()):
                        if child.name != LOCK_NAME:
                            found.extend(self._adopt(child, now))
                    (entry / LOCK_NAME).unlink(missing_ok=True)
                    try:
                        entry.rmdir()
                    except OSError:
                        pass
                finally:
                    lock.release()
            else:
                found.extend(self._adopt(entry, now))
        return found

    def _adopt(self, path: Path, now: datetime) -> list[Claimed]:
        try:
            st = path.lstat()
        except OSError:
            return []
        if not stat.S_ISREG(st.st_mode):
            return []
        name = original_name(path.name)
        # The time it first arrived in the inbox, kept in its name by the watcher that claimed it.
        received = claimed_arrival(path.name) or arrival_time(st, now)
        target = self.folder / path.name if path.name != name else self.folder / claim_name(name, received)
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return []
        _owner_only(target)  # as when it was first claimed: 0600, whoever claimed it
        return [Claimed(target, name, name, received)]

    def leftovers(self) -> list[Path]:
        return [p for p in sorted(self.folder.iterdir()) if p.name != LOCK_NAME]


def _owner_only(path: Path) -> None:
    """Make a claimed file readable by its owner only (it keeps this through the archive).
    Best effort: on a shared folder the file may belong to someone else."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


def display_name(inbox: Path, path: Path) -> str:
    """Where a file is, relative to the inbox (for logs and results)."""
    try:
        return str(path.relative_to(inbox))
    except ValueError:
        return path.name


# -- moving files on -------------------------------------------------------------


def move_no_overwrite(src: Path, folder: Path, name: str) -> Path:
    """Move ``src`` into ``folder`` as ``name`` (or ``name (2)``…); never replaces a file."""
    private_folders(folder)
    name = fit_name(name, NAME_MAX_BYTES - 8)  # room for " (99)"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    n = 1
    while True:
        target = folder / (name if n == 1 else f"{stem} ({n}){'.' + ext if ext else ''}")
        try:
            os.link(src, target)
        except FileExistsError:
            if _same_file(src, target):  # an earlier run got this far before it stopped
                os.unlink(src)
                return target
            n += 1
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if target.exists():  # no hard links here: check, then rename
                n += 1
                continue
            os.rename(src, target)
            return target
        os.unlink(src)
        return target


def private_folders(folder: Path) -> None:
    """Make ``folder`` and any missing folder above it owner-only (0700): ``mkdir(parents=True)``
    would make the ones above with the default mode (``archive/by-date`` 0755)."""
    missing: list[Path] = []
    at = folder
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for each in reversed(missing):
        try:
            each.mkdir(mode=0o700)
        except FileExistsError:
            continue
        try:
            os.chmod(each, 0o700)  # whatever the umask
        except OSError:
            pass


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def archive_name(reference: str | None, sha256: str, name: str) -> str:
    return f"{reference or sha256[:8]} {safe_file_name(name)}"


def move_to_archive(archive: Path, claimed: Claimed, day: str, reference: str | None, sha256: str) -> Path:
    return move_no_overwrite(claimed.path, archive / "by-date" / day, archive_name(reference, sha256, claimed.name))


def move_to_rejected(rejected: Path, claimed: Claimed, reason: str) -> Path:
    """Move the file to ``rejected/`` and write the reason beside it (owner-only). When
    the reason cannot be written (a full disk) the file is moved back where it was and
    the error raised: a file is never in ``rejected/`` without its reason."""
    target = move_no_overwrite(claimed.path, rejected, fit_name(safe_file_name(claimed.name), 200))
    note = target.with_name(target.name + ".reason.txt")
    try:
        save_owner_only(note, (reason.rstrip() + "\n").encode("utf-8"), fsync=False)
    except OSError:
        os.rename(target, claimed.path)
        raise
    return target
