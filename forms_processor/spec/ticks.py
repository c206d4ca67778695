"""How a tick is written on a form: the one list the readers and the checker share."""

from __future__ import annotations

# Glyphs of a ticked / empty box. ✕ ✖: the cross a PDF viewer draws in a ticked box
# (ZapfDingbats), seen when a filled PDF is printed to PDF. The first of each is what
# the readers write for a box they read as ticked / not ticked.
TICKED_GLYPHS = ("\u2612", "\u2611", "\u2713", "\u2714", "\u2717", "\u2718", "\u2715", "\u2716", "\u25a0", "\u25c9")
UNTICKED_GLYPHS = ("\u2610", "\u25a1", "\u25cb")

# Words typed in a box (compared in lower case).
TICKED_WORDS = frozenset({"x", "yes", "y", "true", "ticked", "checked", "on", "1", "agreed", "confirmed"})
UNTICKED_WORDS = frozenset({"no", "n", "false", "off", "0", "unticked", "unchecked"})
