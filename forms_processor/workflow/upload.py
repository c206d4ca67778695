"""A form sent through the web page by a school's user: the same intake as the inbox
(read in the sandbox, validated, recorded, acknowledged by email), for their own school
only.

Which school a form is for is read from the form (its school's name, as validation reads
it). A form naming another school is refused before anything is recorded, and said so; a
form whose school cannot be told goes through the intake and comes back invalid, with
what to correct, as it would from the inbox.
"""

from __future__ import annotations

from ..errors import NotAllowed
from ..intake.submission import Submission
from ..readers.base import ExtractedForm
from ..validation import validate
from .ingest import Ingestor, IngestResult


def take_upload(ingestor: Ingestor, sub: Submission, school: str) -> IngestResult:
    """Take in one uploaded form for ``school`` (NotAllowed when it is another school's)."""
    outcome = ingestor.read_submission(sub)
    if isinstance(outcome, ExtractedForm):
        named = validate(outcome, ingestor.context_for(sub)).school
        if named is not None and named != school:
            raise NotAllowed(
                f"This form is for {named}, not {school}, so it was not taken in.",
                hint=f"Send forms for {school} only. If this form is yours, correct the school's name on it and send it again.",
            )
    return ingestor.process_read(sub, sub.file_name, outcome)
