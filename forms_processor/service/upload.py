"""Forms sent through the web page: a school's user uploads a form for their own school,
and it goes through the same intake as the inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import NotAllowed
from ..intake.submission import Source, Submission, now_utc
from ..readers.sandbox import ReadLimits, too_big
from ..workflow.ingest import Ingestor, IngestResult
from ..workflow.upload import take_upload
from .base import ServiceBase
from .users import Permission, Role, User


class UploadActions(ServiceBase):
    if TYPE_CHECKING:
        def ingestor(self, actor: str = "intake") -> Ingestor: ...  # FormsApp's

    def upload_limit(self) -> int:
        """The largest form accepted, in bytes ([storage] max_file_mb)."""
        return int(self.config.storage.max_file_mb * 1024 * 1024)

    def upload_form(self, user: User, data: bytes, file_name: str, *, size: int | None = None) -> IngestResult:
        """Take in a form a school's user sent through the web page, for their school only
        (NotAllowed for another school's form). ``size``: the file's size when it was
        refused unread for being too large (``data`` is then empty)."""
        if not user.may(Permission.UPLOAD) or user.role is not Role.SCHOOL or not user.school:
            raise NotAllowed("Only a school's user sends forms through the web page.",
                             hint="The Host takes forms in with 'forms ingest' or the inbox.")
        received = now_utc()
        if size is not None and size > self.upload_limit():  # refused unread: a note of it is kept
            sub = Submission(data=b"", file_name=file_name, source=Source.WEB, received_at=received, unread_size=size,
                             origin=f"web:{user.name}")
            refusal = too_big(size, ReadLimits(max_bytes=self.upload_limit()))
            return self.ingestor(actor=user.name).process_read(sub, sub.file_name, refusal)
        sub = Submission(data=data, file_name=file_name, source=Source.WEB, received_at=received, origin=f"web:{user.name}")
        return take_upload(self.ingestor(actor=user.name), sub, user.school)
