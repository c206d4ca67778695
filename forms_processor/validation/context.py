"""What the rules need to know beyond the form itself: configuration, time, the store.

Everything is passed in (no clock, no database is reached from here), so the
rules stay pure and tests need no set-up beyond building a context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..config import Config


@dataclass(frozen=True)
class KnownApplication:
    """What the store knows about an earlier application, for cross-form rules."""

    reference: str
    school: str  # the configured school name
    state: str
    intervention_title: str
    application_type: str
    # None when the store holds an application whose dates or amount could not be read.
    start_date: date | None
    end_date: date | None
    amount_requested: Decimal | None
    amount_awarded: Decimal | None = None
    # The measures of the application's outcome rows, in order.
    outcome_measures: list[str] = field(default_factory=list)
    # An impact form for it has been received and accepted.
    impact_accepted: bool = False
    # The Working Party awarded money (approved, approved with conditions, partially funded).
    awarded: bool = False
    impact_due: date | None = None
    # The decision in force (approved, deferred, more_information, ...), if any.
    decision: str | None = None
    # For a deferred decision: the round it was deferred to.
    deferred_to: str | None = None
    # For "more information requested": the date the Working Party asked for it by.
    resubmit_by: date | None = None
    # The round the application is in.
    round: str | None = None
    # The reference that was asked about, when it was replaced by this one (superseded).
    asked_as: str | None = None

    @property
    def awaits_resubmission(self) -> bool:
        """Its decision asked for more information or deferred it, and nothing was awarded:
        a new form naming it is its resubmission."""
        return self.decision in ("more_information", "deferred") and not self.awarded


ApplicationLookup = Callable[[str], KnownApplication | None]


@dataclass(frozen=True)
class ValidationContext:
    """The facts a validation runs against.

    ``received_at`` must be an aware datetime. ``lookup_application`` is given a
    reference normalised by :func:`normalise_reference` and returns what the store
    knows, or None for an unknown reference; when the context has no look-up at all
    (None), the rules that need the store are skipped. ``high_needs_exception``
    records that the Host has accepted, with a reason, an application from a school
    that has not yet used its whole high-level SEND allocation.
    """

    config: Config
    received_at: datetime
    lookup_application: ApplicationLookup | None = None
    high_needs_exception: bool = False

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None or self.received_at.utcoffset() is None:
            raise ValueError("received_at must be an aware datetime (with a time zone)")

    @property
    def today(self) -> date:
        """The day the form was received, in the cluster's time zone."""
        return self.received_at.astimezone(self.config.tz).date()
