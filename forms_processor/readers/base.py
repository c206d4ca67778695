"""What every reader returns, and what it must do.

A reader turns the bytes of one document into the raw values of one form:
flat keys of the spec (``school_name``, ``pupil_3_ref``), each value the text as
the SENCO typed it (stripped), or a bool for a checkbox. No validation happens
here: that is ``forms_processor.validation``'s job.

A document that cannot be read raises ``errors.UnreadableDocument`` with a
message a SENCO can act on ("This PDF is protected by a password. Please send
the form without a password, or as a Word file.").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UnreadableDocument

# A value read from a scan whose words OCR is less sure of than this (0-100) is "uncertain":
# the Host is asked to look at it.
UNCERTAIN = 80.0


@dataclass
class ExtractedForm:
    # "send-application" or "send-impact" (from the identity marks, or the labels).
    form_id: str
    # flat key -> text as typed (stripped) or bool for checkboxes; empty fields left out.
    fields: dict[str, str | bool]
    # Which reader produced it: "docx", "pdf-fields", "pdf-layout", "scan".
    reader: str
    # Notes for the Host about the reading itself (not validation), e.g.
    # "2 labels were not recognised: 'Favourite colour'". Never form contents.
    notes: list[str] = field(default_factory=list)
    # Read from a scan or photo by OCR: the Host confirms the values before the form goes on.
    from_scan: bool = False
    # A scan's fields: flat key -> the lowest OCR confidence (0-100) of the words of its value.
    confidence: dict[str, float] = field(default_factory=dict)


def took_too_long() -> UnreadableDocument:
    return UnreadableDocument(
        "This file took too long to read; it may be damaged.",
        "Please save it again and resend it, or send it in the other format (Word or PDF).",
        "timeout",
    )


# Told when a reader starts OCR on a scan (set by a reading worker, which then tells its
# parent to allow OCR's longer time limit); nothing to tell when reading in process.
_ocr_listener: list[Callable[[], None]] = []


def on_ocr(listener: Callable[[], None] | None) -> None:
    """Set (or, with None, clear) what is told when OCR starts."""
    _ocr_listener[:] = [listener] if listener else []


def starting_ocr() -> None:
    """A reader is about to OCR a scan: tell the reading worker's parent, once per read."""
    for listener in _ocr_listener:
        listener()
    _ocr_listener.clear()
