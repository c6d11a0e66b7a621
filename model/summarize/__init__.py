"""Extractive summaries: pick an article's key sentences, return them in document order.

A :class:`Summarizer` scores the body sentences of a prepared :class:`~model.text.Document`
(never the title, chrome, captions or by-lines: cleaning removed those) and selects them under
a budget. Scorers are swappable parts with versioned names (``lead.v1``, ``ranker.v1``…) in
:data:`SCORERS`; a bundle stores its summariser in ``summarizer/`` and
:func:`load_summarizer` rebuilds it.
"""

from __future__ import annotations

from tinbai.model.summarize import ranker as _ranker  # noqa: F401  (registers "ranker.v1")
from tinbai.model.summarize.base import (
    Budget,
    Summarizer,
    Summary,
    SummarySentence,
    load_summarizer,
)

__all__ = ["Budget", "Summarizer", "Summary", "SummarySentence", "load_summarizer"]
