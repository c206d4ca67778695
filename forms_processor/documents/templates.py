"""Write the cluster's blank form templates (Word and fillable PDF) from the FormSpecs.

``forms templates --out DIR`` calls :func:`write_templates`. The output depends
only on the configuration (school and round names, cluster name), byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..config import Config
from ..home import write_private
from ..spec import APPLICATION, IMPACT, FieldSpec, FormSpec
from .docx_form import build_docx
from .pdf_form import build_pdf

# File stem of each form's templates.
TEMPLATE_NAMES: dict[str, str] = {APPLICATION.form_id: "application", IMPACT.form_id: "impact"}


def field_choices(spec: FieldSpec, config: Config) -> tuple[str, ...]:
    """The options of a field's dropdown: its own choices, or the configured schools/rounds."""
    if spec.choices_from_config == "schools":
        return tuple(s.name for s in config.schools)
    if spec.choices_from_config == "rounds":
        return tuple(r.name for r in config.rounds)
    if spec.choices_from_config is not None:
        raise ValueError(f"unknown choices_from_config {spec.choices_from_config!r} for {spec.key}")
    return spec.choices


def _choices_of(config: Config) -> Callable[[FieldSpec], tuple[str, ...]]:
    return lambda spec: field_choices(spec, config)


def template_docx(spec: FormSpec, config: Config) -> bytes:
    """The Word template of one form for this cluster."""
    return build_docx(spec, config.cluster.name, _choices_of(config))


def template_pdf(spec: FormSpec, config: Config) -> bytes:
    """The fillable PDF template of one form for this cluster."""
    return build_pdf(spec, config.cluster.name, _choices_of(config))


def write_templates(config: Config, out_dir: Path) -> list[Path]:
    """Write application.docx/.pdf and impact.docx/.pdf into ``out_dir``; return their paths.

    A new folder is made owner-only (0o700) and the files are written owner-only (0o600),
    as every file the program writes; share them by email or copy them to a shared folder.
    """
    written: list[Path] = []
    for spec in (APPLICATION, IMPACT):
        stem = TEMPLATE_NAMES[spec.form_id]
        for suffix, data in ((".docx", template_docx(spec, config)), (".pdf", template_pdf(spec, config))):
            path = out_dir / f"{stem}{suffix}"
            write_private(path, data)
            written.append(path)
    return written
