"""Form specifications: the single description of each form the cluster uses."""

from .base import FieldSpec, FieldType, FormSpec, Req, RowGroup, Section, fold_choice, normalise_label
from .forms import APPLICATION, FORMS, IMPACT
from .measures import BY_NAME as MEASURES_BY_NAME
from .measures import MEASURE_NAMES, MEASURES, Measure, target_met

__all__ = [
    "APPLICATION",
    "FORMS",
    "IMPACT",
    "MEASURES",
    "MEASURES_BY_NAME",
    "MEASURE_NAMES",
    "FieldSpec",
    "FieldType",
    "FormSpec",
    "Measure",
    "Req",
    "RowGroup",
    "Section",
    "fold_choice",
    "normalise_label",
    "target_met",
]
