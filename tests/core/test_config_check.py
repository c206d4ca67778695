"""cluster.toml mistakes are refused in plain English, naming the line and what to write.

Each case edits the example file written by 'forms init', runs a real command through the
CLI (exit code 3, the message on stderr) and loads it through the library (ConfigError).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.config import config_warnings, load_config
from forms_processor.errors import ConfigError, ExitCode
from forms_processor.example import EXAMPLE_CONFIG

# Words of the TOML parser and of pydantic that must never reach a person.
MACHINE_WORDS = ("Extra inputs", "Input should", "valid decimal", "validation error", "Traceback",
                 "TOMLDecodeError", "pydantic", "at end of document", "column", "string_pattern", "Value error")


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth]


def _home(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "home"
    root.mkdir(parents=True)
    (root / "cluster.toml").write_text(text, encoding="utf-8")
    return root


def _refusal(tmp_path: Path, text: str) -> tuple[str, str]:
    """The library's message and the CLI's stderr for a cluster.toml with ``text``."""
    root = _home(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(root / "cluster.toml")
    result = CliRunner().invoke(cli, ["--home", str(root), "list"], catch_exceptions=False)
    assert result.exit_code == ExitCode.CONFIG
    for words in MACHINE_WORDS:
        assert words not in result.stderr
    assert err.value.message in result.stderr
    return err.value.message, result.stderr


Edit = Callable[[str], tuple[str, int]]


def _replace(old: str, new: str, nth_line: int = 0) -> Edit:
    def edit(text: str) -> tuple[str, int]:
        assert old in text
        line = _line_of(text, old.splitlines()[0], nth_line)
        return text.replace(old, new, 1) if nth_line == 0 else _replace_nth(text, old, new, nth_line), line
    return edit


def _replace_nth(text: str, old: str, new: str, nth: int) -> str:
    start = -1
    for _ in range(nth + 1):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old):]


@pytest.mark.parametrize(("edit", "expected"), [
    # Two rounds with the same code: the second is refused, at its own line.
    (_replace('code = "SP1"', 'code = "AU2"'), ['round code "AU2" is already used', "Autumn 2 2026"]),
    (_replace('senco_email = "senco@cawston.example.org"', 'senco_email = "senco.cawston.example.org"'),
     ["senco_email", "not an email address", "no @"]),
    (_replace('email = "send.host@wensum-high.example.org"', 'email = "send host@wensum-high"'),
     ["email", "not an email address"]),
    (_replace("meeting = 2027-02-10", "meeting = 2027-01-10"),
     ["meeting", "Spring 1 2027", "before its deadline", "10 Jan 2027", "5 Feb 2027"]),
    (_replace("settle_seconds = 2 ", "settle_second = 2 "),
     ['no setting called "settle_second" under [watch]', 'Did you mean "settle_seconds"?']),
    (_replace("[watch]", "[wach]"), ["no table [wach]", "Did you mean [watch]?"]),
    (_replace('aliases = ["Cawston"]', 'alias = ["Cawston"]'),
     ['no setting called "alias"', '"Cawston Primary School"', 'Did you mean "aliases"?']),
    # A UK date, unquoted (the TOML parser refuses it) and quoted (the model would).
    (_replace("deadline = 2026-12-04T12:00:00", "deadline = 4/12/2026"),
     ["4/12/2026", "deadline = 2026-12-04T12:00:00"]),
    (_replace("meeting = 2026-12-09", 'meeting = "9/12/2026"'), ['"9/12/2026"', "meeting = 2026-12-09"]),
    (_replace('budget = "15000.00"', 'budget = "£15,000"'),
     ["budget", '"Spring 2 2027"', "amount of money in quotes", "no £ sign or commas"]),
    (_replace('budget = "15000.00"', "budget = £15,000"), ['budget = "15000"']),
    (_replace("ehcp = 4", 'ehcp = "lots"'), ["ehcp", '"Aldborough Primary School"', "whole number", '"lots"']),
    (_replace('code = "ALD"', 'code = "ald"'), ["2 to 6 capital letters"]),
    (_replace('name = "Alex Morgan"', "name = Alex Morgan"), ['name = "Alex Morgan"', "quotes"]),
    (lambda text: (text.replace("ehcp = 4\n", "ehcp = 4\nehcp = 7\n"), _line_of(text, "ehcp = 4") + 1),
     ["second time"]),
], ids=["duplicate-round-code", "school-email", "host-email", "meeting-before-deadline", "unknown-setting",
        "unknown-table", "unknown-school-setting", "uk-date", "uk-date-quoted", "money-with-pound",
        "money-unquoted", "whole-number", "school-code", "text-unquoted", "written-twice"])
def test_a_mistake_is_refused_at_its_line_in_plain_english(tmp_path: Path, edit: Edit, expected: list[str]) -> None:
    text, line = edit(EXAMPLE_CONFIG)
    message, stderr = _refusal(tmp_path, text)
    assert f"line {line}:" in message, message
    for words in expected:
        assert words in message, message
    assert "What to do:" in stderr and "cluster.toml" in stderr


def test_a_missing_setting_names_its_table_and_an_example(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.replace("meeting = 2027-02-10\n", "")
    message, _ = _refusal(tmp_path, text)
    header = _line_of(text, 'name = "Spring 1 2027"') - 1
    assert f"line {header}:" in message
    assert "needs a line meeting = 2027-02-10" in message


def test_several_mistakes_are_all_listed_in_line_order(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.replace("ehcp = 4", 'ehcp = "lots"').replace("settle_seconds = 2 ", "settle_secs = 2 ")
    message, _ = _refusal(tmp_path, text)
    assert message.startswith("cluster.toml has 2 mistakes:")
    first, second = message.index("settle_secs"), message.index("ehcp")
    assert first < second


def test_round_budgets_above_the_pot_are_warned_not_refused(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.replace('budget = "20000.00"', 'budget = "50000.00"')
    root = _home(tmp_path, text)
    config = load_config(root / "cluster.toml")
    (warning,) = config_warnings(root / "cluster.toml", config)
    assert f"line {_line_of(text, 'pot = ')}:" in warning
    assert "£195,000.00" in warning and "£105,000.00 to share" in warning and "2026-27" in warning
    result = CliRunner().invoke(cli, ["--home", str(root), "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Warning: cluster.toml, line" in result.stderr and "£195,000.00" in result.stderr
    # The example cluster's budgets add up to exactly the money to share: no warning.
    assert config_warnings(root / "cluster.toml", load_config(_home(tmp_path / "b", EXAMPLE_CONFIG) / "cluster.toml")) == []


def test_the_working_party_members_and_their_schools(tmp_path: Path) -> None:
    config = load_config(_home(tmp_path / "ok", EXAMPLE_CONFIG) / "cluster.toml")
    assert [m.name for m in config.members_from("Wensum High")] == ["Dana Reeve", "Lee Carter", "Robin Hale", "Kim Osei"]
    assert [m.name for m in config.members_from("Aldborough")] == ["Priya Shah"]
    assert config.members_from("Marsham Primary School") == [] and config.members_from(None) == []
    text = EXAMPLE_CONFIG.replace('school = "Cawston Primary School"\n', 'school = "Cawstn Primary"\nuser = "hward"\n')
    message, _ = _refusal(tmp_path / "bad", text)
    assert "Helen Ward" in message and "Cawstn Primary" in message and "no school" in message, message
    assert load_config(_home(tmp_path / "user", text.replace('"Cawstn Primary"', '"Cawston"')) / "cluster.toml"
                       ).member_for_user("HWard").name == "Helen Ward"  # type: ignore[union-attr]


# [choices]: the cluster's own wordings of the forms' choices, each mistake at its own line.
CHOICES_OK = """
[choices.application.area_of_need]
"Social emotional and mental health" = ["Emotional wellbeing"]
"cognition and learning" = ["Learning needs"]

