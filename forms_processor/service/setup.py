"""Setting a home up: the blank forms SENCOs fill in, and the response form's template.
(These need no database, so they are functions, not FormsApp methods.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..documents.batch import Batch, application_templates, write_batch
from ..documents.response import write_default_template
from ..documents.templates import write_templates as _write_templates
from ..home import Home

if TYPE_CHECKING:
    from ..readers.learn import LearnReport


def write_templates(home: Home, out_dir: Path) -> list[Path]:
    """The application and impact forms, Word and PDF, for this cluster."""
    return _write_templates(home.config, out_dir)


def write_response_template(out_dir: Path) -> Path:
    """response.docx, the Word template of the response form (the cluster may restyle it)."""
    return write_default_template(out_dir)


def learn_labels(data: bytes) -> LearnReport:
    """The cluster's own form read, its labels proposed as wordings of the spec's fields."""
    from ..readers.learn import learn_labels as learn

    return learn(data)


def labels_block(report: LearnReport) -> str:
    """The [labels.…] block to paste into cluster.toml."""
    from ..readers.learn import toml_block

    return toml_block(report)


__all__ = ["Batch", "LearnReport", "labels_block", "learn_labels", "application_templates", "write_batch", "write_response_template", "write_templates"]
