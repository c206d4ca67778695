"""The people who sign in to the web page, their roles, and what each role may see and do.

Passwords are kept as argon2 hashes only. Every sign-in, view of a form and action taken
from the web page is written to the event log with the person's name.
"""

from __future__ import annotations

import hashlib
import re
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import NotAllowed, NotFound, UnreadableDocument, UsageError
from ..home import save_owner_only
from ..readers.legacy import convert_to_pdf, libreoffice
from ..results import Result
from ..store import repository as repo
from ..store import users as store
from ..store.repository import FormRow
from ..workflow.outcome import Outcome, as_the_school_sees, outcome
from .base import ServiceBase

# argon2id with OWASP's recommended minimum (19 MiB, two passes, one lane): about a quarter
# of a second on this kind of machine, so signing in stays quick and guessing stays slow.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_UNKNOWN_HASH = _HASHER.hash("not anyone's password")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10


class Role(StrEnum):
    HOST = "host"  # everything
    WORKING_PARTY = "working-party"  # the round's applications, the meeting, money
    FINANCE = "finance"  # awards, spend, exports
    VIEWER = "viewer"  # headteachers and governors: reports and totals only
    SCHOOL = "school"  # a SENCO: only their own school's forms


class Permission(StrEnum):
    TODAY = "today"  # the Host's Today page
    TOTALS = "totals"  # each round's totals (no pupil or form details)
    READ_FORMS = "read-forms"  # a form's page (a school: its own forms only)
    ROUNDS = "rounds"  # a round's page: every application of the round, the schools' money
    CHECK = "check"  # forward, return, move, exception, withdraw
    MEETING = "meeting"  # the Working Party's meeting: the applications side by side, recording decisions
    RESPOND = "respond"  # sending the responses after the meeting
    CORRECT = "correct"  # correcting a recorded decision, with its reason, before its response goes
    MAIL = "mail"  # the mail queue, failed emails, the quarantine of unknown senders
    REPORTS = "reports"  # the impact and governors' reports
    EXPORT = "export"  # the finance export: awards and spend
    SETTINGS = "settings"  # cluster.toml shown read-only, with its problems
    UPLOAD = "upload"  # sending a form through the web page (a school: for itself)


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HOST: frozenset(Permission),
    Role.WORKING_PARTY: frozenset({Permission.TOTALS, Permission.READ_FORMS, Permission.ROUNDS, Permission.MEETING,
                                   Permission.REPORTS, Permission.EXPORT}),
    Role.FINANCE: frozenset({Permission.TOTALS, Permission.REPORTS, Permission.EXPORT}),
    Role.VIEWER: frozenset({Permission.TOTALS, Permission.REPORTS}),
    Role.SCHOOL: frozenset({Permission.READ_FORMS, Permission.UPLOAD}),
}


class User(Result):
    name: str
    role: Role
    school: str | None = None

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


class Original(Result):
    data: bytes
    file_name: str
    media_type: str


