"""Reads of the cluster's money: the awards in force, what applications request, and
the accepted impact forms that say what was spent.

The decision in force of an application is its latest row in ``decisions``. Amounts
are returned as the store keeps them (text such as ``"1250.00"``); the arithmetic is
``reports/money.py``'s. Groups of states come in as parameters (from ``states.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from ..states import State
from .db import Database, fetch_all


def _marks(states: Collection[State]) -> str:
    if not states:
        raise ValueError("a group of states needs at least one state")
    return ",".join("?" * len(states))


def _values(states: Collection[State]) -> tuple[str, ...]:
    return tuple(State(s).value for s in states)


def awards_in_force(db: Database | sqlite3.Connection, round_name: str | None = None) -> list[sqlite3.Row]:
    """(reference, school, round, amount_awarded) of every application with a decision,
    the amount of its decision in force; of one round, or of all when ``round_name`` is None."""
    sql = (
        "SELECT f.reference, f.school, f.round, d.amount_awarded FROM decisions d"  # the decisions first (fewer)
        " CROSS JOIN forms f ON f.reference = d.reference"
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)"
        " AND f.form_id = 'send-application'"
    )
    params: tuple[str, ...] = ()
    if round_name is not None:
        sql, params = sql + " AND f.round = ?", (round_name,)
    return fetch_all(db, sql, params)


def amounts_requested(
    db: Database | sqlite3.Connection,
    round_name: str,
    *,
    in_states: Collection[State] | None = None,
    not_in_states: Collection[State] | None = None,
) -> list[str | None]:
    """The amount requested (as stored, maybe empty) by each application of the round
    whose state is one of ``in_states`` (when given) and none of ``not_in_states`` (when given)."""
    sql = "SELECT amount_requested FROM forms WHERE form_id = 'send-application' AND round = ?"
    params: list[str] = [round_name]
    if in_states is not None:
        sql += f" AND state IN ({_marks(in_states)})"
        params.extend(_values(in_states))
    if not_in_states is not None:
        sql += f" AND state NOT IN ({_marks(not_in_states)})"
        params.extend(_values(not_in_states))
    return [r[0] for r in fetch_all(db, sql, tuple(params))]


def decisions_in_force(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    """(reference, decision, amount_awarded, impact_due) of the decision in force of every
    form that has one."""
    return fetch_all(
        db,
        "SELECT d.reference, d.decision, d.amount_awarded, d.impact_due FROM decisions d"
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)",
    )


def applications(db: Database | sqlite3.Connection, *, not_in_states: Collection[State]) -> list[sqlite3.Row]:
    """(reference, school, round, state, intervention, amount_requested, fields_json,
    created_at) of every application in none of ``not_in_states``, by reference."""
    return fetch_all(
        db,
        "SELECT reference, school, round, state, intervention, amount_requested, fields_json, created_at"
        f" FROM forms WHERE form_id = 'send-application' AND state NOT IN ({_marks(not_in_states)})"
        " ORDER BY reference",
        _values(not_in_states),
    )


def impact_forms(db: Database | sqlite3.Connection, *, in_states: Collection[State]) -> list[sqlite3.Row]:
    """(reference, linked_ref, fields_json) of every impact form in one of ``in_states``,
    oldest first."""
    return fetch_all(
        db,
        "SELECT reference, linked_ref, fields_json FROM forms"
        f" WHERE form_id = 'send-impact' AND state IN ({_marks(in_states)}) ORDER BY created_at, reference",
        _values(in_states),
    )


def requested_by_school(db: Database | sqlite3.Connection, *, not_in_states: Collection[State]) -> list[sqlite3.Row]:
    """(school, round, day it arrived, pence requested) of the applications in none of
    ``not_in_states``, summed by school, round and day (the money alone, quick over
    thousands of forms; amounts are kept to the penny, so the sum in pence is exact)."""
    return fetch_all(
        db,
        "SELECT school, round, substr(created_at, 1, 10) AS day,"
        " SUM(CAST(ROUND(CAST(amount_requested AS REAL) * 100) AS INTEGER)) AS pence"
        f" FROM forms WHERE form_id = 'send-application' AND state NOT IN ({_marks(not_in_states)})"
        " AND amount_requested IS NOT NULL AND amount_requested != ''"
        " GROUP BY school, round, day",
        _values(not_in_states),
    )


def decided_applications(db: Database | sqlite3.Connection, *, not_in_states: Collection[State]) -> list[sqlite3.Row]:
    """(reference, school, round, created_at, decision, amount_awarded) of the applications in
    none of ``not_in_states`` that have a decision, with the decision in force."""
    return fetch_all(
        db,
        "SELECT f.reference, f.school, f.round, f.created_at, d.decision, d.amount_awarded FROM decisions d"
        " CROSS JOIN forms f ON f.reference = d.reference"  # the decisions first: fewer than the forms
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)"
        f" AND f.form_id = 'send-application' AND f.state NOT IN ({_marks(not_in_states)})",
        _values(not_in_states),
    )
