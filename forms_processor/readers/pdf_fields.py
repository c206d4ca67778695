"""Read a fillable PDF form (AcroForm) with pypdf.

Field names are the spec's flat keys (``school_name``, ``pupil_3_ref``); a
field under a parent (``form1.school_name``) is matched by its last part.
Checkboxes are ticked when their value is anything but ``/Off`` (whatever the
form's author chose as export value); radio groups and dropdowns give their
chosen value as text. A PDF without fields (a Word form printed to PDF) is
handed to :mod:`.pdf_layout`.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.generic import NameObject

from ..errors import UnreadableDocument
from ..spec import FORMS, FieldType, FormSpec
from .base import ExtractedForm
from .labels import choose_by_labels, find_identity

# A PDF whose field names match fewer spec keys than this is read by its layout instead.
MIN_KEY_MATCHES = 3
RADIO_FLAG = 1 << 15
_INDEX = re.compile(r"\[\d+\]$")
PUSHBUTTON_FLAG = 1 << 16


def damaged_pdf() -> UnreadableDocument:
    return UnreadableDocument(
        "The PDF is damaged or incomplete, so it can't be read.",
        "Please save or export the form again and resend it, or send the Word form.",
        "damaged",
    )


def password_protected() -> UnreadableDocument:
    return UnreadableDocument(
        "The PDF is protected by a password, so it can't be read.",
        "Please send it without a password, or send the Word form.",
        "password",
    )


def xfa_form() -> UnreadableDocument:
    return UnreadableDocument(
        "This PDF was made with Adobe LiveCycle (XFA), a kind of form that can't be read.",
        "Please use the cluster's PDF form or the Word form.",
        "xfa",
    )


def open_pdf(data: bytes) -> PdfReader:
    """Open (and if needed decrypt with the empty password) a PDF, or refuse it."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                result = reader.decrypt("")
            except Exception as exc:  # pypdf's DependencyError, unknown encryption, ...
                raise password_protected() from exc
            if result == PasswordType.NOT_DECRYPTED:
                raise password_protected()
        return reader
    except UnreadableDocument:
        raise
    except Exception as exc:  # PdfReadError, LimitReachedError or any other failure: the file is damaged
        raise damaged_pdf() from exc


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text_value(v) for v in value if _text_value(v))
    if isinstance(value, NameObject):
        # A radio button's export name: "/Group_of_pupils" is the option "Group of pupils".
        text = str(value)
        text = text[1:] if text.startswith("/") else text
        return text.replace("_", " ")
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace")
    return str(value)


def _option_text(field: dict[str, Any], raw: Any) -> Any:
    """The text a SENCO saw for a chosen option, when the form stores something else.

    A radio group's value may be the option's index ("/1") into ``/Opt``; a dropdown's
    ``/Opt`` may hold [export value, shown text] pairs, and its value is the export value.
    """
    try:
        options = list(field.get("/Opt") or [])
    except TypeError:
        return raw
    if not options or raw is None:
        return raw
    if isinstance(raw, NameObject):
        index = str(raw)[1:]
        if index.isdigit() and int(index) < len(options):
            chosen = options[int(index)]
            return chosen[-1] if isinstance(chosen, list | tuple) and chosen else chosen
        return raw
    for option in options:
        if isinstance(option, list | tuple) and len(option) == 2 and str(option[0]) == str(raw):
            return option[1]
    return raw


def _field_value(spec_type: FieldType, field: dict[str, Any]) -> str | bool | None:
    ft = field.get("/FT")
    raw = _option_text(field, field.get("/V"))
    try:
        flags = int(field.get("/Ff", 0) or 0)
    except (TypeError, ValueError):
        flags = 0
    if ft == "/Btn" and flags & PUSHBUTTON_FLAG:
        return None
    if spec_type is FieldType.CHECKBOX:
        if ft == "/Btn" or isinstance(raw, NameObject):
            text = _text_value(raw).strip()
            return bool(text) and text.lower() != "off"
        # A text field standing in for a checkbox: keep its text for the checkbox rules.
        text = _text_value(raw).strip()
        return text or None
    text = _text_value(raw).strip()
    if ft == "/Btn" and text.lower() == "off":
        return None
    return text or None


def _has_xfa(reader: PdfReader) -> bool:
    try:
        acroform = reader.root_object.get("/AcroForm")
        return acroform is not None and "/XFA" in acroform.get_object()
    except Exception:  # noqa: BLE001 - a broken catalogue is no XFA form; the layout reader decides
        return False


def read_fields(reader: PdfReader) -> ExtractedForm | None:
    """The form from the PDF's fields, or None when it has (almost) no form fields."""
    try:
        fields = reader.get_fields() or {}
    except Exception as exc:  # pypdf fails in many ways on damaged forms
        raise damaged_pdf() from exc
    if not fields:
        if _has_xfa(reader):
            raise xfa_form()
        return None
    by_leaf: dict[str, dict[str, Any]] = {}
    for name, field in fields.items():
        # "form1[0].page1[0].school_name[0]" (Adobe LiveCycle) is the field school_name.
        leaf = _INDEX.sub("", str(name).rsplit(".", 1)[-1]).strip()
        # The fully qualified name wins over a duplicate leaf deeper in the tree.
        if leaf not in by_leaf or "." not in str(name):
            by_leaf[leaf] = field
    identity = by_leaf.get("form_id")
    spec: FormSpec | None = None
    if identity is not None:
        spec = find_identity([_text_value(identity.get("/V"))])
    scores = {fid: sum(1 for k in form.flat_keys() if k in by_leaf) for fid, form in FORMS.items()}
    if spec is None:
        if max(scores.values()) < MIN_KEY_MATCHES:
            if _has_xfa(reader):
                raise xfa_form()
            return None
        spec = choose_by_labels(scores, "PDF", MIN_KEY_MATCHES)
    values: dict[str, str | bool] = {}
    for key in spec.flat_keys():
        field = by_leaf.get(key)
        if field is None:
            continue
        value = _field_value(spec.field(key).type, field)
        if value is not None:
            values[key] = value
    notes: list[str] = []
    if identity is None:
        notes.append("The PDF has no form_id field; the form was recognised by its field names")
    return ExtractedForm(spec.form_id, values, "pdf-fields", notes)
