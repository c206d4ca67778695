"""How alike two wordings are (0 to 1), for proposing a cluster's own labels and choices
(``learn``, ``learn_choices``). Pure."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..spec import normalise_label

_WORD = re.compile(r"[a-z0-9£%]+")
_SMALL_WORDS = {"the", "of", "a", "an", "and", "or", "to", "for", "in", "this", "if", "is", "by", "from", "with"}


def _label_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalise_label(text)) if w not in _SMALL_WORDS}


def score(a: str, b: str) -> float:
    """How alike two labels are (0 to 1): the mean of their letters' likeness and their
    words' overlap, case, punctuation and small words ignored."""
    na, nb = normalise_label(a), normalise_label(b)
    if not na or not nb:
        return 0.0
    letters = SequenceMatcher(None, na, nb).ratio()
    wa, wb = _label_words(a), _label_words(b)
    overlap = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    # Word stems: "SENCo's" ~ "SENCO", "supported" ~ "support".
    stems = len({w[:5] for w in wa} & {w[:5] for w in wb}) / len({w[:5] for w in wa | wb}) if wa and wb else 0.0
    # Every word of the shorter one in the longer ("Child's initials" ~ "Initials").
    contained = 0.9 * len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0
    return round((letters + max(overlap, stems, contained)) / 2, 2)
