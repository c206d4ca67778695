"""Refusals on withdrawn, closed and decided applications give advice that can be followed:
never 'forms decide' for a decision that can no longer change."""

from __future__ import annotations

from pathlib import Path

from forms_processor.api import FormsApp
from forms_processor.errors import ExitCode
from forms_processor.store.repository import get_form
from tests.host.conftest import Maker
from tests.host.test_cli import run


def decided(home: Path, maker: Maker, *decision: str, respond: bool = True) -> str:
    ref = maker.application()
    steps = [("check", ref, "--forward"), ("decide", ref, *decision)] + ([("respond", ref)] if respond else [])
    for args in steps:
        code, _, err = run(home, *args)
        assert code == 0, err
    return ref


def test_a_closed_application_is_not_sent_to_forms_decide(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = decided(home_dir, maker, "--decision", "declined", "--feedback", "Not this term.")
    assert get_form(app.db, ref).state.value == "closed"
    for args in (("withdraw", ref, "--reason", "No longer needed"),
                 ("decide", ref, "--decision", "approved", "--reason", "Changed our minds"),
                 ("check", ref, "--forward")):
        code, _, err = run(home_dir, *args)
        assert code == ExitCode.NOT_ALLOWED, err
        assert "forms decide" not in err, (args, err)
        assert "Its life has ended" in err


def test_a_withdrawn_application_says_a_withdrawal_is_final(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = maker.application()
    run(home_dir, "check", ref, "--forward")
    assert run(home_dir, "withdraw", ref, "--reason", "Funded by the school")[0] == 0
    code, _, err = run(home_dir, "decide", ref, "--decision", "approved")
    assert code == ExitCode.NOT_ALLOWED
    assert "a withdrawal is final" in err and "new application" in err


def test_an_award_after_its_response_stands(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = decided(home_dir, maker, "--decision", "approved")
    code, _, err = run(home_dir, "withdraw", ref, "--reason", "Pupil left")
    assert code == ExitCode.NOT_ALLOWED
    assert "the award stands" in err and "impact form" in err and "forms decide" not in err


def test_before_the_response_the_advice_given_works(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = decided(home_dir, maker, "--decision", "approved", respond=False)
    code, _, err = run(home_dir, "withdraw", ref, "--reason", "Pupil left")
    assert code == ExitCode.NOT_ALLOWED
    assert f"forms decide {ref} --decision declined" in err
    # Following the advice, as written, works.
    code, _, err = run(home_dir, "decide", ref, "--decision", "declined", "--feedback", "Withdrawn by the school.",
                       "--reason", "The school withdrew it before the response.")
    assert code == 0, err
    assert get_form(app.db, ref).state.value == "declined"


def test_a_replaced_form_points_at_the_form_in_force(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    values = maker.values()
    first = str(maker.ingest(values).reference)
    second = str(maker.ingest({**values, "senco_phone": "01603 000000"}).reference)
    code, _, err = run(home_dir, "check", first, "--forward")
    assert code == ExitCode.NOT_ALLOWED and f"replaced by {second}" in err
