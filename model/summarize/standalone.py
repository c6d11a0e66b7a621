"""Does a sentence read on its own? Dependent openings and near-empty sentences.

An extractive summary lifts sentences out of their context, so a sentence that opens with a
connective ("Tuy nhiên, …", "Theo đó, …") or a bare pronoun / anaphor ("Ông cho biết…",
"Điều này…") points at a sentence the reader does not have, and a near-empty one ("Vụ việc
đang được làm rõ.") spends a summary slot on nothing. The word lists are data, not code:
``configs/standalone.yaml``, validated at load. Matching is on lower-cased syllables, so it is
cheap enough to run on every sentence the summariser considers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.summarize.rouge import SYLLABLE, chunk_syllables, syllables
from tinbai.model.yamlfile import ConfigError, read_validated

DEFAULT_STANDALONE_PATH = CONFIG_DIR / "standalone.yaml"


class StandaloneRulesError(ConfigError):
    """A rules file that cannot be used; the message names the file and the field."""


class Reading(StrEnum):
    """Why a sentence does not read on its own (or that it does)."""

    STANDALONE = "standalone"
    CONNECTIVE = "connective"  # opens by continuing the previous sentence
    ANAPHORA = "anaphora"  # opens with a pronoun / anaphor and no name after it
    NEAR_EMPTY = "near_empty"  # too few content syllables to be worth a summary slot


# The members as module globals for the per-sentence code: reading one off the class costs
# ~0.1 µs (a thousand instructions) in Python 3.11, a global a tenth of that.
STANDALONE, CONNECTIVE, ANAPHORA, NEAR_EMPTY = (
    Reading.STANDALONE,
    Reading.CONNECTIVE,
    Reading.ANAPHORA,
    Reading.NEAR_EMPTY,
)


def _phrases(values: list[str]) -> list[str]:
    out = []
    for v in values:
        words = syllables(v)
        if not words:
            raise ValueError(f"phrase {v!r} has no syllables")
        out.append(" ".join(words))
    return out


class StandaloneRules(BaseModel):
    """The validated content of ``configs/standalone.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connectives: list[str] = Field(min_length=1)
    anaphora: list[str] = Field(min_length=1)
    anaphora_lead_ins: list[str] = Field(default_factory=list)
    not_anaphora: list[str] = Field(default_factory=list)
    min_content_syllables: int = Field(4, ge=0)
    function_syllables: list[str] = Field(default_factory=list)

    _check = field_validator(
        "connectives", "anaphora", "anaphora_lead_ins", "not_anaphora", "function_syllables"
    )(_phrases)


# phrase table: first syllable → the phrases it starts, as syllable tuples, longest first
Table = dict[str, tuple[tuple[str, ...], ...]]


def _prefix_table(phrases: Sequence[str]) -> Table:
    table: dict[str, set[tuple[str, ...]]] = {}
    for p in phrases:
        words = tuple(p.split())
        table.setdefault(words[0], set()).add(words)
    return {w: tuple(sorted(v, key=len, reverse=True)) for w, v in table.items()}


