"""Word segmentation, PhoBERT-style (``Hà_Nội``), with underthesea.

PhoBERT was pre-trained on word-segmented text, so every transformer input passes through this
one function, at training and at serving time alike. underthesea ships its CRF model inside the
wheel, so it works offline; it is imported lazily because the import costs ~2.5 s and ~370 MB,
which the classical tagger (syllable features) never needs to pay.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _word_tokenize() -> Any:
    from tinbai.extras import require

    require("phobert", "Word segmentation (PhoBERT bundles, presegment)")
    from underthesea import word_tokenize

    return word_tokenize


def segment_words(text: str) -> str:
    """Return ``text`` with the syllables of each word joined by ``_`` and tokens
    (punctuation included) separated by single spaces."""
    if not text.strip():
        return ""
    return _word_tokenize()(text, format="text")
