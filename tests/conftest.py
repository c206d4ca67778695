"""Shared fixtures: a fresh home with the example cluster, and real filled forms."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from forms_processor.api import FormsApp
from forms_processor.config import Config
from forms_processor.documents.fill import fill_docx, fill_pdf
from forms_processor.documents.samples import sample_application
from forms_processor.home import Home, init_home, open_home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A home folder set up by 'forms init' with the example cluster."""
    root = tmp_path / "home"
    init_home(root)
    return open_home(root)


@pytest.fixture
def app(home: Home) -> Iterator[FormsApp]:
    with FormsApp(home) as a:
        yield a


class FormFactory:
    """Writes real filled application forms (Word or PDF) from the cluster's templates."""

    def __init__(self, config: Config, folder: Path) -> None:
        from forms_processor.documents.batch import application_templates

        self.config = config
        self.folder = folder
        self.docx_t, self.pdf_t = application_templates(config)
        self.rng = random.Random(1234)
        self.count = 0

    def values(self, school_index: int = 1, mistakes: int = 0, **overrides: str | bool) -> dict[str, str | bool]:
        school = self.config.schools[school_index]
        values, _ = sample_application(self.config, self.rng, school=school, mistakes=mistakes, today=date(2026, 11, 20))
        values.update(overrides)
        return values

    def write(self, values: dict[str, str | bool], kind: str = "docx", name: str | None = None) -> Path:
        self.count += 1
        data = fill_docx(self.docx_t, values) if kind == "docx" else fill_pdf(self.pdf_t, values)
        path = self.folder / (name or f"form-{self.count:03d}.{kind}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture
def forms(home: Home, tmp_path: Path) -> FormFactory:
    return FormFactory(home.config, tmp_path / "drop")
