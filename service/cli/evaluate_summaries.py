"""``tinbai evaluate summaries --data FILE [--limit N] [--sentences 3]``.

Prints one JSON object with syllable-level ROUGE-1/2/L F1 (×100; lower-cased, diacritics kept)
of the bundle's summariser and, in the same run and on the same sentences from the same
splitter, of Lead-N and of the greedy oracle. Rows are VietNews-shaped: ``text`` is the body,
``summary`` the reference. Articles go through the same preparation as ``tinbai summarize``.
"""

from __future__ import annotations

import argparse
import time

from tinbai.model.predict import prepare_articles
from tinbai.model.summarize import Budget, Summarizer
from tinbai.model.summarize.rouge import greedy_oracle, rouge_scorer, syllables
from tinbai.service.cli import evaluate
from tinbai.service.cli.common import (
    UserError,
    batched,
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
    p.add_argument("--sentences", type=int, default=3, help="sentences per summary (default 3)")
    p.add_argument("--batch-size", type=int, default=256, help="articles per batch")


def run(args: argparse.Namespace) -> int:
    if args.sentences < 1:
        raise UserError("--sentences must be at least 1")
    bundle = get_bundle(args.model)
    summarizer = bundle.summarizer or Summarizer.from_config({"scorer": "lead.v1"})
    budget = Budget(sentences=args.sentences)
    scorer = rouge_scorer()
    totals = {name: {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0} for name in SYSTEMS}
    lengths = dict.fromkeys(SYSTEMS, 0)
    n = skipped = 0
    t0 = time.time()
    with progress(desc="evaluate summaries") as bar:
        for batch in batched(read_jsonl(args.data), args.batch_size):
            if args.limit is not None:
                batch = batch[: max(args.limit - n - skipped, 0)]
                if not batch:
                    break
            _, docs, errors = prepare_articles(batch)
            for rec, doc, err in zip(batch, docs, errors, strict=True):
                if err is not None:
                    raise UserError(f"row {n + skipped + 1}: {err}")
                reference = rec.get("summary") if isinstance(rec, dict) else None
                if not isinstance(reference, str) or not reference.strip():
                    raise UserError(f"row {n + skipped + 1}: no reference 'summary' field")
                if not doc.sentences:  # a title-only row has nothing to extract
                    skipped += 1
                    continue
                texts = [s.text for s in doc.sentences]
                chosen = {
                    "summarizer": [s.index for s in summarizer.summarize(doc, budget).sentences],
                    "lead": list(range(min(args.sentences, len(texts)))),
                    "oracle": greedy_oracle(
                        [syllables(t) for t in texts], syllables(reference), args.sentences
                    ),
                }
                for name, picked in chosen.items():
                    candidate = " ".join(texts[i] for i in picked)
                    scores = scorer.score(reference, candidate)
                    for key, value in scores.items():
                        totals[name][key] += value.fmeasure
                    lengths[name] += len(syllables(candidate))
                n += 1
            bar.update(len(batch))
    if n == 0:
        raise UserError(f"{args.data}: no rows to evaluate")
    result = {
        "target": "summaries",
        "data": args.data,
        "bundle": f"{bundle.name} {bundle.version}",
        "scorer": summarizer.scorer_name,
        "articles": n,
        "skipped_without_body": skipped,
        "sentences": args.sentences,
        "tokenizer": "syllables, lower-cased, diacritics kept (rouge-score, custom tokenizer)",
    }
    for name in SYSTEMS:
        result[name] = {key: round(100 * value / n, 2) for key, value in totals[name].items()}
        result[name]["mean_syllables"] = round(lengths[name] / n, 1)
    result["summarizer_minus_lead"] = {
        key: round(result["summarizer"][key] - result["lead"][key], 2) for key in totals["lead"]
    }
    result["seconds"] = round(time.time() - t0, 2)
    print_result(result, args)
    return 0


evaluate.EXTRA_TARGETS["summaries"] = (add_arguments, run)
