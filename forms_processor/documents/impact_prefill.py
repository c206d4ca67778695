"""The impact form of one award, filled in already with what the cluster knows: the
award's reference, the school, the SENCO, the intervention, and each outcome's text,
measure, baseline and target. The school adds only its results. Pure: values in, values out."""

from __future__ import annotations

from typing import Any

from ..spec import IMPACT

Values = dict[str, str | bool]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def impact_values(reference: str, school: str | None, application_fields: dict[str, Any]) -> Values:
    """The fields of the impact form to fill for the award ``reference`` (every other field blank)."""
    values: Values = {key: "" for key in IMPACT.flat_keys()}
    f = application_fields
    values["application_reference"] = reference
    values["school_name"] = school or _text(f.get("school_name"))
    values["senco_name"] = _text(f.get("senco_name"))
    values["senco_email"] = _text(f.get("senco_email"))
    values["intervention_title"] = _text(f.get("intervention_title"))
    for n, row in enumerate(f.get("outcomes") or [], start=1):
        if n > 3:
            break
        values[f"outcome_{n}_text"] = _text(row.get("text"))
        values[f"outcome_{n}_measure"] = _text(row.get("measure"))
        values[f"outcome_{n}_baseline"] = _text(row.get("baseline"))
        values[f"outcome_{n}_target"] = _text(row.get("target"))
    return values
