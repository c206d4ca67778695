"""The library API: what the CLI, the watcher and the mailbox poller all call.

    with FormsApp.open(home_dir) as app:
        results = app.ingest_paths([Path("inbox")])

A command parses its options, calls one method here and renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import NotFound, UnreadableDocument
from .home import Home, open_home
from .intake.email_parts import ParsedEmail
from .intake.files import TooLarge, expand_paths, read_within, unpack
from .intake.submission import Source, Submission, now_utc
from .intake.unpacking import Unpacker
from .readers import ReaderPool, ReadLimits
from .readers.base import ExtractedForm
from .readers.prefetch import PrefetchingReader
from .readers.sandbox import too_big
from .reports.entitlement import parse_year, year_label
from .reports.governors import pounds
from .reports.governors_document import published
from .results import IntakeStatus, json_data
from .service.aftercare import Aftercare
from .service.host import HostActions
from .service.mail import MailActions
from .service.meeting import MeetingActions
from .service.rounds import RoundActions
from .service.settings import SettingsActions
from .service.upload import UploadActions
from .service.users import UserActions
from .states import State
from .store import repository as repo
from .store.db import Database
from .validation.parsing import ParseError, format_date, format_money, parse_date
from .workflow.folder_intake import FileOutcome, FolderIntake
from .workflow.ingest import Ingestor, IngestResult
from .workflow.remind import STAGE_LABELS

if TYPE_CHECKING:
    import threading
    from datetime import datetime

    from .intake.folder import ProcessingArea

# Pure helpers the screens use to show and read values the one way the library does.
__all__ = [
    "STAGE_LABELS", "FileOutcome", "FormsApp", "IngestResult", "IntakeStatus", "json_data", "ParseError", "format_date", "format_money",
    "parse_date", "parse_year", "pounds", "published", "read_limits", "year_label",
]

ReadFn = Callable[[bytes, str], ExtractedForm]


def read_limits(home: Home) -> ReadLimits:
    s = home.config.storage
    return ReadLimits(
        max_bytes=int(s.max_file_mb * 1024 * 1024),
        timeout_seconds=s.parse_timeout_seconds,
        memory_mb=s.parse_memory_mb,
        wordings=home.config.labels.wordings(),
    )


class FormsApp(HostActions, Aftercare, MailActions, MeetingActions, RoundActions, UserActions, SettingsActions,
               UploadActions):
    def __init__(self, home: Home, read: ReadFn | None = None, workers: int = 2) -> None:
        self.home = home
        self.config = home.config
        self.db = Database(home.database)
        self._pool: ReaderPool | None = None
        self._given_read = read
        self._reader: PrefetchingReader | None = None
        self._unpacker: Unpacker | None = None
        self.workers = workers

    @classmethod
    def open(cls, home_option: str | Path | None, *, home_source: str | None = None, **kw: Any) -> FormsApp:
        """The app over the home named by ``home_option`` (else FORMS_HOME, else the current
        folder); ``home_source`` ("--home" or "FORMS_HOME") only words the message when the
        folder is not a home."""
        return cls(open_home(home_option, home_source), **kw)

    def __enter__(self) -> FormsApp:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._unpacker is not None:
            self._unpacker.close()
            self._unpacker = None
        self.db.close()

    # -- reading --------------------------------------------------------------

    @property
    def reader(self) -> PrefetchingReader:
        """The reader: the given read function, or a pool of worker processes under the
        home's limits (started on first use), able to read ahead."""
        if self._reader is None:
            read = self._given_read
            if read is None:
                self._pool = ReaderPool(workers=self.workers, limits=read_limits(self.home))
                read = self._pool.read
            self._reader = PrefetchingReader(read, workers=self.workers)
        return self._reader

    @property
    def read(self) -> ReadFn:
        return self.reader.read

    def prefetch(self, data: bytes, file_name: str) -> None:
        """Start reading a document that is not yet taken (the watcher, while a file settles)."""
        self.reader.prefetch(data, file_name)

    def unpack_parts(self, data: bytes, name: str) -> ParsedEmail:
        """The parts of an email (.eml, .msg, or fetched from the mailbox) or of a zip,
        unpacked in a worker process under the home's reading limits (memory and time).
        Raises UnreadableDocument, in plain words when a limit stopped the unpacking."""
        if self._unpacker is None:
            self._unpacker = Unpacker(read_limits(self.home))
        return self._unpacker(data, name)

    def ingestor(self, actor: str = "intake") -> Ingestor:
        return Ingestor(self.home, self.db, self.read, actor=actor, workers=self.workers)

    # -- intake ---------------------------------------------------------------

    def ingest(self, sub: Submission, display: str | None = None) -> IngestResult:
        return self.ingestor().process(sub, display)

    def ingest_submissions(
        self, subs: Iterable[tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]]
    ) -> Iterator[IngestResult]:
        return self.ingestor().process_many(subs)

    def ingest_paths(self, paths: list[Path], source: Source = Source.CLI) -> Iterator[IngestResult]:
        """Files and folders (and the forms attached to .eml/.msg files or inside zips), one
        result per form file.

        A file that cannot even be opened, an .eml with no form attached, or an email or
        zip that could not be unpacked within the limits, gives a ``rejected`` result and
        the batch goes on.
        """
        return self.ingest_submissions(self._submissions(paths, source))

    def count_files(self, paths: list[Path]) -> tuple[int, list[Path]]:
        """How many files ``ingest_paths`` will take, and the ones it passes over."""
        skipped: list[Path] = []
        return sum(1 for _ in expand_paths(paths, skipped)), skipped

    def _submissions(
        self, paths: list[Path], source: Source
    ) -> Iterator[tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]]:
        limits = read_limits(self.home)
        for path in expand_paths(paths):
            display = str(path)
            try:
                data = read_within(path, limits.max_bytes)
            except TooLarge as big:  # refused unread: only a note of it is kept (name, size, time)
                yield (
                    Submission(data=b"", file_name=path.name, source=source, received_at=now_utc(),
                               unread_size=big.size),
                    display,
                    too_big(big.size, limits),
                )
                continue
            except OSError as exc:
                yield (
                    Submission(data=b"", file_name=path.name, source=source, received_at=now_utc()),
                    display,
                    UnreadableDocument(
                        f"The file could not be opened ({exc.strerror or 'unknown error'}).",
                        hint="Check that the file is still there and that this program may read it.",
                        reason="unopenable",
                    ),
                )
                continue
            held = unpack(data, path.name, source, now_utc(), self.unpack_parts, origin=str(path),
                          authorised=self.config.is_school_address)
            if held.refusal is not None:
                yield held.subs[0], display, held.refusal
                continue
            for sub in held.subs:
                yield sub, display if held.whole else f"{display} > {sub.file_name}"
            for sub, why in held.not_read:
                yield sub, f"{display} > {sub.file_name}", why

    # -- queries --------------------------------------------------------------

    def list_forms(
        self,
        *,
        state: str | None = None,
        round_text: str | None = None,
        school_text: str | None = None,
        form_id: str | None = None,
        include_superseded: bool = False,
    ) -> list[repo.FormRow]:
        """Forms, oldest first; a round or school named by any of its names or its code.
        Forms replaced by a later copy (superseded) only with ``include_superseded`` or when
        ``state`` asks for them."""
        round_name = school_name = None
        if round_text:
            round_name = self.config.require_round(round_text).name
        if school_text:
            school = self.config.find_school(school_text)
            if school is None:
                raise NotFound(
                    f"There is no school called {school_text!r} in cluster.toml.",
                    hint="Use the school's name, one of its aliases, or its code as in cluster.toml.",
                )
            school_name = school.name
        rows = repo.list_forms(self.db, state=state, round_name=round_name, school=school_name, form_id=form_id)
        if include_superseded or state:
            return rows
        return [r for r in rows if r.state != State.SUPERSEDED]

    def late_references(self, forms: Iterable[repo.FormRow] | None = None) -> set[str]:
        """The references of the forms (of all, or of ``forms``) that arrived after the
        deadline of the round they are in."""
        received = repo.received_times(self.db)
        rows = forms if forms is not None else repo.list_forms(self.db)
        return {f.reference for f in rows if self.config.is_late(f.round, received.get(f.reference))}

    def count_superseded(self, *, round_text: str | None = None, school_text: str | None = None) -> int:
        """How many forms ``list_forms`` leaves out as replaced by a later copy."""
        return len(self.list_forms(state=State.SUPERSEDED.value, round_text=round_text, school_text=school_text))

    def get(self, reference: str) -> repo.FormRow:
        form = repo.get_form(self.db, reference)
        if form is None:
            raise NotFound(
                f"There is no form with the reference {reference}.",
                hint="Run 'forms list' to see the references.",
            )
        return form

    def show(self, reference: str) -> dict[str, Any]:
        form = self.get(reference)
        sub = repo.submission_of(self.db, form.submission_id)
        return {
            "reference": form.reference,
            "form": form.form_id,
            "school": form.school,
            "round": form.round,
            "state": form.state.value,
            "state_label": form.state.label,
            "intervention": form.intervention,
            "linked_reference": form.linked_ref,
            "superseded_by": form.superseded_by,
            "file": sub["file_name"] if sub else None,
            "source": sub["source"] if sub else None,
            "sender": sub["sender"] if sub else None,
            "received_at": sub["received_at"] if sub else None,
            "original": sub["archive_path"] if sub else None,
            "reader": form.reader,
            "fields": form.fields,
            "messages": repo.messages_of(self.db, form.reference),
            "history": repo.history_of(self.db, form.reference),
        }

    # -- the folder and the mailbox ------------------------------------------------------

    def folder_intake(self, area: ProcessingArea, *, stop: threading.Event | None = None,
                      abort: threading.Event | None = None, on_outcome: Callable[[FileOutcome], None] | None = None,
                      now: Callable[[], datetime] = now_utc) -> FolderIntake:
        """Taking in the files one watcher claims from the inbox (its ``processing/`` area)."""
        return FolderIntake(self, area, stop=stop, abort=abort, on_outcome=on_outcome, now=now)
