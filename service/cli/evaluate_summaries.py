"""``tinbai evaluate summaries --data FILE [--limit N] [--sentences 3]``.

Prints one JSON object with syllable-level ROUGE-1/2/L F1 (×100; lower-cased, diacritics kept)
of the bundle's summariser and, in the same run and on the same sentences from the same
splitter, of Lead-N and of the greedy oracle, and the share of each one's chosen sentences
that do not read on their own (``not_standalone_percent``). ``--skip`` / ``--limit`` select a
row range, ``--block-size`` adds the same figures per block of rows. Rows are VietNews-shaped:
``text`` is the body, ``summary`` the reference. Articles go through the same preparation as
``tinbai summarize``.
"""

from __future__ import annotations

import argparse
import time
from itertools import islice
from typing import Any

from tinbai.model.limits import default_summary_sentences
from tinbai.model.predict import batched, default_summarizer, prepare_records
from tinbai.model.summarize import Budget, Summarizer
from tinbai.model.summarize.rouge import greedy_oracle, rouge_scorer, syllables
from tinbai.model.summarize.standalone import load_detector, orphans
from tinbai.model.text import Document
from tinbai.service.cli.common import (
    EvaluateTarget,
    UserError,
    get_bundle,
    print_result,
    progress,
    read_jsonl,
)

SYSTEMS = ("summarizer", "lead", "oracle")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = "ROUGE of the summariser, Lead-N and the greedy oracle on one data file"
    p.add_argument("--data", required=True, help="JSONL(.gz) with text, title? and 'summary'")
    p.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    p.add_argument("--limit", type=int, help="evaluate the first N rows only")
    p.add_argument("--skip", type=int, default=0, help="start after the first N rows")
    p.add_argument(
        "--block-size",
        type=int,
        help="also report each block of N consecutive rows (val's sources vary by row range)",
    )
    p.add_argument(
        "--sentences",
        type=int,
        help="sentences per summary (default: summarizer.default_sentences, configs/limits.yaml)",
    )
    p.add_argument("--batch-size", type=int, default=256, help="articles per batch")


class _Totals:
    """Sums of ROUGE F1, summary syllables and chosen / not-standalone sentences per system."""

    def __init__(self) -> None:
        self.n = 0
        self.rouge = {name: {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0} for name in SYSTEMS}
        self.syllables = dict.fromkeys(SYSTEMS, 0)
        self.chosen = dict.fromkeys(SYSTEMS, 0)
        self.orphans = dict.fromkeys(SYSTEMS, 0)

    def add(self, name: str, scores: dict[str, Any], length: int, chosen: int, alone: int) -> None:
        """One system's figures on one article (``scores``: rouge-score's, by ROUGE kind)."""
        for key, value in scores.items():
            self.rouge[name][key] += value.fmeasure
        self.syllables[name] += length
        self.chosen[name] += chosen
        self.orphans[name] += alone

    def result(self) -> dict[str, Any]:
        n = max(self.n, 1)
        out: dict[str, Any] = {}
        for name in SYSTEMS:
            out[name] = {key: round(100 * value / n, 2) for key, value in self.rouge[name].items()}
            out[name]["mean_syllables"] = round(self.syllables[name] / n, 1)
        out["summarizer_minus_lead"] = {
            key: round(out["summarizer"][key] - out["lead"][key], 2) for key in self.rouge["lead"]
        }
        # Share of chosen sentences that do not read on their own in their summary
        # (model/summarize/standalone.py: a dependent opening without its antecedent, or
        # near-empty), in percent.
        out["not_standalone_percent"] = {
            name: round(100 * self.orphans[name] / max(self.chosen[name], 1), 2) for name in SYSTEMS
        }
        return out


def _check_arguments(args: argparse.Namespace) -> None:
    if args.sentences is None:
        args.sentences = default_summary_sentences()
    if args.sentences < 1:
        raise UserError("--sentences must be at least 1")
    if args.skip < 0:
        raise UserError("--skip must not be negative")
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    if args.block_size is not None and args.block_size < 1:
        raise UserError("--block-size must be at least 1")


