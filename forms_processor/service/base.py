"""What every part of the service stands on: the home (its folders and configuration)
and the database."""

from __future__ import annotations

from datetime import date

from ..config import Config
from ..home import Home
from ..store.db import Database


class ServiceBase:
    home: Home
    config: Config
    db: Database

    def today(self) -> date:
        """Today in the cluster's time zone."""
        from datetime import datetime

        return datetime.now(self.config.tz).date()
