"""The summariser interface, budgets and the bundle-side loader."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tinbai.model import registry
from tinbai.model.limits import SummarizerLimits, default_summary_sentences, load_limits
from tinbai.model.reporting import describe_errors
from tinbai.model.summarize.rouge import SYLLABLE
from tinbai.model.summarize.standalone import NEAR_EMPTY, LazyReadings
from tinbai.model.summarize.tokens import ArticleTerms
from tinbai.model.text import Document

CONFIG_FILE = "summarizer.json"


@dataclass(frozen=True)
class Budget:
    """How long a summary may be: ``sentences`` (default: limits' ``default_sentences``), or
    ``max_chars``, or ``ratio`` of the body's sentences. Exactly one applies; a non-empty
    article always gets ≥ 1 sentence."""

    sentences: int | None = None
    max_chars: int | None = None
    ratio: float | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.sentences, self.max_chars, self.ratio) if x is not None]
        if len(given) > 1:
            raise ValueError("give only one of sentences, max_chars, ratio")
        if self.sentences is not None and self.sentences < 1:
            raise ValueError("sentences must be at least 1")
        if self.max_chars is not None and self.max_chars < 1:
            raise ValueError("max_chars must be at least 1")
        if self.ratio is not None and not 0 < self.ratio <= 1:
            raise ValueError("ratio must be in (0, 1]")


_NO_BUDGET = Budget()  # what a caller who gives no budget passes (built once, not per article)


@dataclass(frozen=True)
class SummarySentence:
    index: int  # position among the article's body sentences
    text: str
    score: float


@dataclass(frozen=True)
class Summary:
    sentences: tuple[SummarySentence, ...]  # document order

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """The stable output shape of ``tinbai summarize`` (without the id)."""
        return {
            "summary": self.text,
            "sentences": [
                {"index": s.index, "text": s.text, "score": round(s.score, 4)}
                for s in self.sentences
            ],
        }


# Sentence scorers: name → factory(config dict, directory) returning score(doc) -> np.ndarray.
Scorer = Callable[[Document], np.ndarray]
SCORERS = registry.scorers


_SCORER_KEYS: dict[str, frozenset[str]] = {}  # scorer name → the config keys it reads


def register_scorer(name: str, config_keys: Sequence[str] = ()) -> Callable:
    """Register a scorer factory; ``config_keys`` are the summariser-config keys it reads
    (anything else in a config is a mistake the loader reports)."""
    _SCORER_KEYS[name] = frozenset(config_keys)
    return registry.scorers.register(name)


@register_scorer("lead.v1")
def _lead(config: dict[str, Any], directory: Path | None) -> Scorer:
    """Lead baseline: earlier sentences score higher (Lead-N when N are selected)."""

    def score(doc: Document) -> np.ndarray:
        n = len(doc.sentences)
        return np.array([1.0 - i / max(n, 1) for i in range(n)])

    return score


class SummarizerConfig(BaseModel):
    """What ``summarizer.json`` may say: the scorer, its feature list, and the selection
    settings training tunes. Typed so a misspelt key fails at load instead of silently
    selecting with a default."""

    model_config = ConfigDict(extra="allow", frozen=True)  # a scorer's own keys, checked below

    scorer: str = "lead.v1"
    anchor_lead_paragraph: bool = False  # an article's lead paragraph is always chosen first
    max_trigram_overlap: float = Field(default=1.0, ge=0.0, le=1.0)  # 1.0: no redundancy cut
    length_target: float | None = Field(default=None, ge=0.0)  # syllables/sentence; None: off
    length_candidates: int = Field(default=8, ge=1)
    overlap_discount: float = Field(default=0.0, ge=0.0)
    orphan_penalty: float = Field(default=0.0, ge=0.0)  # 0: dependent sentences not penalised


def parse_summarizer_config(config: dict[str, Any]) -> SummarizerConfig:
    """Validate a summariser config; a bad key or value is one ValueError naming it. Keys
    beyond the selection settings must be ones the scorer declared (``register_scorer``)."""
    try:
        settings = SummarizerConfig.model_validate(config)
    except ValidationError as exc:
        raise ValueError(f"summariser config: {describe_errors(exc)}") from None
    unknown = sorted(set(settings.model_extra or {}) - _SCORER_KEYS.get(settings.scorer, set()))
    if unknown:
        raise ValueError(
            f"summariser config: unknown key(s) {', '.join(map(repr, unknown))} "
            f"(scorer {settings.scorer!r} reads {sorted(_SCORER_KEYS.get(settings.scorer, ()))})"
        )
    return settings


class Summarizer:
    """Scores sentences with a named scorer and selects them under a :class:`Budget`."""

    def __init__(
        self,
        scorer_name: str,
        scorer: Scorer,
        config: dict[str, Any] | None = None,
        limits: SummarizerLimits | None = None,
    ) -> None:
        self.scorer_name = scorer_name
        self.scorer = scorer
        self.config = config or {}  # saved back as given (summarizer.json)
        self.settings = parse_summarizer_config({**self.config, "scorer": scorer_name})
        self.limits = limits or load_limits().summarizer

    @classmethod
    def from_config(cls, config: dict[str, Any], directory: Path | None = None) -> Summarizer:
        name = config.get("scorer", SummarizerConfig().scorer)
        if name not in SCORERS:
            raise ValueError(f"unknown sentence scorer {name!r} (known: {sorted(SCORERS)})")
        factory = SCORERS[name]  # imports the scorer's module, which declares its keys
        parse_summarizer_config(config)
        return cls(name, factory(config, directory), config)

    def to_config(self) -> dict[str, Any]:
        return {**self.config, "scorer": self.scorer_name}

    def summarize(self, doc: Document, budget: Budget | None = None) -> Summary:
        if budget is None or budget == _NO_BUDGET:  # no budget given: the configured length
            budget = Budget(sentences=self.limits.default_sentences)
        if not doc.sentences:
            return Summary(())
        doc = bounded_prefix(doc, self.limits)
        settings = self.settings
        target = settings.length_target
        length_aware = bool(target) and budget.max_chars is None and budget.ratio is None
        # Each sentence tokenised once, for the scorer, the redundancy check and the selection.
        terms = ArticleTerms(doc)
        reads_tokens = getattr(self.scorer, "reads_tokens", False)
        raw = self.scorer(doc, terms) if reads_tokens else self.scorer(doc)
        scores = np.asarray(raw, dtype=np.float64)
        order = np.argsort(-scores, kind="stable").tolist()  # best first; ties: earlier first
        anchored = settings.anchor_lead_paragraph and has_lead_paragraph(doc)
        if anchored:
            order.remove(0)
            order.insert(0, 0)
        max_overlap = settings.max_trigram_overlap
        if max_overlap < 1.0:
            order = drop_redundant(doc, order, max_overlap, terms.words)
        penalty = settings.orphan_penalty
        candidates = settings.length_candidates
        readings = None
        if penalty > 0:
            readings = LazyReadings([s.text for s in doc.sentences])
            order = near_empty_last(order, readings, candidates if length_aware else None)
            if anchored and order[0] != 0:  # an anchored lead stays first, whatever it reads
                order.remove(0)
                order.insert(0, 0)
        if length_aware:
            chosen = select_length_aware(
                doc,
                order,
                scores,
                budget.sentences or self.limits.default_sentences,
                float(target),
                candidates,
                settings.overlap_discount,
                keep_first=anchored,
                dependent=readings.dependent if readings else None,
                orphan_penalty=penalty,
                terms=terms,
            )
        else:
            chosen = select(doc, order, budget, readings.dependent if readings else None)
        return Summary(
            tuple(
                SummarySentence(i, doc.sentences[i].text, float(scores[i])) for i in sorted(chosen)
            )
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_FILE).write_text(
            json.dumps(self.to_config(), indent=2), encoding="utf-8"
        )


def bounded_prefix(doc: Document, limits: SummarizerLimits) -> Document:
    """The first body sentences of ``doc`` that the summariser may read: at most
    ``limits.max_sentences``, and fewer when (sentences + 1) × distinct syllables — the size
    of the dense feature matrices — would pass ``limits.max_feature_cells``; never fewer than
    one. Linear in the text, and ``doc`` itself when it is within the bounds (ordinary
    articles are far below them), so outputs on them cannot change."""
    cap = min(len(doc.sentences), limits.max_sentences)
    sentences = doc.sentences[:cap]
    # Cheap test first: an article has no more distinct syllables than characters.
    chars = len(doc.title) + sum(len(s.text) for s in sentences)
    if (cap + 1) * (chars + 1) > limits.max_feature_cells:
        seen = set(SYLLABLE.findall(doc.title.lower()))
        keep = 0
        for s in sentences:
            seen.update(SYLLABLE.findall(s.text.lower()))
            if keep and (keep + 2) * max(len(seen), 1) > limits.max_feature_cells:
                break
            keep += 1
        cap = keep
    if cap == len(doc.sentences):
        return doc
    segmented = doc.segmented_sentences
    return replace(
        doc,
        sentences=doc.sentences[:cap],
        segmented_sentences=segmented[:cap] if segmented is not None else None,
    )


def has_lead_paragraph(doc: Document, max_sentences: int = 2) -> bool:
    """True when the article opens with a short paragraph of its own: the lead (sapo) that
    Vietnamese news puts before the body, which is the best summary sentence there is.
    (VietNews bodies have their sapo removed — it is the ROUGE reference — and no paragraph
    breaks, so a ranker trained on them cannot learn this; the rule never fires on them.)"""
    if len(doc.sentences) < 2 or doc.sentences[-1].paragraph == 0:
        return False
    return sum(1 for s in doc.sentences if s.paragraph == 0) <= max_sentences


def _trigrams(words: Sequence[str]) -> set[tuple[str, str, str]]:
    return set(zip(words, words[1:], words[2:], strict=False))


def drop_redundant(
    doc: Document,
    order: list[int],
    max_overlap: float,
    words: Sequence[Sequence[str]] | None = None,
) -> list[int]:
    """Redundancy control (trigram blocking, Paulus et al. 2018, softened): move a sentence to
    the back of ``order`` when more than ``max_overlap`` of its word trigrams already occur in
    better-ranked sentences that were kept. Moved sentences still fill a budget that the
    non-redundant ones cannot, so a summary is never emptier than without the check.
    ``words``: each sentence's lower-cased whitespace words (:attr:`ArticleTerms.words`)."""
    if words is None:
        words = ArticleTerms(doc).words
    kept: list[int] = []
    moved: list[int] = []
    seen: set[tuple[str, str, str]] = set()
    for i in order:
        grams = _trigrams(words[i])
        if kept and grams and len(grams & seen) / len(grams) > max_overlap:
            moved.append(i)
            continue
        kept.append(i)
        seen |= grams
    return kept + moved


def select(
    doc: Document,
    order: list[int],
    budget: Budget,
    dependent: Callable[[int], bool] | None = None,
) -> list[int]:
    """Take sentences best-first until the budget is used; never return nothing. With
    ``dependent`` (sentences that do not read on their own), such a sentence is taken only
    once its previous sentence is, unless the budget cannot be filled otherwise."""
    if dependent is not None:
        order = _antecedents_first(order, dependent)
    n = len(doc.sentences)
    if budget.max_chars is not None:
        chosen, used = [], 0
        for i in order:
            length = len(doc.sentences[i].text) + (1 if chosen else 0)
            if used + length <= budget.max_chars:
                chosen.append(i)
                used += length
        return chosen or order[:1]
    if budget.ratio is not None:
        k = max(1, round(budget.ratio * n))
    else:
        k = budget.sentences or default_summary_sentences()
    return order[: min(k, n)]


def near_empty_last(order: list[int], readings: LazyReadings, limit: int | None) -> list[int]:
    """``order`` with its near-empty sentences moved behind the others; with ``limit``, only
    as far as the first ``limit`` other sentences are concerned (the length-aware selection
    never looks further), so the rest of the article is never classified."""
    kept: list[int] = []
    empty: list[int] = []
    for k, i in enumerate(order):
        if limit is not None and len(kept) >= limit:
            return kept + empty + order[k:]
        (empty if readings[i] is NEAR_EMPTY else kept).append(i)
    return kept + empty


def _antecedents_first(order: list[int], dependent: Callable[[int], bool]) -> list[int]:
    """``order`` with each dependent sentence moved to just after its previous sentence when
    that one comes later, and to the back when its previous sentence is not in ``order`` (or
    it is the first sentence), so that best-first selection takes it only with its antecedent."""
    position = {i: k for k, i in enumerate(order)}
    keys = []
    for k, i in enumerate(order):
        if not dependent(i):
            keys.append((k, 0))
        elif i - 1 in position:
            keys.append((max(k, position[i - 1]), 1))
        else:
            keys.append((len(order) + k, 0))
    return [i for _, i in sorted(zip(keys, order, strict=True))]


@lru_cache(maxsize=16)
def _subsets(n: int, k: int) -> np.ndarray:
    return np.array(list(combinations(range(n), k)), dtype=np.intp).reshape(-1, k)


def _shared_counts(counts: np.ndarray) -> np.ndarray:
    """``shared[i, j] = Σₜ min(counts[i, t], counts[j, t])`` for rows of whole term counts.
    ``min(a, b)`` is ``[a ≥ 1]·[b ≥ 1] + min(a - 1, b - 1)`` for counts, so one matrix product
    of the presence rows counts every shared syllable once, and only the few syllables a
    sentence repeats go through the pairwise minimum (the costly broadcast, on all of the
    pool's syllables, was most of the selection's time). Sums of whole numbers in float64
    are exact in any order: the same matrix as the minimum over every column."""
    present = (counts > 0).astype(np.float64)
    shared = present @ present.T
    repeats = counts - present
    repeats = repeats[:, repeats.any(axis=0)]
    if repeats.shape[1]:
        shared += np.minimum(repeats[:, None, :], repeats[None, :, :]).sum(axis=2)
    return shared


def select_length_aware(
    doc: Document,
    order: list[int],
    scores: np.ndarray,
    k: int,
    target: float,
    candidates: int,
    discount: float = 0.0,
    keep_first: bool = False,
    dependent: Callable[[int], bool] | None = None,
    orphan_penalty: float = 0.0,
    terms: ArticleTerms | None = None,
) -> list[int]:
    """Pick the ``k`` of the ``candidates`` best-ranked sentences that maximise the expected
    ROUGE-1 F1 against a reference of about ``target`` syllables, reading each score as the
    sentence's expected precision (the ``ranker.v1`` target): expected matches
    ``m = Σ pᵢ·Lᵢ``, less ``discount`` × each pair's shared syllables (clipped counts) times
    their mean precision — a syllable the sapo holds once is matched once, however many
    chosen sentences repeat it — then precision ``m / ΣLᵢ`` and recall ``min(m / target,
    1)``. Top-k by score ignores length: three sentences are usually twice as long as the sapo,
    so recall saturates and F1 follows the length-weighted precision, which a long middling
    sentence drags down far more than a short one; and it prefers sentences that repeat
    the others least. ``keep_first``: every subset holds ``order[0]`` (an anchored lead).
    ``dependent`` / ``orphan_penalty``: a subset loses ``orphan_penalty`` of expected F1 for
    each dependent sentence it holds without the sentence before it, so a summary reads on
    its own: such a sentence comes with its antecedent or gives way to the next best.
    ``terms``: the article's tokens, when the caller has them already."""
    k = min(k, len(order))
    pool = np.array(order[: max(candidates, k)], dtype=np.intp)
    if len(pool) <= k:
        return [int(i) for i in pool]
    if terms is None:
        terms = ArticleTerms(doc)
    lengths = np.array([max(terms.sizes[i], 1) for i in pool.tolist()], dtype=np.float64)
    precision = np.clip(scores[pool], 0.0, 1.0)
    subsets = _subsets(len(pool), k)
    if keep_first:
        subsets = subsets[subsets[:, 0] == 0]
    matched = (precision * lengths)[subsets].sum(axis=1)
    if discount > 0 and k > 1:
        shared = _shared_counts(terms.counts[pool])
        pair_cost = shared * (precision[:, None] + precision[None, :]) / 2
        for a, b in combinations(range(k), 2):
            matched -= discount * pair_cost[subsets[:, a], subsets[:, b]]
    total = lengths[subsets].sum(axis=1)
    p = matched / total
    r = np.minimum(matched / target, 1.0)
    f1 = 2 * p * r / np.maximum(p + r, 1e-12)
    is_dependent = np.array([dependent(i) for i in pool.tolist()]) if dependent else None
    if is_dependent is not None and orphan_penalty > 0 and is_dependent.any():
        members = pool[subsets]
        has_previous = (members[:, :, None] - 1 == members[:, None, :]).any(axis=2)
        f1 -= orphan_penalty * (is_dependent[subsets] & ~has_previous).sum(axis=1)
    best = subsets[int(np.argmax(f1))]  # ties: the earliest subset, i.e. the better-ranked
    return [int(i) for i in pool[best]]


def load_summarizer(directory: Path) -> Summarizer:
    from tinbai.model.bundle import read_json

    config = read_json(Path(directory) / CONFIG_FILE)
    return Summarizer.from_config(config, Path(directory))
