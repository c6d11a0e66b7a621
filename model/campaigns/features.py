"""Theme features for one (article, campaign) candidate: campaign-agnostic by design.

A candidate is a campaign whose cues occur in an article. Every feature here describes *how*
the campaign appears (where, how often, alone or in a list, in what kind of article), never
*which* campaign it is, so a campaign a newsroom adds to ``configs/taxonomy.yaml`` is scored
sensibly before anyone labels an article of it. The per-campaign parts (a prior, a lexical
model) are separate inputs that fall back to neutral values for a campaign without labels.

Feature groups follow the error kinds of the campaign issue (#10): a campaign named once or in
a list of programmes (structure), cue words used in another sense or a single incident (the
words around the cues, scored by the lexical models), a foreign country's drive (the topic
model's probabilities).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from tinbai.model.campaigns.matcher import CampaignHits
from tinbai.model.text import Document

BASE = (
    "cue_in_title",  # GUIDELINES: "named in the title or lead"
    "cue_in_lead",
    "log_cue_sentences",  # "at least a paragraph is about it"
    "frac_cue_sentences",
    "share_of_top_campaign",  # a campaign in 2 sentences beside another in 12 is secondary
    "log_solo_cue_sentences",  # sentences naming this campaign and no other …
    "frac_solo_cue_sentences",  # … since "named once in a list of other programmes" is passing
    "log_related_mentions",  # the campaign's subject vocabulary around the cues
)
STRUCTURE = (
    "log_distinct_cues",  # a theme is named several ways (directive, movement, slogan)
    "frac_quoted_cues",  # “…” around a cue: a slogan quoted in passing, or the name in full
    "frac_list_cue_sentences",  # a cue in a long enumeration of programmes
    "first_cue_position",  # 0 = first sentence, 1 = last: late mentions are asides
    "cue_in_last_sentences",  # closing boilerplate ("… gắn với Chỉ thị 05")
    "log_sentences",
    "passing_pattern",  # GUIDELINES' passing mention: not in title or lead, never named alone,
    # and a minor share beside the article's main campaign
)
# a campaign without a lexical model of its own (too few labels, or added to the YAML since)
# reads the shared model's logit in the campaign column: no indicator, which would tie "has
# no model" to "rare campaign" in the training labels and penalise every new campaign
LEXICAL = ("shared_lexical_logit", "campaign_lexical_logit")
PRIOR = ("campaign_prior_logit",)
TOPIC_PREFIX = "topic:"

_LIST_SEPARATORS = re.compile(r"[,;]")
CONTEXT_NEIGHBOURS = 1  # sentences either side of a cue sentence that the lexical models read


def _weight(hits: CampaignHits) -> int:
    """How much of the article a campaign occupies: sentences quoting it (title counts 2)."""
    return len(hits.sentence_cues) + 2 * (hits.title_cues > 0)


def base_features(
    doc: Document, hits: CampaignHits, all_hits: dict[str, CampaignHits]
) -> list[float]:
    n = max(len(doc.sentences), 1)
    cue_idx = sorted(hits.sentence_cues)
    others = [h for c, h in all_hits.items() if c != hits.campaign_id]
    solo = sum(1 for i in cue_idx if not any(i in h.sentence_cues for h in others))
    lead_par = doc.sentences[0].paragraph if doc.sentences else 0
    related = hits.title_related + sum(hits.sentence_related.values())
    top = max(_weight(h) for h in all_hits.values())
    return [
        float(hits.title_cues > 0),
        float(any(doc.sentences[i].paragraph == lead_par for i in cue_idx)),
        math.log1p(len(cue_idx)),
        len(cue_idx) / n,
        _weight(hits) / max(top, 1),
        math.log1p(solo),
        solo / len(cue_idx) if cue_idx else 0.0,
        math.log1p(related),
    ]


def _is_list_sentence(text: str) -> bool:
    """An enumeration: at least three separators in a sentence (programmes listed)."""
    return len(_LIST_SEPARATORS.findall(text)) >= 3


def structure_features(
    doc: Document, hits: CampaignHits, all_hits: dict[str, CampaignHits]
) -> list[float]:
    n = len(doc.sentences)
    cue_idx = sorted(hits.sentence_cues)
    k = max(len(cue_idx), 1)
    quoted = sum(hits.quoted.get(i, 0) > 0 for i in cue_idx)
    listed = sum(_is_list_sentence(doc.sentences[i].text) for i in cue_idx)
    first = cue_idx[0] / max(n - 1, 1) if cue_idx else 0.0
    last = float(bool(cue_idx) and n > 4 and min(cue_idx) >= n - 2)
    # named several ways in several places: cues quoted together in one sentence (a
    # resolution's full title lists several) count once per sentence naming the campaign
    places = len(cue_idx) + (hits.title_cues > 0)
    # e.g. emulation movements named only inside sentences about Directive 05, which fills
    # the article: an interaction of three features that a linear model cannot form itself
    b = dict(zip(BASE, base_features(doc, hits, all_hits), strict=True))
    passing = float(
        b["cue_in_title"] == 0
        and b["cue_in_lead"] == 0
        and b["log_solo_cue_sentences"] == 0
        and b["share_of_top_campaign"] < 0.5
    )
    return [
        math.log1p(min(len(hits.distinct_cues), places)),
        quoted / k,
        listed / k,
        first,
        last,
        math.log1p(n),
        passing,
    ]


def context_text(doc: Document, hits: CampaignHits) -> str:
    """What the lexical models read: the title and the cue sentences with their neighbours,
    lower-cased. The words around a cue tell a campaign report ("triển khai", "tổng kết",
    "hưởng ứng") from a single incident ("bị bắt", "tử vong") or another sense of the word."""
    keep: set[int] = set()
    for i in hits.sentence_cues:
        keep.update(range(i - CONTEXT_NEIGHBOURS, i + CONTEXT_NEIGHBOURS + 1))
    n = len(doc.sentences)
    body = " ".join(doc.sentences[i].text for i in sorted(keep) if 0 <= i < n)
    return f"{doc.title}\n{body}".lower()


@dataclass(frozen=True)
class FeatureSpec:
    """Which groups a theme model reads, in order; saved with the model so that loading checks
    it was trained on the same features."""

    groups: tuple[str, ...]
    topics: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        out: list[str] = []
        for g in self.groups:
            if g == "topics":
                out += [TOPIC_PREFIX + t for t in self.topics]
            else:
                out += list(GROUPS[g])
        return out


GROUPS: dict[str, tuple[str, ...]] = {
    "base": BASE,
    "structure": STRUCTURE,
    "lexical": LEXICAL,
    "prior": PRIOR,
}


def assemble(
    spec: FeatureSpec,
    doc: Document,
    hits: CampaignHits,
    all_hits: dict[str, CampaignHits],
    *,
    topic_probs: Mapping[str, float] | None,
    lexical: Sequence[float],
    prior: float,
) -> np.ndarray:
    """The feature vector of one candidate, in ``spec.names`` order. ``lexical`` is the
    (shared logit, campaign logit) pair; ``prior`` a log-odds."""
    parts: list[float] = []
    for g in spec.groups:
        if g == "base":
            parts += base_features(doc, hits, all_hits)
        elif g == "structure":
            parts += structure_features(doc, hits, all_hits)
        elif g == "lexical":
            parts += list(lexical)
        elif g == "prior":
            parts.append(prior)
        elif g == "topics":
            uniform = 1 / max(len(spec.topics), 1)
            parts += [float((topic_probs or {}).get(t, uniform)) for t in spec.topics]
    return np.asarray(parts, dtype=np.float64)
