"""ROUGE that reads Vietnamese: syllable tokens, lower-cased, diacritics kept.

The ``rouge-score`` package's default tokenizer keeps only ``[a-z0-9]``, so "Việt Nam" becomes
"vi t nam" and every tone-marked syllable is scored wrongly. :class:`SyllableTokenizer` is passed
to ``rouge_scorer.RougeScorer`` instead. Vietnamese words are written as space-separated
syllables, so syllables are the natural unit (as in the VietNews paper); text is normalised with
the project's :func:`~model.text.normalize` first so that ``hoà``/``hòa`` count as one token.

:func:`greedy_oracle` is the extractive upper bound used both for training labels and as the
"oracle" row of ``tinbai evaluate summaries``: add the sentence that most increases
ROUGE-1 F1 + ROUGE-2 F1 until the budget is reached or nothing improves (the greedy procedure
of Nallapati et al. 2017 / Liu & Lapata 2019). It uses its own fast n-gram counting; the
reported figures always come from ``rouge-score`` (:func:`rouge_scores`), and a test checks the
two agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tinbai.model.text import normalize

# A syllable: a run of letters (any script, diacritics included) and digits; punctuation and
# "_" (word-segmentation joiner) separate tokens.
SYLLABLE = re.compile(r"[^\W_]+")  # every summariser module tokenises with this
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def chunk_syllables(chunks: Sequence[str]) -> list[str]:
    """The syllables :data:`SYLLABLE` finds in the text ``chunks`` were split from by
    ``str.split()`` (a separator it splits on is never a syllable character). A chunk that
    ``str.isalnum`` is one syllable as it is — the characters ``[^\\W_]`` matches are exactly
    those — and most chunks are, so only the others (punctuation attached) go through the
    regex: half the cost of one ``findall`` over the text."""
    out: list[str] = []
    append, findall = out.append, SYLLABLE.findall
    for chunk in chunks:
        if chunk.isalnum():
            append(chunk)
        else:
            out += findall(chunk)
    return out


def syllables(text: str) -> list[str]:
    """Lower-cased syllable tokens of ``text`` with their diacritics."""
    return SYLLABLE.findall(normalize(text).lower())


class SyllableTokenizer:
    """The tokenizer object ``rouge_score.rouge_scorer.RougeScorer(tokenizer=...)`` expects."""

    def tokenize(self, text: str) -> list[str]:
        return syllables(text)


def rouge_scorer(types: Sequence[str] = ROUGE_TYPES) -> Any:
    from tinbai.extras import require

    require("eval", "ROUGE scores (summary evaluation)")
    from rouge_score import rouge_scorer as rs  # imported lazily: only evaluation needs it

    return rs.RougeScorer(list(types), use_stemmer=False, tokenizer=SyllableTokenizer())


def rouge_scores(reference: str, candidate: str, scorer: Any | None = None) -> dict[str, float]:
    """ROUGE-1/2/L F1 (0-1) of ``candidate`` against ``reference``, from ``rouge-score``."""
    scorer = scorer or rouge_scorer()
    result = scorer.score(reference, candidate)
    return {name: result[name].fmeasure for name in result}


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    return Counter(zip(*(tokens[i:] for i in range(n)), strict=False)) if n > 1 else Counter(tokens)


def f1(overlap: int, candidate_total: int, reference_total: int) -> float:
    if overlap == 0 or candidate_total == 0 or reference_total == 0:
        return 0.0
    p = overlap / candidate_total
    r = overlap / reference_total
    return 2 * p * r / (p + r)


def rouge_n_f1(reference: Sequence[str], candidate: Sequence[str], n: int) -> float:
    """ROUGE-N F1 on token lists (clipped n-gram counts, as ROUGE-1.5.5 and rouge-score)."""
    ref, cand = ngrams(reference, n), ngrams(candidate, n)
    overlap = sum((ref & cand).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def greedy_oracle(
    sentences: Sequence[Sequence[str]], reference: Sequence[str], k: int = 3
) -> list[int]:
    """Indices (sorted) of at most ``k`` sentences chosen greedily to maximise
    ROUGE-1 F1 + ROUGE-2 F1 against ``reference``; stops early when no sentence helps."""
    ref1, ref2 = ngrams(reference, 1), ngrams(reference, 2)
    total1, total2 = sum(ref1.values()), sum(ref2.values())
    sent1 = [ngrams(s, 1) for s in sentences]
    sent2 = [ngrams(s, 2) for s in sentences]
    chosen: list[int] = []
    have1: Counter = Counter()
    have2: Counter = Counter()
    best_score = 0.0
    for _ in range(min(k, len(sentences))):
        best_i, best_gain = -1, best_score
        for i in range(len(sentences)):
            if i in chosen:
                continue
            c1, c2 = have1 + sent1[i], have2 + sent2[i]
            score = f1(sum((c1 & ref1).values()), sum(c1.values()), total1) + f1(
                sum((c2 & ref2).values()), sum(c2.values()), total2
            )
            if score > best_gain:
                best_i, best_gain = i, score
        if best_i < 0:
            break
        chosen.append(best_i)
        have1 += sent1[best_i]
        have2 += sent2[best_i]
        best_score = best_gain
    return sorted(chosen)
