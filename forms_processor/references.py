"""References such as WVC-2627-AU2-014: how they are written and matched."""

from __future__ import annotations


def normalise_reference(text: str) -> str:
    """A reference as the store keeps it: spaces removed, upper case, dashes folded.

    "wvc \u2013 2627 - au2 - 014" -> "WVC-2627-AU2-014": references are matched
    ignoring case and spaces, and a typed en dash counts as a hyphen.
    """
    t = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return "".join(t.split()).upper()
