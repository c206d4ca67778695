"""The cluster configuration: ``cluster.toml`` in the home folder.

Loaded once, explicitly (never at import time), into typed models. A broken file
gives one :class:`ConfigError` naming the line and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import config_check, config_choices, config_explain
from .config_choices import Choices
from .config_mail import Imap, Smtp
from .errors import ConfigError, NotFound

CONFIG_NAME = "cluster.toml"

_FOLD_WORDS = re.compile(r"\b(school|primary|academy|c of e|cofe|ce|va|vc)\b")


def fold_name(text: str) -> str:
    """Fold a school or round name for matching: case, punctuation and filler words ignored."""
    t = re.sub(r"['\u2019.]", "", text.lower().replace("&", " and "))
    t = re.sub(r"[^\w\s]", " ", t)
    t = _FOLD_WORDS.sub(" ", " ".join(t.split()))
    return " ".join(t.split())


def fold_plain(text: str) -> str:
    """Fold case and punctuation only (for round names and choices)."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class School(_Model):
    name: str
    code: str = Field(pattern=r"^[A-Z0-9]{2,6}$")
    aliases: list[str] = []
    email_domains: list[str] = []
    # Other single addresses the school sends forms from (the web page's Mail screen adds
    # one when the Host says a quarantined sender is this school's).
    sender_emails: list[str] = []
    senco_email: str | None = None
    headteacher: str | None = None
    headteacher_email: str | None = None
    # The same person is SENCO and headteacher (small schools).
    senco_is_headteacher: bool = False
    ehcp: int = Field(0, ge=0)
    sen_support: int = Field(0, ge=0)
    phase: str = "primary"

    def matches(self, text: str) -> bool:
        folded = fold_name(text)
        return bool(folded) and folded in {fold_name(n) for n in (self.name, *self.aliases)}

    def owns_address(self, address: str) -> bool:
        addr = address.strip().lower()
        domain = addr.rpartition("@")[2]
        if self.senco_email and addr == self.senco_email.lower():
            return True
        if self.headteacher_email and addr == self.headteacher_email.lower():
            return True
        if addr in {a.strip().lower() for a in self.sender_emails}:
            return True
        return domain in {d.lower() for d in self.email_domains}


class Round(_Model):
    name: str
    code: str = Field(pattern=r"^[A-Z0-9]{1,4}$")
    deadline: datetime
    meeting: date
    # Cluster money available to this round's awards.
    budget: Decimal = Field(Decimal("0"), ge=0)

    def matches(self, text: str) -> bool:
        return fold_plain(text) in {fold_plain(self.name), fold_plain(self.code)}


class TopSlice(_Model):
    name: str
    amount: Decimal = Field(ge=0)


class Entitlement(_Model):
    pot: Decimal = Field(Decimal("0"), ge=0)
    top_slices: list[TopSlice] = []
    w_ehcp: Decimal = Decimal("1")
    w_support: Decimal = Decimal("0")
    census_date: date | None = None


class Host(_Model):
    name: str
    email: str
    chair: str | None = None
    # The Host gets a blind copy of every email sent to a school (through [smtp]).
    copies: bool = False


class Storage(_Model):
    inbox: str = "inbox"
    outbox: str = "outbox"
    archive: str = "archive"
    rejected: str = "rejected"
    processing: str = "processing"
    data: str = "data"
    max_file_mb: float = Field(25, gt=0)
    parse_timeout_seconds: float = Field(30, gt=0)
    parse_memory_mb: int = Field(1024, ge=128)


class Watch(_Model):
    settle_seconds: float = Field(2.0, ge=0)
    rescan_seconds: float = Field(30.0, gt=0)


class Web(_Model):
    """The web page (forms web): TLS files (needed to listen beyond this computer) and how
    long a signed-in page may sit idle."""

    certificate: str | None = None
    key: str | None = None
    idle_minutes: float = Field(30, gt=0)

    @model_validator(mode="after")
    def _both_or_neither(self) -> Web:
        if (self.certificate is None) != (self.key is None):
            raise ValueError("give both certificate and key, or neither")
        return self


class Member(_Model):
    """A member of the Working Party. One from a school does not vote on that school's
    applications; ``user`` is their name on the web page (forms user add), if they sign in."""

    name: str
    school: str | None = None
    user: str | None = None


