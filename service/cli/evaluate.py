"""``tinbai evaluate {topics,campaigns,…} --data FILE``: one JSON object of metrics on stdout.

Evaluation drives the bundle through the same preparation and tagging path as ``tinbai tag``,
so the figures describe the product, not a side path.
"""

from __future__ import annotations

import argparse
import time

from tinbai.model.bundle import Bundle
from tinbai.model.predict import batched, tag_records
from tinbai.model.registry import evaluate_targets
from tinbai.service.cli.common import (
    UserError,
    add_format_argument,
    get_bundle,
    print_result,
    progress,
    read_jsonl,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="measure a bundle on labelled data")
    targets = p.add_subparsers(dest="target", required=True, metavar="TARGET")
    for name, help_text, gold_field in (
        (
            "topics",
            "accuracy, macro-F1, per-class F1, confusion and ECE of the topic head",
            "topic",
        ),
        ("campaigns", "micro/macro F1, precision and recall of campaign tags", "campaigns"),
    ):
        t = targets.add_parser(name, help=help_text)
        t.add_argument("--data", required=True, help=f"JSONL(.gz) with text and '{gold_field}'")
        t.add_argument("--model", help="bundle directory (default: the shipped bundle)")
        t.add_argument("--limit", type=int, help="evaluate the first N rows only")
        t.add_argument("--batch-size", type=int, default=64, help="rows per model call")
        add_format_argument(t)
        t.set_defaults(run=run, gold_field=gold_field)
    for name in evaluate_targets:
        try:
            target = evaluate_targets[name]
        except ImportError:  # a target whose dependencies are not installed
            continue
        t = targets.add_parser(name, help=target.help, description=target.help)
        target.add_arguments(t)
        add_format_argument(t)
        t.set_defaults(run=target.run)


def _predict(bundle: Bundle, args: argparse.Namespace) -> tuple[list, list[dict]]:
    rows, preds = [], []
    records = read_jsonl(args.data)
    with progress(desc=f"evaluate {args.target}") as bar:
        for batch in batched(records, args.batch_size):
            if args.limit is not None:
                batch = batch[: max(args.limit - len(rows), 0)]
                if not batch:
                    break
            out = tag_records(bundle, batch)
            for rec, pred in zip(batch, out, strict=True):
                if "error" in pred:
                    raise UserError(f"row {len(rows) + 1} ({pred.get('id')}): {pred['error']}")
                if not isinstance(rec, dict) or args.gold_field not in rec:
                    raise UserError(f"row {len(rows) + 1}: no gold '{args.gold_field}' field")
                rows.append(rec)
                preds.append(pred)
            bar.update(len(batch))
    return rows, preds


def run(args: argparse.Namespace) -> int:
    from tinbai.training.metrics import campaign_metrics, topic_metrics

    bundle = get_bundle(args.model)
    t0 = time.time()
    rows, preds = _predict(bundle, args)
    if not rows:
        raise UserError(f"{args.data}: no rows to evaluate")
    if args.target == "topics":
        result = topic_metrics(
            [r["topic"] for r in rows],
            [p["topic"]["label"] for p in preds],
            bundle.taxonomy.topic_ids,
            confidences=[p["topic"]["score"] for p in preds],
        )
    else:
        result = campaign_metrics(
            [set(r["campaigns"]) for r in rows],
            [{c["id"] for c in p["campaigns"]} for p in preds],
            bundle.taxonomy.campaign_ids,
        )
    result = {
        "target": args.target,
        "data": args.data,
        "bundle": f"{bundle.name} {bundle.version}",
        **result,
        "seconds": round(time.time() - t0, 2),
    }
    print_result(result, args)
    return 0