[choices.application.funding_round]
"Spring 1 2027" = ["Spring first half"]

[choices.impact.outcome_N_met]
"Partially met" = ["Partly met"]
"""


@pytest.mark.parametrize(("block", "needle", "expected"), [
    ('[choices.application.area_of_ned]\n"SEMH" = ["Feelings"]\n', "[choices.application.area_of_ned]",
     ["has no choice field 'area_of_ned'", "did you mean area_of_need?"]),
    ('[choices.application.area_of_need]\n"Social emotional and mental healt" = ["Feelings"]\n', "mental healt",
     ['has no choice "Social emotional and mental healt"', 'did you mean "Social emotional and mental health"?']),
    ('[choices.application.area_of_need]\n"Cognition and learning" = ["Learning"]\n"SEMH" = ["learning!"]\n',
     '"SEMH" =', ['the wording "learning!" is given for both "Cognition and learning" and '
                  '"Social emotional and mental health"']),
    ('[choices.application.area_of_need]\n"Cognition and learning" = ["Learning", "learning"]\n', "Learning",
     ['the wording "learning" is given twice for "Cognition and learning"']),
    ('[choices.application.area_of_need]\n"Cognition and learning" = ["SEMH"]\n', "SEMH",
     ['"SEMH" already stands for "Social emotional and mental health"']),
    ('[choices.application.parents_informed]\n"Nope" = ["Not yet"]\n', "Nope",
     ['has no choice "Nope"', 'did you mean "No"?', '"Yes" and "No"']),
    ('[choices.application.funding_round]\n"Spring 2027" = ["Spring"]\n', '"Spring 2027"',
     ['has no choice "Spring 2027"', '"Spring 1 2027"']),
    ('[choices.application.senco_name]\n"Jo" = ["J"]\n', "senco_name", ["written in, not chosen", "[labels.application]"]),
    ('[choices.application.school_name]\n"Jo" = ["J"]\n', "school_name", ["aliases"]),
    ('[choices.impact]\nnext_steps = "Stop"\n', "next_steps", ["is a table", '"Stop - outcomes achieved" = ["…"]']),
    ('[choices.impact]\noutcome_N_met = { "Met" = "Done" }\n', "outcome_N_met", ["must be a list"]),
], ids=["no-field", "no-choice", "two-choices", "twice", "already-a-choice", "yes-no", "round",
        "not-a-choice", "school", "not-a-table", "not-a-list"])
def test_a_wrong_choices_section_names_the_line(tmp_path: Path, block: str, needle: str, expected: list[str]) -> None:
    text = EXAMPLE_CONFIG + "\n" + block
    message, _ = _refusal(tmp_path, text)
    assert f"line {_line_of(text, needle, -1)}:" in message, message  # the block's line, not the example's note
    for words in expected:
        assert words in message, message


def test_the_choices_section_is_taken_with_the_forms_own_spellings(tmp_path: Path) -> None:
    config = load_config(_home(tmp_path, EXAMPLE_CONFIG + CHOICES_OK) / "cluster.toml")
    assert config.choice_aliases("send-application", "area_of_need") == (
        ("Emotional wellbeing", "Social emotional and mental health"), ("Learning needs", "Cognition and learning"))
    assert config.choice_aliases("send-impact", "outcome_2_met") == (("Partly met", "Partially met"),)
    assert config.choice_aliases("send-impact", "next_steps") == ()
    assert config.find_round("spring FIRST half").code == "SP1"  # type: ignore[union-attr]
    assert config.find_round("Spring half") is None


def test_the_examples_of_labels_and_choices_load_when_uncommented(tmp_path: Path) -> None:
    """The example file's [labels] and [choices] examples change nothing as written, and load
    as the cluster's own wordings once their lines are uncommented."""
    import re

    plain_path = _home(tmp_path / "plain", EXAMPLE_CONFIG) / "cluster.toml"
    plain = load_config(plain_path)
    assert plain.labels.application == {} and plain.choices.application == {} and plain.choices.impact == {}
    start = EXAMPLE_CONFIG.index("# Forms of the cluster's own.")
    block = EXAMPLE_CONFIG[start:EXAMPLE_CONFIG.index("\n\n", start)]
    assert "forms templates learn FILE" in block
    setting = re.compile(r'^# (\[|[a-z_N]+ = |")')
    uncommented = "\n".join(line[2:] if setting.match(line) else line for line in block.splitlines())
    assert uncommented.count("\n[") >= 5  # [labels.application], [labels.impact] and three [choices...]
    own_path = _home(tmp_path / "own", EXAMPLE_CONFIG.replace(block, uncommented)) / "cluster.toml"
    own = load_config(own_path)
    assert own.labels.application["senco_name"] == ["SENCo full name", "Name of our SENCo"]
    assert own.labels.impact["pupils_supported"] == ["How many children took part"]
    assert own.choice_aliases("send-application", "area_of_need") == (
        ("Emotional wellbeing", "Social emotional and mental health"),)
    assert own.choice_aliases("send-application", "application_type") == (("Small group", "Group of pupils"),)
    assert own.choice_aliases("send-impact", "next_steps") == (
        ("Keep going, paid by school", "Continue from school budget"),)
    assert config_warnings(own_path, own) == config_warnings(plain_path, plain) == []