def _reference(rec: Any, row: int) -> str:
    reference = rec.get("summary") if isinstance(rec, dict) else None
    if not isinstance(reference, str) or not reference.strip():
        raise UserError(f"row {row}: no reference 'summary' field")
    return reference


def _chosen(
    summarizer: Summarizer, doc: Document, budget: Budget, reference: str, k: int
) -> dict[str, list[int]]:
    """The sentences each system picks from the same split of ``doc``."""
    texts = [s.text for s in doc.sentences]
    return {
        "summarizer": [s.index for s in summarizer.summarize(doc, budget).sentences],
        "lead": list(range(min(k, len(texts)))),
        "oracle": greedy_oracle([syllables(t) for t in texts], syllables(reference), k),
    }


def _block_results(blocks: dict[int, _Totals], block_size: int, rows_end: int) -> list[dict]:
    """Per block of ``block_size`` rows: its row range, article count and figures."""
    keys = ("summarizer", "lead", "oracle", "summarizer_minus_lead", "not_standalone_percent")
    return [
        {
            "rows": [b * block_size, min((b + 1) * block_size, rows_end)],
            "articles": t.n,
            **{key: value for key, value in t.result().items() if key in keys},
        }
        for b, t in sorted(blocks.items())
    ]


def run(args: argparse.Namespace) -> int:
    """ROUGE of three systems over one file: one pass that scores the summariser, Lead-N and
    the oracle on the same sentences, then one JSON object."""
    _check_arguments(args)
    bundle = get_bundle(args.model)
    summarizer = default_summarizer(bundle)
    budget = Budget(sentences=args.sentences)
    scorer = rouge_scorer()
    detector = load_detector()
    totals = _Totals()
    blocks: dict[int, _Totals] = {}
    row = args.skip  # 0-based number of the next row in the file
    skipped = 0
    t0 = time.time()
    stop = None if args.limit is None else args.skip + args.limit
    with progress(desc="evaluate summaries") as bar:
        for batch in batched(islice(read_jsonl(args.data), args.skip, stop), args.batch_size):
            for p in prepare_records(batch):
                row += 1
                if not p.ok:
                    raise UserError(f"row {row}: {p.error}")
                reference = _reference(p.record, row)
                if not p.doc.sentences:  # a title-only row has nothing to extract
                    skipped += 1
                    continue
                chosen = _chosen(summarizer, p.doc, budget, reference, args.sentences)
                texts = [s.text for s in p.doc.sentences]
                readings = detector.classify_all(texts)
                targets = [totals]
                if args.block_size:
                    targets.append(blocks.setdefault((row - 1) // args.block_size, _Totals()))
                for t in targets:
                    t.n += 1
                for name, picked in chosen.items():
                    candidate = " ".join(texts[i] for i in picked)
                    scores = scorer.score(reference, candidate)
                    length = len(syllables(candidate))
                    alone = len(orphans(readings, picked))
                    for t in targets:
                        t.add(name, scores, length, len(picked), alone)
            bar.update(len(batch))
    if totals.n == 0:
        raise UserError(f"{args.data}: no rows to evaluate")
    result: dict[str, Any] = {
        "target": "summaries",
        "data": args.data,
        "bundle": f"{bundle.name} {bundle.version}",
        "scorer": summarizer.scorer_name,
        "articles": totals.n,
        "skipped_without_body": skipped,
        "sentences": args.sentences,
        "tokenizer": "syllables, lower-cased, diacritics kept (rouge-score, custom tokenizer)",
    }
    if args.skip:
        result["first_row"] = args.skip
    result.update(totals.result())
    if args.block_size:
        result["blocks"] = _block_results(blocks, args.block_size, row)
    result["seconds"] = round(time.time() - t0, 2)
    print_result(result, args)
    return 0


TARGET = EvaluateTarget(
    add_arguments,
    run,
    help="syllable ROUGE-1/2/L of the summariser beside Lead-N and the oracle, and the share "
    "of sentences that do not read on their own",
)
