"""Text pipeline shared by training, the CLI, the service and batch jobs.

raw article → :func:`normalize` → :func:`clean_article` → :func:`split_sentences`
→ (optionally) :func:`segment_words`. :func:`prepare` runs the whole chain once.
"""

from __future__ import annotations

from tinbai.model.text.clean import CleanedArticle, clean_article
from tinbai.model.text.document import Document, Sentence, prepare
from tinbai.model.text.normalize import normalize
from tinbai.model.text.segment import segment_words
from tinbai.model.text.sentences import split_sentences

__all__ = [
    "CleanedArticle",
    "Document",
    "Sentence",
    "clean_article",
    "normalize",
    "prepare",
    "segment_words",
    "split_sentences",
]
