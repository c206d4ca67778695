"""The home folder: ``cluster.toml`` and the folders it names.

``--home DIR``, else the environment variable ``FORMS_HOME``, else the current folder.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_NAME, Config, load_config
from .errors import ConfigError, UsageError, storage_fault
from .example import EXAMPLE_CONFIG


def resolve_home(option: str | Path | None) -> Path:
    if option:
        return Path(option).expanduser().resolve()
    env = os.environ.get("FORMS_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Home:
    root: Path
    config: Config

    def _path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return (p if p.is_absolute() else self.root / p).resolve()

    @property
    def inbox(self) -> Path:
        return self._path(self.config.storage.inbox)

    @property
    def outbox(self) -> Path:
        return self._path(self.config.storage.outbox)

    @property
    def archive(self) -> Path:
        return self._path(self.config.storage.archive)

    @property
    def rejected(self) -> Path:
        return self._path(self.config.storage.rejected)

    @property
    def processing(self) -> Path:
        return self._path(self.config.storage.processing)

    @property
    def data(self) -> Path:
        return self._path(self.config.storage.data)

    @property
    def database(self) -> Path:
        return self.data / "forms.db"

    def preview(self, sha256: str) -> Path:
        """Where a word-processor original, shown as a PDF, is kept (by the original's SHA-256)."""
        return self.data / "previews" / f"{sha256}.pdf"

    @property
    def mail_outbox(self) -> Path:
        """Emails written as .eml files when no SMTP server is configured."""
        return self.outbox / "mail"

    @property
    def responses(self) -> Path:
        return self.outbox / "responses"

    def folders(self) -> list[Path]:
        return [self.inbox, self.outbox, self.archive, self.rejected, self.processing, self.data]

    def relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def check_layout(self) -> None:
        """Refuse a layout where output or data folders sit inside the inbox."""
        inbox = self.inbox
        for name, folder in (
            ("outbox", self.outbox),
            ("archive", self.archive),
            ("rejected", self.rejected),
            ("processing", self.processing),
            ("data", self.data),
        ):
            if folder == inbox or inbox in folder.parents:
                raise ConfigError(
                    f"The {name} folder ({folder}) is inside the inbox ({inbox}).",
                    hint=f"Change '{name}' under [storage] in {CONFIG_NAME} so it is outside the inbox.",
                )

    def ensure_folders(self) -> list[Path]:
        """Make the folders that are missing, owner-only; keep the kept data owner-only.

        The inbox is made owner-only too, but an existing inbox keeps its permissions:
        a drop folder on a network share may rightly let the share's account write to it.
        Returns the folders created.
        """
        self.check_layout()
        created: list[Path] = []
        for folder in self.folders():
            if not folder.exists():
                folder.mkdir(mode=0o700, parents=True)
                os.chmod(folder, 0o700)
                created.append(folder)
        for private in (self.archive, self.rejected, self.processing, self.data, self.outbox):
            os.chmod(private, 0o700)
        return created


def _where_looked(option: str | Path | None, source: str | None) -> str:
    """How the folder looked in was chosen, in words."""
    if source == "FORMS_HOME" or (not option and os.environ.get("FORMS_HOME")):
        return "the folder named by FORMS_HOME"
    if option:
        return "the folder given with --home"
    return "the current folder"


def not_a_home(root: Path, option: str | Path | None = None, source: str | None = None) -> ConfigError:
    """The error for a folder with no cluster.toml: which folder was looked in, how it was
    chosen, where a home may be instead, and how to point at one."""
    how = _where_looked(option, source)
    missing = "" if root.exists() else " (it does not exist)"
    hint = ("Run the command in the home folder (the one holding cluster.toml), or name it: "
            "forms --home /path/to/home COMMAND, or set the environment variable FORMS_HOME=/path/to/home. "
            "To make a new home in this folder, run forms init.")
    above = next((p for p in root.parents if (p / CONFIG_NAME).is_file()), None) if root.exists() else None
    if above is not None:
        hint = f"There is a {CONFIG_NAME} in {above}: use forms --home {above} COMMAND, or run it there. " + hint
    return ConfigError(f"There is no {CONFIG_NAME} in {root}{missing}, {how}, so it is not a forms home.", hint=hint)


def open_home(option: str | Path | None, source: str | None = None) -> Home:
    """The home named by ``option`` (else FORMS_HOME, else the current folder). ``source``
    says how the caller was given it ("--home" or "FORMS_HOME"), for the message when the
    folder holds no cluster.toml."""
    root = resolve_home(option)
    if not (root / CONFIG_NAME).is_file():
        raise not_a_home(root, option, source)
    config = load_config(root / CONFIG_NAME)
    home = Home(root, config)
    home.ensure_folders()
    return home


def init_home(option: str | Path | None) -> tuple[Path, list[Path]]:
    """Write the example configuration and the folders; never overwrite anything.

    Returns the home and the paths created.
    """
    root = resolve_home(option)
    root.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        fd = os.open(cfg, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(EXAMPLE_CONFIG)
        created.append(cfg)
    home = Home(root, load_config(cfg))
    created.extend(home.ensure_folders())
    return root, created


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (where a full disk is first felt)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def save_owner_only(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """The one routine that writes a file the program keeps: owner-only (0600) in an
    owner-only folder, written under a temporary name and renamed into place, so a file
    is whole or absent. On any error (a full disk: OSError ENOSPC) the temporary file is
    removed and the error raised as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        try:
            _write_all(fd, data)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes, hint: str | None = None) -> None:
    """Write ``data`` readable by its owner only (replacing any earlier file, never leaving
    half a file). A full or read-only disk is a :class:`StorageError`; a folder or file
    that cannot be written otherwise is a :class:`UsageError` saying so, with ``hint``."""
    try:
        save_owner_only(path, data, fsync=False)
    except OSError as exc:
        fault = storage_fault(exc, f"{path} was not written")
        if fault is not None and fault.kind != "permission":
            raise fault from exc
        raise UsageError(
            f"{path} could not be written ({exc.strerror or exc}).",
            hint=hint or "Choose a folder you can write to (for example a folder in your home), with --out.",
        ) from exc