def _match(table: Table, words: Sequence[str], at: int) -> int:
    """Length of the longest phrase of ``table`` starting at ``words[at]`` (0: none)."""
    for phrase in table.get(words[at], ()) if at < len(words) else ():
        if tuple(words[at : at + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def _longest(table: Table) -> int:
    return max((len(p[0]) for p in table.values()), default=0)


@dataclass(frozen=True)
class StandaloneDetector:
    """Classifies sentences with one :class:`StandaloneRules`; build it with
    :func:`load_detector`."""

    connectives: Table
    anaphora: Table
    lead_ins: Table
    exceptions: Table
    function: frozenset[str]
    min_content: int

    @cached_property
    def window(self) -> int:
        """Syllables an opening can span: the longest lead-in and anaphor, and the one after."""
        after = max(_longest(self.anaphora), _longest(self.exceptions)) + 1
        return max(_longest(self.connectives), _longest(self.lead_ins) + after)

    @cached_property
    def openers(self) -> frozenset[str]:
        """First syllables of every phrase: any other sentence opening is not checked."""
        return frozenset(self.connectives) | set(self.anaphora) | set(self.lead_ins)

    @classmethod
    def from_rules(cls, rules: StandaloneRules) -> StandaloneDetector:
        return cls(
            _prefix_table(rules.connectives),
            _prefix_table(rules.anaphora),
            _prefix_table(rules.anaphora_lead_ins),
            _prefix_table(rules.not_anaphora),
            frozenset(rules.function_syllables),
            rules.min_content_syllables,
        )

    def classify(self, text: str) -> Reading:
        """How ``text`` (one sentence, already normalised as ``prepare`` leaves it) reads.
        Only the opening is read unless the sentence is short of content, so a long sentence
        costs about as little as a short one (selection classifies ~10 an article)."""
        chunks = text.split(None, self.window)
        rest = chunks.pop() if len(chunks) > self.window else ""
        raw = chunk_syllables(chunks)
        if len(raw) < self.window and rest:  # punctuation-only chunks: read further
            raw += SYLLABLE.findall(rest)
            rest = ""
        if not raw:
            return NEAR_EMPTY
        opening = self._opening(raw)
        if opening is not None:
            return opening
        content = self._content(raw, 0)
        if content < self.min_content and rest:  # the rest is tokenised only when needed
            content = self._content(SYLLABLE.findall(rest), content)
        return STANDALONE if content >= self.min_content else NEAR_EMPTY

    def _content(self, words: Sequence[str], content: int) -> int:
        """``content`` plus the content syllables of ``words``, counting up to the minimum."""
        for w in words:
            if content >= self.min_content:
                break
            content += w.lower() not in self.function
        return content

    def _opening(self, raw: Sequence[str]) -> Reading | None:
        """CONNECTIVE or ANAPHORA from the opening syllables ``raw``, else None."""
        if raw[0].lower() not in self.openers:
            return None
        raw = raw[: self.window]
        words = [w.lower() for w in raw]
        if _match(self.connectives, words, 0):
            return CONNECTIVE
        lead_in = _match(self.lead_ins, words, 0)
        if self._bare_anaphor(raw, words, 0) or (
            lead_in and self._bare_anaphor(raw, words, lead_in)
        ):
            return ANAPHORA
        return None

    def _bare_anaphor(self, raw: Sequence[str], words: Sequence[str], at: int) -> bool:
        if _match(self.exceptions, words, at):
            return False
        n = _match(self.anaphora, words, at)
        if not n:
            return False
        following = raw[at + n] if at + n < len(raw) else ""
        # "Ông Nguyễn Văn A", "Vụ án Đồng Tâm": a capitalised name right after it resolves it.
        return not (following[:1].isupper() or following[:1].isdigit())

    def classify_all(self, texts: Sequence[str]) -> list[Reading]:
        return [self.classify(t) for t in texts]


def orphans(readings: Sequence[Reading], chosen: Sequence[int]) -> list[int]:
    """The chosen sentences that do not read on their own in a summary made of ``chosen``:
    near-empty ones, and dependent ones whose previous sentence is not chosen too (the
    first sentence's antecedent — the removed lead, or nothing — is never in a summary)."""
    picked = set(chosen)
    out = []
    for i in sorted(picked):
        r = readings[i]
        if r is NEAR_EMPTY or (r is not STANDALONE and i - 1 not in picked):
            out.append(i)
    return out


def load_rules(path: Path = DEFAULT_STANDALONE_PATH) -> StandaloneRules:
    """Read and validate a rules file; :class:`StandaloneRulesError` names what is wrong."""
    return read_validated(path, StandaloneRules, StandaloneRulesError)


@lru_cache(maxsize=4)
def load_detector(path: Path = DEFAULT_STANDALONE_PATH) -> StandaloneDetector:
    """The detector of a rules file (cached: read once a process)."""
    return StandaloneDetector.from_rules(load_rules(path))


class LazyReadings:
    """The readings of one article's sentences, classified on first use: selection asks
    only about the dozen best-ranked sentences, not all of them."""

    def __init__(self, texts: Sequence[str], detector: StandaloneDetector | None = None) -> None:
        self.texts = texts
        self.detector = detector or load_detector()
        self._cache: dict[int, Reading] = {}

    def __getitem__(self, i: int) -> Reading:
        r = self._cache.get(i)
        if r is None:
            r = self._cache[i] = self.detector.classify(self.texts[i])
        return r

    def dependent(self, i: int) -> bool:
        """Not standalone: a dependent opening, or near-empty."""
        return self[i] is not STANDALONE
