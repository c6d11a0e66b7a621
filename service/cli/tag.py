"""``tinbai tag IN -o OUT [--model DIR]``: JSONL in, one JSONL line out per input line."""

from __future__ import annotations

import argparse

from tinbai.model.predict import tag_records
from tinbai.service.cli.common import add_article_input, check_article_input, get_bundle, map_jsonl


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tag",
        help="tag articles (JSONL or JSONL.gz) with a topic and campaigns",
        description="Tag articles with a topic and the campaigns they cover.",
        epilog="output: one JSON line per input line, in order:\n"
        '  {"id", "topic": {"label", "score"}, "campaigns": [{"id", "score", "evidence"}],\n'
        '   "mentions": [...], "meta": {"author", "source"}}   or   {"id", "error"}\n'
        "exit status: 0 when no line failed, 1 when some did, 2 for a usage or file error",
    )
    add_article_input(p)
    p.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    p.add_argument("--ranking", action="store_true", help="include every topic's score")
    p.add_argument("--batch-size", type=int, default=64, help="articles per model call")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_article_input(args)  # before the bundle: usage errors are instant
    bundle = get_bundle(args.model)
    return map_jsonl(
        "tag",
        args,
        args.batch_size,
        lambda batch: tag_records(bundle, batch, ranking=args.ranking),
    )
