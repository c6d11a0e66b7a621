"""Unicode and orthography normalisation for Vietnamese text.

The corpora mix two tone-mark placements for the open syllables ``oa``, ``oe`` and ``uy``
(``hoà``/``hòa``, ``thuý``/``thúy``, ``uỷ``/``ủy``). Features and tokens must not depend on
which one a reporter's keyboard used, so every text is mapped to one canonical form: the
"old" placement (tone on the first vowel: ``hòa``, ``thúy``), which is the more frequent in
VNTC and VietNews and what PhoBERT's pre-training text mostly used. Closed syllables
(``hoàng``, ``khuyến``, ``huỳnh``) and ``qu`` + vowel (``quý``) are the same in both styles and
are left alone.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks: grave, acute, hook above, tilde, dot below.
_TONES = "\u0300\u0301\u0309\u0303\u0323"
_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for first, second in _PAIRS:
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second), (first.upper(), second.upper())):
                new = unicodedata.normalize("NFC", f + s + tone)
                old = unicodedata.normalize("NFC", f + tone + s)
                table[new] = old
    return table


_NEW_TO_OLD = _build_table()
# A new-style nucleus at the end of a syllable (no letter follows), not after "q"
# ("quý" is q-u + ý: the tone is already where both styles put it).
_NUCLEUS = re.compile(
    "(?<![qQ])(" + "|".join(sorted(map(re.escape, _NEW_TO_OLD), key=len, reverse=True)) + r")(?!\w)"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalize(text: str) -> str:
    """Return ``text`` in NFC with canonical tone marks, no invisible characters and
    single spaces; newlines (paragraph breaks) are kept."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NUCLEUS.sub(lambda m: _NEW_TO_OLD[m.group(1)], text)
    return _SPACES.sub(" ", text)
