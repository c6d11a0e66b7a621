"""Finding where an article mentions each campaign.

Cues come from the taxonomy, so a newsroom that adds a campaign (or a new phrasing of a
directive) to ``configs/taxonomy.yaml`` gets it matched without code changes. Matching is on
normalised, lower-cased text with whole-word boundaries, so tone-mark variants (``hoà``/``hòa``)
and case never matter.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from tinbai.model.taxonomy import Taxonomy, campaign_pattern
from tinbai.model.text import Document

_QUOTE_MARKS = re.compile(r"[“”\"]")


def quote_spans(sentence: str) -> list[tuple[int, int]]:
    """Quoted stretches (“…” or "…"), paired left to right in one pass: linear even on a
    degenerate run of unmatched quotation marks."""
    spans, open_at, closer = [], -1, ""
    for m in _QUOTE_MARKS.finditer(sentence):
        ch = m.group()
        if open_at < 0 and ch in '“"':
            open_at, closer = m.start(), "”" if ch == "“" else '"'
        elif open_at >= 0 and ch == closer:
            spans.append((open_at, m.end()))
            open_at = -1
    return spans


def quoted_cue_count(sentence: str, cue_re: re.Pattern[str]) -> int:
    """How many cue matches of a (lower-cased) sentence sit inside quotation marks."""
    spans = quote_spans(sentence)
    if not spans:
        return 0
    starts = [a for a, _ in spans]
    count = 0
    for m in cue_re.finditer(sentence):
        k = bisect.bisect_right(starts, m.start()) - 1  # spans are disjoint and sorted
        count += k >= 0 and m.start() < spans[k][1]
    return count


@dataclass
class CampaignHits:
    """Where one campaign's cues and related phrases occur in one document."""

    campaign_id: str
    title_cues: int = 0
    title_related: int = 0
    sentence_cues: dict[int, int] = field(default_factory=dict)  # sentence index → cue count
    sentence_related: dict[int, int] = field(default_factory=dict)
    distinct_cues: set[str] = field(default_factory=set)
    quoted: dict[int, int] = field(default_factory=dict)  # sentence index → cues inside “…”


class CueMatcher:
    """Precompiled cue patterns for every campaign of a taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.campaign_ids = taxonomy.campaign_ids
        self._cues: list[re.Pattern[str]] = [campaign_pattern(c.cues) for c in taxonomy.campaigns]
        self._related: list[re.Pattern[str] | None] = [
            campaign_pattern(c.related) if c.related else None for c in taxonomy.campaigns
        ]
        # A cheap pre-filter: one alternation of every cue of every campaign.
        self._any = campaign_pattern([p for c in taxonomy.campaigns for p in c.cues])

    def match(self, doc: Document) -> dict[str, CampaignHits]:
        """Hits for the campaigns whose cues occur at least once (title or body)."""
        title = doc.title.lower()
        sentences = [s.text.lower() for s in doc.sentences]
        # Only where the union of every cue matches can one campaign's cue match: each
        # campaign's patterns run on those sentences alone (most have none).
        title_hit = self._any.search(title) is not None
        with_cue = [(i, s) for i, s in enumerate(sentences) if self._any.search(s)]
        if not title_hit and not with_cue:
            return {}
        out: dict[str, CampaignHits] = {}
        for cid, cue_re, rel_re in zip(self.campaign_ids, self._cues, self._related, strict=True):
            title_found = cue_re.findall(title) if title_hit else []
            per_sentence, quoted = {}, {}
            distinct = set(title_found)
            for i, s in with_cue:
                found = cue_re.findall(s)
                if found:
                    per_sentence[i] = len(found)
                    distinct.update(found)
                    q = quoted_cue_count(s, cue_re)
                    if q:
                        quoted[i] = q
            if not title_found and not per_sentence:
                continue
            hits = CampaignHits(
                cid,
                title_cues=len(title_found),
                sentence_cues=per_sentence,
                distinct_cues=distinct,
                quoted=quoted,
            )
            if rel_re is not None:
                hits.title_related = len(rel_re.findall(title))
                for i, s in enumerate(sentences):
                    n = len(rel_re.findall(s))
                    if n:
                        hits.sentence_related[i] = n
            out[cid] = hits
        return out
