"""Typed results: what every action returns, as pydantic models with real types (Decimal,
date, datetime, enums), dumped the one way for ``--json`` and the web page:
:func:`json_data` (``model_dump(mode="json")``).

Money is a :data:`Money` (a Decimal written with two decimals, "1250.00"); a local time a
:data:`LocalTime` (written as ISO 8601 with its offset, as ``datetime.isoformat`` does).
A field that is for the library only is ``Field(exclude=True)``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer


def _pounds(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[Decimal, PlainSerializer(_pounds, return_type=str, when_used="json")]
LocalTime = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]


class Result(BaseModel):
    """The base of every result. Mutable (a result is filled in as the action goes), and
    may hold library types (paths, rows) in fields excluded from the JSON."""

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=False)


class IntakeStatus(StrEnum):
    """What became of one file or attachment taken in."""

    ACCEPTED = "accepted"  # recorded; awaiting the Host's check
    INVALID = "invalid"  # recorded; the school has been told what to correct
    REJECTED = "rejected"  # not a form that can be read; the school has been told why
    DUPLICATE = "duplicate"  # the same bytes as a file received before: nothing new
    # not recorded yet: the computer could not save it (a full disk, a locked database);
    # the file is kept where it is and tried again. Not the school's to fix.
    WAITING = "waiting"


def json_data(result: BaseModel | list[Any] | dict[str, Any]) -> Any:
    """A result (or a list or dict of results) as plain JSON data."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True)
    if isinstance(result, list):
        return [json_data(r) for r in result]
    if isinstance(result, dict):
        return {k: json_data(v) for k, v in result.items()}
    return result
