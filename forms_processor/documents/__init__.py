"""The cluster's form documents: blank templates, filling them, and sample values."""

from .fill import fill_docx, fill_pdf
from .samples import sample_application, sample_impact
from .templates import TEMPLATE_NAMES, field_choices, template_docx, template_pdf, write_templates

__all__ = [
    "TEMPLATE_NAMES",
    "field_choices",
    "fill_docx",
    "fill_pdf",
    "sample_application",
    "sample_impact",
    "template_docx",
    "template_pdf",
    "write_templates",
]
