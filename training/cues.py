"""Proposing cue phrases from labelled articles, for a person to review into the taxonomy.

Recall is lost where an article reports on a campaign in words the cue list lacks (the
campaign issue's error kind 5). The labels say which articles those are; this module finds the
syllable n-grams that are over-represented in a campaign's positives against every other
labelled article, ranks them by how many *uncovered* positives (no existing cue) they would
reach, and reports their precision on the labels. It never edits ``configs/taxonomy.yaml``: a
phrase that is frequent in positives can still name the wrong thing, so a person decides.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from tinbai.model.campaigns.matcher import CueMatcher
from tinbai.model.taxonomy import Taxonomy, campaign_pattern
from tinbai.model.text import Document
from tinbai.model.text.vectorize import TOKEN
from tinbai.training.campaigns import LabelledArticle


@dataclass(frozen=True)
class CueSuggestion:
    campaign: str
    phrase: str
    positives: int  # labelled positives of the campaign containing the phrase
    negatives: int  # other labelled articles containing it
    precision: float  # positives / (positives + negatives), on the labels
    uncovered_positives: int  # positives with no existing cue that the phrase would reach

    def to_dict(self) -> dict:
        return asdict(self)


def _phrases(doc: Document, n_min: int, n_max: int) -> set[str]:
    """The distinct syllable n-grams of one article (title and body), lower-cased, never
    crossing a sentence boundary."""
    out: set[str] = set()
    for text in [doc.title, *(s.text for s in doc.sentences)]:
        words = TOKEN.findall(text.lower())
        for n in range(n_min, n_max + 1):
            out.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def suggest_cues(
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    campaign: str | None = None,
    *,
    min_positives: int = 3,
    min_precision: float = 0.6,
    n_range: tuple[int, int] = (2, 5),
    limit: int = 20,
) -> list[CueSuggestion]:
    """Suggestions per campaign, best first (most uncovered positives, then precision)."""
    matcher = CueMatcher(taxonomy)
    phrase_sets = [_phrases(a.doc, *n_range) for a in articles]
    df: Counter[str] = Counter(p for ps in phrase_sets for p in ps)
    covered = [set(matcher.match(a.doc)) for a in articles]
    out: list[CueSuggestion] = []
    for c in taxonomy.campaigns:
        if campaign is not None and c.id != campaign:
            continue
        existing = campaign_pattern(c.cues)
        pos = [i for i, a in enumerate(articles) if c.id in a.campaigns]
        pos_df: Counter[str] = Counter(p for i in pos for p in phrase_sets[i])
        uncovered = [i for i in pos if c.id not in covered[i]]
        unc_df: Counter[str] = Counter(p for i in uncovered for p in phrase_sets[i])
        found = []
        for phrase, k in pos_df.items():
            if k < min_positives or existing.search(phrase):
                continue  # too rare, or an existing cue already says it
            precision = k / df[phrase]
            if precision < min_precision:
                continue
            found.append(
                CueSuggestion(c.id, phrase, k, df[phrase] - k, round(precision, 3), unc_df[phrase])
            )
        out += _drop_redundant(found)[:limit]
    return out


def _drop_redundant(found: list[CueSuggestion]) -> list[CueSuggestion]:
    """Best first; a phrase that contains a kept shorter phrase with the same counts says
    nothing new (the shorter one reaches the same articles, and more in unseen ones)."""
    found.sort(key=lambda s: (-s.uncovered_positives, -s.precision, -s.positives, len(s.phrase)))
    kept: list[CueSuggestion] = []
    for s in found:
        if any(
            k.phrase in s.phrase and (s.positives, s.negatives) == (k.positives, k.negatives)
            for k in kept
        ):
            continue
        kept.append(s)
    return kept
