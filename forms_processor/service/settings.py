"""The configuration as the Settings screen shows it (cluster.toml read-only, with its
problems in plain English), and the one change a screen may make to it: a school's
address added to its allow-list."""

from __future__ import annotations

from ..config import CONFIG_NAME, check_config_text
from ..config_check import config_warnings
from ..home import Home
from ..results import Result
from ..store import repository as repo
from ..workflow.allow_list import add_school_address
from .base import ServiceBase


class ConfigNote(Result):
    line: int | None
    text: str
    kind: str  # mistake | warning


class ConfigView(Result):
    file: str
    lines: list[str]
    notes: list[ConfigNote]

    @property
    def mistakes(self) -> list[ConfigNote]:
        return [n for n in self.notes if n.kind == "mistake"]


class SettingsActions(ServiceBase):
    def config_view(self) -> ConfigView:
        """cluster.toml as it is on disk now, with its mistakes (what 'forms' would refuse)
        and its warnings (allowed but probably wrong), each with its line."""
        path = self.home.root / CONFIG_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return ConfigView(file=str(path), lines=[], notes=[
                ConfigNote(line=None, text=f"The file could not be read ({exc}).", kind="mistake")])
        config, problems, _ = check_config_text(text)
        notes = [ConfigNote(line=p.line, text=p.sentence, kind="mistake") for p in problems]
        if config is not None:
            notes += [ConfigNote(line=w.line, text=w.sentence, kind="warning") for w in config_warnings(config, text)]
        return ConfigView(file=str(path), lines=text.splitlines(), notes=notes)

    def add_school_address(self, school: str, address: str, *, actor: str = "host") -> str:
        """Add ``address`` to the school's allow-list in cluster.toml (one line changed,
        comments kept, the file checked again); from now on its emails are taken in.
        Returns the school's name."""
        found = self.config.find_school(school)
        name = found.name if found else school
        on_disk = add_school_address(self.home, name, address)
        # Only this school's allow-list changes in the running configuration.
        added = on_disk.school_by_name(name).sender_emails
        schools = [s.model_copy(update={"sender_emails": added}) if s.name == name else s for s in self.config.schools]
        self.config = self.config.model_copy(update={"schools": schools})
        self.home = Home(self.home.root, self.config)
        with self.db.atomic() as conn:
            repo.add_event(conn, action="school-address-added", actor=actor, reason=f"{address.strip().lower()} for {name}")
        return name
