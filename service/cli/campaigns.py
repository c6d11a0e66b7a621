"""``tinbai campaigns suggest-cues --labels FILE``: phrases to review into the taxonomy.

Prints one JSON object per suggestion (``campaign``, ``phrase``, ``positives``, ``negatives``,
``precision``, ``uncovered_positives``), best first per campaign. Nothing is written to
``configs/taxonomy.yaml``: a person reviews the phrases and adds the good ones to ``cues``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tinbai.service.cli.common import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("campaigns", help="tools for the campaign tag set")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = actions.add_parser(
        "suggest-cues",
        help="propose cue phrases over-represented in a campaign's labelled positives",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument(
        "--labels",
        required=True,
        nargs="+",
        help="label files (JSONL: source+id of a shared training corpus, or rows with text)",
    )
    s.add_argument("--campaign", help="only this campaign id (default: every campaign)")
    s.add_argument("--taxonomy", help="taxonomy YAML (default: configs/taxonomy.yaml)")
    s.add_argument("--min-positives", type=int, default=3, help="positives a phrase needs (3)")
    s.add_argument("--min-precision", type=float, default=0.6, help="precision on the labels (0.6)")
    s.add_argument("--limit", type=int, default=20, help="suggestions per campaign (20)")
    s.set_defaults(run=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    from tinbai.model.taxonomy import TaxonomyError, load_taxonomy
    from tinbai.training.campaigns import join_texts, read_label_files
    from tinbai.training.cues import suggest_cues

    try:
        taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else load_taxonomy()
    except TaxonomyError as exc:
        raise UserError(str(exc)) from None
    if args.campaign and args.campaign not in taxonomy.campaign_ids:
        raise UserError(f"--campaign: unknown campaign id {args.campaign!r}")
    paths = [Path(p) for p in args.labels]
    for p in paths:
        if not p.is_file():
            raise UserError(f"{p}: no such label file")
    try:
        articles = join_texts(read_label_files(paths))
    except (ValueError, KeyError) as exc:
        raise UserError(f"label files: {exc}") from None
    for s in suggest_cues(
        articles,
        taxonomy,
        args.campaign,
        min_positives=args.min_positives,
        min_precision=args.min_precision,
        limit=args.limit,
    ):
        sys.stdout.write(json.dumps(s.to_dict(), ensure_ascii=False) + "\n")
    return 0