_MEDIA = {b"%PDF": "application/pdf", b"PK\x03\x04": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
# Word-processor originals LibreOffice can show as a PDF, by their file name's ending.
_WORD_KINDS = {".docx": "docx", ".doc": "doc", ".odt": "odt", ".rtf": "rtf"}
_CONVERTING = threading.Lock()  # one LibreOffice at a time (they share this process's profile)


class UserActions(ServiceBase):
    def add_user(self, name: str, role: str, password: str, school: str | None = None) -> User:
        """A new person who may sign in. A school user names their school (any of its names)."""
        if not _NAME.match(name):
            raise UsageError(f"{name!r} cannot be a user name.",
                             hint="Use letters, digits and . _ @ - (up to 64), starting with a letter or digit.")
        try:
            the_role = Role(role)
        except ValueError:
            raise UsageError(f"There is no role called {role!r}.",
                             hint="Choose one of: " + ", ".join(r.value for r in Role) + ".") from None
        school_name = self._school_for(the_role, school)
        _check_password(password)
        with self.db.atomic() as conn:
            if store.get_user(conn, name) is not None:
                raise NotAllowed(f"There is already a user called {name}.",
                                 hint=f"Choose another name, or change the password: forms user password {name}")
            store.insert_user(conn, name, the_role.value, school_name, _HASHER.hash(password))
            repo.add_event(conn, action="user-added", actor="host", reason=f"{name} ({the_role.value})")
        return User(name=name, role=the_role, school=school_name)

    def _school_for(self, role: Role, school: str | None) -> str | None:
        if role is not Role.SCHOOL:
            if school:
                raise UsageError("Only a school user has a school.", hint="Leave out --school for this role.")
            return None
        if not school:
            raise UsageError("A school user needs their school.", hint="Add --school with the school's name or code.")
        found = self.config.find_school(school)
        if found is None:
            raise NotFound(f"There is no school called {school!r} in cluster.toml.",
                           hint="Use the school's name, one of its aliases, or its code as in cluster.toml.")
        return found.name

    def users(self) -> list[User]:
        return [User(name=r["name"], role=Role(r["role"]), school=r["school"]) for r in store.list_users(self.db)]

    def remove_user(self, name: str) -> None:
        with self.db.atomic() as conn:
            if not store.delete_user(conn, name):
                raise NotFound(f"There is no user called {name}.", hint="Run 'forms user list' to see the users.")
            repo.add_event(conn, action="user-removed", actor="host", reason=name)

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self.db.atomic() as conn:
            if not store.set_password_hash(conn, name, _HASHER.hash(password)):
                raise NotFound(f"There is no user called {name}.", hint="Run 'forms user list' to see the users.")
            repo.add_event(conn, action="password-changed", actor="host", reason=name)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the name and password are right, else None (the same for either)."""
        row = store.get_user(self.db, name) if _NAME.match(name) else None
        try:
            _HASHER.verify(row["password_hash"] if row else _UNKNOWN_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        return User(name=row["name"], role=Role(row["role"]), school=row["school"])

    def current_user(self, name: str) -> User | None:
        """The user as the database holds them now (None once removed)."""
        row = store.get_user(self.db, name)
        return None if row is None else User(name=row["name"], role=Role(row["role"]), school=row["school"])

    # -- what a user may see -------------------------------------------------------------

    def form_for(self, user: User, reference: str) -> FormRow:
        """A form the user may read; NotFound for any other, so a guessed reference of
        another school's form tells nothing."""
        form = repo.get_form(self.db, reference)
        if form is None or not user.may(Permission.READ_FORMS) or (
            user.role is Role.SCHOOL and form.school != user.school
        ):
            raise NotFound(f"There is no form with the reference {reference} that you may see.",
                           hint="Check the reference.")
        return form

    def forms_of_school(self, user: User) -> list[FormRow]:
        """The school's forms as the school is shown them (``outcome.as_the_school_sees``)."""
        if user.role is not Role.SCHOOL or not user.school:
            raise NotAllowed("Only a school user has a school's list.")
        return [as_the_school_sees(self.db, f)[0] for f in repo.list_forms(self.db, school=user.school)]

    def seen_by(self, user: User, form: FormRow, history: list[dict[str, Any]]
                ) -> tuple[FormRow, list[dict[str, Any]]]:
        """A form and its history as ``user`` is shown them: to its school, the Working
        Party's decision only once its response has gone; to everyone else, as they are."""
        return as_the_school_sees(self.db, form, history) if user.role is Role.SCHOOL else (form, history)

    def outcome_for(self, user: User, reference: str) -> Outcome:
        """What became of a form the user may read: its decision in force (to a school only
        once its response has gone) with the response form, or why it was returned."""
        return outcome(self.db, self.form_for(user, reference), answered_only=user.role is Role.SCHOOL)

    def outcomes_of_school(self, user: User) -> dict[str, Outcome]:
        """reference -> the outcome of each of the school's forms that has one to tell."""
        found = (outcome(self.db, f, answered_only=True) for f in self.forms_of_school(user))
        return {o.reference: o for o in found if o.told}

    def response_of(self, user: User, reference: str, kind: str) -> Original:
        """The response form (``kind`` "pdf" or "docx") of an application the user may read,
        once the response has been written."""
        out = self.outcome_for(user, reference)
        rel = out.response_pdf if kind == "pdf" else out.response_docx if kind == "docx" else None
        path = self.home.root / rel if rel else None
        if path is None or not path.is_file():
            raise NotFound(f"There is no response form for {out.reference} to download.",
                           hint="It is made when the SEND Host sends the Working Party's responses.")
        media = "application/pdf" if kind == "pdf" else _MEDIA[b"PK\x03\x04"]
        return Original(data=path.read_bytes(), file_name=path.name, media_type=media)

    def record_view(self, user: User, reference: str, what: str = "viewed") -> None:
        """Who saw which form, and when (the event log)."""
        with self.db.atomic() as conn:
            repo.add_event(conn, action=what, actor=user.name, reference=repo.normalise_reference(reference))

    def original_of(self, user: User, reference: str) -> Original:
        """The form's original file, as received, for a user who may read the form."""
        form = self.form_for(user, reference)
        sub = repo.submission_of(self.db, form.submission_id)
        path = self.home.root / sub["archive_path"] if sub is not None and sub["archive_path"] else None
        if path is None or not path.is_file():
            raise NotFound(f"The original of {form.reference} is not in the archive.",
                           hint="It may have been removed under the retention policy.")
        data = path.read_bytes()
        media = next((m for magic, m in _MEDIA.items() if data.startswith(magic)), "application/octet-stream")
        return Original(data=data, file_name=sub["file_name"] if sub else path.name, media_type=media)

    def shows_word_as_pdf(self) -> bool:
        """Whether a Word original can be shown as a PDF here (LibreOffice is installed)."""
        return libreoffice() is not None

    def original_as_pdf(self, user: User, reference: str) -> Original | None:
        """The form's word-processor original as a PDF made by LibreOffice, made once and kept
        in the home (``previews/`` in the data folder, 0600); None when the original is not a
        word-processor file, or LibreOffice is not installed or could not convert it."""
        doc = self.original_of(user, reference)
        kind = _WORD_KINDS.get(Path(doc.file_name).suffix.lower())
        if kind is None and doc.media_type.endswith("wordprocessingml.document"):
            kind = "docx"
        if kind is None or libreoffice() is None:
            return None
        path = self.home.preview(hashlib.sha256(doc.data).hexdigest())
        with _CONVERTING:
            if not path.is_file():
                limits = self.config.storage
                try:
                    pdf = convert_to_pdf(doc.data, kind, limits.parse_timeout_seconds, limits.parse_memory_mb)
                except UnreadableDocument:  # too long
                    pdf = None
                if pdf is None or not pdf.startswith(b"%PDF"):
                    return None
                save_owner_only(path, pdf)
            data = path.read_bytes()
        return Original(data=data, file_name=f"{Path(doc.file_name).stem}.pdf", media_type="application/pdf")

    def record_sign_in(self, name: str, outcome: str) -> None:
        with self.db.atomic() as conn:
            repo.add_event(conn, action=outcome, actor=name[:64] or "?")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"The password is too short: it needs at least {MIN_PASSWORD} characters.",
                         hint="Choose a longer password (a few words together are easy to remember).")

