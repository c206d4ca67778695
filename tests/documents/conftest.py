from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from forms_processor.config import Config
from forms_processor.example import EXAMPLE_CONFIG

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "form_templates"


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.model_validate(tomllib.loads(EXAMPLE_CONFIG))


@pytest.fixture(scope="session")
def templates(config: Config, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four templates of the example cluster, written afresh."""
    from forms_processor.documents import write_templates

    out = tmp_path_factory.mktemp("templates")
    return {p.name: p for p in write_templates(config, out)}
