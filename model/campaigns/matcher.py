"""Finding where an article mentions each campaign.

Cues come from the taxonomy, so a newsroom that adds a campaign (or a new phrasing of a
directive) to ``configs/taxonomy.yaml`` gets it matched without code changes. Matching is on
normalised, lower-cased text with whole-word boundaries, so tone-mark variants (``hoà``/``hòa``)
and case never matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from model.taxonomy import Taxonomy, campaign_pattern
from model.text import Document


@dataclass
class CampaignHits:
    """Where one campaign's cues and related phrases occur in one document."""

    campaign_id: str
    title_cues: int = 0
    title_related: int = 0
    sentence_cues: dict[int, int] = field(default_factory=dict)  # sentence index → cue count
    sentence_related: dict[int, int] = field(default_factory=dict)
    distinct_cues: set[str] = field(default_factory=set)

    @property
    def any_cue(self) -> bool:
        return bool(self.title_cues or self.sentence_cues)


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
        if not self._any.search(title) and not any(self._any.search(s) for s in sentences):
            return {}
        out: dict[str, CampaignHits] = {}
        for cid, cue_re, rel_re in zip(self.campaign_ids, self._cues, self._related, strict=True):
            title_found = cue_re.findall(title)
            per_sentence = {}
            distinct = set(title_found)
            for i, s in enumerate(sentences):
                found = cue_re.findall(s)
                if found:
                    per_sentence[i] = len(found)
                    distinct.update(found)
            if not title_found and not per_sentence:
                continue
            hits = CampaignHits(
                cid, title_cues=len(title_found), sentence_cues=per_sentence, distinct_cues=distinct
            )
            if rel_re is not None:
                hits.title_related = len(rel_re.findall(title))
                for i, s in enumerate(sentences):
                    n = len(rel_re.findall(s))
                    if n:
                        hits.sentence_related[i] = n
            out[cid] = hits
        return out
