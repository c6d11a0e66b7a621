"""One article's sentences, tokenised and numbered once for every summariser stage.

The ranker's features, the length-aware selection and the redundancy check all read the body
sentences as lower-cased tokens: syllables (:data:`~model.summarize.rouge.SYLLABLE`, as ROUGE
counts them) for the first two, whitespace words for the trigram check. :class:`ArticleTerms`
lower-cases each sentence once, splits it once per kind, and numbers the syllables once — a
local vocabulary in first-appearance order, body sentences then title — so that no stage
tokenises, hashes or counts them again. Each part is computed on first use: a scorer that
reads no tokens and a selection that needs none cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from itertools import chain

import numpy as np
from tinbai.model.summarize.rouge import chunk_syllables, syllables
from tinbai.model.text import Document


def sentence_tokens(doc: Document) -> list[Sequence[str]]:
    """Syllables of each body sentence, as :func:`~model.summarize.rouge.syllables` gives them
    (the document is already normalised by ``prepare``, so normalising again is skipped)."""
    return ArticleTerms(doc).syllables


class ArticleTerms:
    """The tokens of ``doc``'s body sentences and title, each computed once, on first use.
    ``syllables``: the sentences' syllables when the caller has them already (training keeps
    them with each example); they must be :func:`sentence_tokens` of ``doc``."""

    def __init__(self, doc: Document, syllables: Sequence[Sequence[str]] | None = None) -> None:
        self.doc = doc
        if syllables is not None:
            self.syllables = list(syllables)  # set here, the cached property is not computed

    @cached_property
    def lowered(self) -> list[str]:
        """Each body sentence lower-cased (the one ``str.lower`` call a sentence gets)."""
        return [s.text.lower() for s in self.doc.sentences]

    @cached_property
    def syllables(self) -> list[Sequence[str]]:
        """Syllables of each body sentence (what :func:`sentence_tokens` returns): those
        ``SYLLABLE.findall`` finds in the lower-cased text, read off its :attr:`words`."""
        return [chunk_syllables(w) for w in self.words]

    @cached_property
    def words(self) -> list[list[str]]:
        """Lower-cased whitespace words of each body sentence (punctuation attached)."""
        return [t.split() for t in self.lowered]

    @cached_property
    def title(self) -> list[str]:
        """The title's syllables (normalised first, as :func:`~model.summarize.rouge.syllables`)."""
        return syllables(self.doc.title) if self.doc.title else []

    @cached_property
    def sizes(self) -> list[int]:
        """Syllables in each body sentence."""
        return [len(t) for t in self.syllables]

    @cached_property
    def _numbered(self) -> tuple[dict[str, int], np.ndarray]:
        local: dict[str, int] = {}
        number = local.setdefault  # a new syllable gets the next id: first-appearance order
        flat = chain(chain.from_iterable(self.syllables), self.title)
        return local, np.array([number(t, len(local)) for t in flat], dtype=np.int64)

    @property
    def local(self) -> dict[str, int]:
        """Syllable → local id, numbered in first-appearance order (sentences, then title)."""
        return self._numbered[0]

    @property
    def codes(self) -> np.ndarray:
        """The local id of every syllable: each sentence's in turn, then the title's."""
        return self._numbered[1]

    @cached_property
    def counts(self) -> np.ndarray:
        """``(n_sentences + 1, n_terms)`` float term counts; the title is the last row."""
        n, m = len(self.syllables), max(len(self.local), 1)
        rows = np.repeat(np.arange(n + 1), [*self.sizes, len(self.title)])
        tf = np.bincount(rows * m + self.codes, minlength=(n + 1) * m)
        return tf.reshape(n + 1, m).astype(np.float64)