class ClusterInfo(_Model):
    name: str
    code: str = Field(pattern=r"^[A-Z]{2,5}$")
    timezone: str = "Europe/London"
    high_needs_allocation: Decimal = Field(Decimal("10000.00"), ge=0)
    cap_per_application: Decimal = Field(Decimal("10000.00"), gt=0)
    max_intervention_months: int = Field(12, ge=1)
    impact_due_days: int = Field(14, ge=0)
    retention_years: int = Field(7, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except Exception as exc:  # noqa: BLE001 - any failure means an unknown zone
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v


def wording_keys(form_id: str) -> dict[str, str]:
    """The keys ``[labels.application]`` / ``[labels.impact]`` take, each with its printed
    label: the form's single fields (``senco_name``) and its table columns written with
    ``N`` for the row (``pupil_N_ref``)."""
    from .spec import FORMS

    spec = FORMS[form_id]
    keys = {f.key: f.label for f in spec.single_fields()}
    for group in spec.groups():
        for col in group.columns:
            keys[f"{group.prefix}_N_{col.key}"] = col.label
    return keys


_WORDING_FORMS = {"application": "send-application", "impact": "send-impact"}


class Labels(_Model):
    """The cluster's own wordings of the forms' labels: a key of the form -> extra
    wordings the readers also take (as they take the spec's "also seen as")."""

    application: dict[str, list[str]] = {}
    impact: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _known_keys(self) -> Labels:
        from .spec import normalise_label

        for section, form_id in _WORDING_FORMS.items():
            table: dict[str, list[str]] = getattr(self, section)
            known = wording_keys(form_id)
            seen: dict[str, str] = {}
            for key, wordings in table.items():
                if key not in known:
                    close = ", ".join(k for k in known if k.split("_")[-1] == key.split("_")[-1])[:200]
                    raise ValueError(
                        f"[labels.{section}] has no field {key!r}"
                        + (f" (did you mean {close}?)" if close else "")
                        + "; the keys are the field names of shared/forms (school_name, pupil_N_ref, ...)"
                    )
                for wording in wordings:
                    folded = normalise_label(wording)
                    if not folded:
                        raise ValueError(f"[labels.{section}] {key}: a wording is empty")
                    if folded in seen and seen[folded] != key:
                        raise ValueError(
                            f"[labels.{section}]: the wording {wording!r} is given for both {seen[folded]} and {key}"
                        )
                    seen[folded] = key
        return self

    def wordings(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """(form id, key, wordings) for the readers (hashable, sent to reading workers)."""
        return tuple(
            (form_id, key, tuple(words))
            for section, form_id in _WORDING_FORMS.items()
            for key, words in sorted(getattr(self, section).items())
            if words
        )


class Config(_Model):
    cluster: ClusterInfo
    host: Host
    schools: list[School]
    rounds: list[Round] = []
    entitlement: Entitlement = Entitlement()
    storage: Storage = Storage()
    watch: Watch = Watch()
    smtp: Smtp | None = None
    imap: Imap | None = None
    labels: Labels = Labels()
    choices: Choices = Choices()
    web: Web = Web()
    working_party: list[Member] = []

    @model_validator(mode="after")
    def _unique(self) -> Config:
        for what, values in (
            ("school name", [s.name for s in self.schools]),
            ("school code", [s.code for s in self.schools]),
            ("round name", [r.name for r in self.rounds]),
            ("round code", [r.code for r in self.rounds]),
        ):
            seen: set[str] = set()
            for v in values:
                if v.lower() in seen:
                    raise ValueError(f"the {what} {v!r} appears twice")
                seen.add(v.lower())
        if not self.schools:
            raise ValueError("at least one [[schools]] table is needed")
        for member in self.working_party:
            if member.school is not None and self.find_school(member.school) is None:
                raise ValueError(f"the Working Party member {member.name!r} is from {member.school!r},"
                                 " which is no school of the [[schools]] tables")
        for _, problem in config_choices.choice_problems(self.choices.model_dump(), [r.name for r in self.rounds]):
            raise ValueError(problem)
        return self

    def choice_aliases(self, form_id: str, flat_key: str) -> tuple[tuple[str, str], ...]:
        """The cluster's own wordings of a field's choices ([choices] in cluster.toml), as
        (wording, choice), for the checker to take beside the spec's own."""
        return self.choices.aliases(form_id, flat_key, [r.name for r in self.rounds])

    def members_from(self, school_name: str | None) -> list[Member]:
        """The Working Party's members from a school (who do not vote on its applications)."""
        school = self.find_school(school_name) if school_name else None
        if school is None:
            return []
        return [m for m in self.working_party if m.school is not None and school.matches(m.school)]

    def member_for_user(self, user_name: str) -> Member | None:
        """The Working Party member who signs in to the web page as ``user_name``."""
        return next((m for m in self.working_party if m.user and m.user.lower() == user_name.lower()), None)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.cluster.timezone)

    def find_school(self, text: str) -> School | None:
        for school in self.schools:
            if school.matches(text):
                return school
        return None

    def school_by_name(self, name: str) -> School:
        for school in self.schools:
            if school.name == name:
                return school
        raise KeyError(name)

    def is_school_address(self, address: str) -> bool:
        """Whether ``address`` belongs to a configured school (its emails or email domains)."""
        return self.school_for_address(address) is not None

    def school_for_address(self, address: str) -> School | None:
        for school in self.schools:
            if school.owns_address(address):
                return school
        return None

    def senco_address(self, school_name: str | None, typed: str | None) -> str | None:
        """Where to write to a school's SENCO about one of its forms: the address typed on
        the form when it is one of the school's (its senco_email, headteacher_email or
        email_domains), else the school's configured senco_email. A school not in the
        configuration: nobody (an address typed on a form alone is never trusted)."""
        if not school_name:
            return None
        school = next((s for s in self.schools if s.name == school_name), None)
        if school is None:
            return None
        if typed and school.owns_address(typed):
            return typed
        return school.senco_email

    def find_round(self, text: str) -> Round | None:
        """The round named by ``text``: its name or code, or a wording of its name under
        [choices.application.funding_round]."""
        for rnd in self.rounds:
            if rnd.matches(text):
                return rnd
        for wording, name in self.choice_aliases("send-application", "funding_round"):
            if fold_plain(wording) == fold_plain(text):
                return self.round_by_name(name)
        return None

    def require_round(self, text: str) -> Round:
        """The round named by ``text`` (its name or code), or NotFound listing the rounds."""
        rnd = self.find_round(text)
        if rnd is None:
            known = ", ".join(f"{r.name} ({r.code})" for r in self.rounds) or "none are set in cluster.toml"
            raise NotFound(f"There is no funding round called '{text}'.", hint=f"The rounds are: {known}.")
        return rnd

    def round_by_name(self, name: str) -> Round:
        for rnd in self.rounds:
            if rnd.name == name:
                return rnd
        raise KeyError(name)

    def local_deadline(self, rnd: Round) -> datetime:
        """The round's deadline as an aware datetime in the cluster's zone."""
        if rnd.deadline.tzinfo is None:
            return rnd.deadline.replace(tzinfo=self.tz)
        return rnd.deadline

    def is_late(self, round_name: str | None, received: datetime | str | None) -> bool:
        """A form is late when it arrived after the deadline of the round it is in."""
        if not round_name or not received:
            return False
        rnd = next((r for r in self.rounds if r.name == round_name), None)
        if rnd is None:
            return False
        when = datetime.fromisoformat(received) if isinstance(received, str) else received
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.tz)
        return when > self.local_deadline(rnd)

    def round_for_time(self, received: datetime) -> Round | None:
        """The first round whose deadline is after ``received`` (aware datetime)."""
        for rnd in sorted(self.rounds, key=lambda r: self.local_deadline(r)):
            if self.local_deadline(rnd) > received:
                return rnd
        return None


