"""Vietnamese sentence splitting.

A rule-based splitter: punkt-style statistics are not needed because Vietnamese gives a strong
signal for free — every syllable has a vowel, so a "word" before a full stop that has no vowel
(``Th.``, ``Ng.``, ``TP.``, ``PGS.``) is an abbreviation or an initial, never a sentence end.
Numbers (``1.156``, ``15/5/2016``), codes (``05-CT/TW``), ``TP.HCM`` and ``(SN 1994)`` have no
space after the dot and are never split. Text inside a quotation (“…” or "…") is not split,
so a quoted sentence stays with the clause that introduces it. Paragraphs (lines) are always
sentence boundaries, which is how a title without a final full stop stays its own sentence.
"""

from __future__ import annotations

import re

_VOWELS = set("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
_VOWELS |= set("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
_VOWELS |= {c.upper() for c in list(_VOWELS)}
# Abbreviations that contain a vowel but never end a sentence before a capitalised word.
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "no", "vs", "sđd"})
# Candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can start a sentence (a capital, digit, opening quote or bracket, dash).
_BOUNDARY = re.compile(r"([.!?…]+)([\"”’)\]]*)(\s+)(?=[\"“‘(\[\-–—]?\s?[0-9A-ZÀ-ỸĐ])")
_QUOTES = re.compile(r"[\"“”]")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


def _is_abbreviation(token: str) -> bool:
    """True when ``token`` (the text right before a dot) cannot end a sentence."""
    word = token.lstrip('("“‘[')
    if not word:
        return False
    if word.lower() in _ABBREVIATIONS:
        return True
    if any(ch in _VOWELS for ch in word):
        return False
    # No vowel: an initial or abbreviation (Th., Tr., H., TP., GS., PGS., ThS.) — but an
    # all-capital acronym of 3+ letters (UBND., HĐND., GTVT.) often ends a sentence.
    if word.isupper() and len(word) >= 3 and word not in {"PGS", "TSKH", "NXB"}:
        return False
    return word.isalpha()


def _token_before(paragraph: str, end: int) -> re.Match[str] | None:
    """The whitespace-free token ending at ``end``. Searching the whole prefix made splitting
    quadratic in paragraph length, so look in a short window first (same result)."""
    start = max(0, end - 64)
    m = _TOKEN_BEFORE.search(paragraph, start, end)
    if m is None or (m.start() == start and start > 0):
        m = _TOKEN_BEFORE.search(paragraph, 0, end)  # token longer than the window
    return m


def _quoted_spans(paragraph: str) -> list[tuple[int, int]]:
    """Spans between paired quote marks; an unpaired last mark is ignored."""
    marks = [m.start() for m in _QUOTES.finditer(paragraph)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def _split_paragraph(paragraph: str) -> list[str]:
    spans = _quoted_spans(paragraph)
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end(2)  # keep the punctuation and closing quotes with the sentence
        if any(a < m.start(1) < b for a, b in spans):
            continue
        if m.group(1) == ".":
            before = _token_before(paragraph, m.start(1))
            if before and _is_abbreviation(before.group(1)):
                continue
        sentence = paragraph[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences; every line break is a boundary."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(_split_paragraph(paragraph))
    return out
