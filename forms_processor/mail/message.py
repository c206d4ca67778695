"""An email as composed, before it is queued: who to, what it says, what is attached."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingMail:
    dedupe_key: str
    kind: str
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    # Paths relative to the home folder.
    attachments: tuple[str, ...] = field(default=())
    reference: str | None = None