def academic_year(day: date) -> str:
    """The academic year of a day as four digits: 2026-11-29 -> "2627"."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start % 100:02d}{(start + 1) % 100:02d}"


def load_config(path: Path) -> Config:
    """Read and check ``cluster.toml``; raise ConfigError with the line at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"There is no configuration file at {path}.",
            hint="Run 'forms init' to write an example configuration, then edit it for your cluster.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The configuration file {path} could not be read ({exc}).") from None
    config, problems, syntax = check_config_text(text)
    if syntax:
        raise ConfigError(
            problems[0].render(path.name),
            hint=f"Correct that line in {path}, save the file, and run the command again.",
        )
    if problems or config is None:
        raise ConfigError(_problems_message(path.name, problems), hint=(
            f"Correct {'that line' if len(problems) == 1 else 'those lines'} in {path}, save the file, "
            "and run the command again."
        ))
    return config


def check_config_text(text: str) -> tuple[Config | None, list[config_check.Problem], bool]:
    """The configuration ``text`` holds (None when it has mistakes), its mistakes, each with
    its line, and whether the mistake is in the TOML itself (then it is the only one)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [config_explain.explain_syntax_error(str(exc), text)], True
    locator = config_check.Locator(text)
    problems, covered = config_check.check_raw(raw, locator, Config)
    config: Config | None = None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems += config_explain.explain_validation_error(exc, raw, locator, Config, covered)
    problems = sorted(set(problems), key=lambda p: (p.line or 0, p.text))
    return (None if problems else config), problems, False


def config_warnings(path: Path, config: Config) -> list[str]:
    """What is allowed in ``cluster.toml`` but probably a mistake, as sentences naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    return [w.render(path.name) for w in config_check.config_warnings(config, text)]


def _problems_message(name: str, problems: list[config_check.Problem]) -> str:
    problems = sorted(set(problems), key=lambda p: (p.line or 0, p.text))
    if len(problems) == 1:
        return problems[0].render(name)
    lines = [f"{name} has {len(problems)} mistakes:"]
    lines += [f"  - {'line ' + str(p.line) + ': ' if p.line else ''}{p.sentence}" for p in problems]
    return "\n".join(lines)
