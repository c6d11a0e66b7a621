"""``tinbai summarize IN -o OUT [--sentences N | --max-chars N | --ratio R] [--model DIR]``.

One output line per input line, in order: ``{"id", "summary", "sentences": [{"index", "text",
"score"}]}``, or ``{"id", "error"}`` for a line that cannot be processed, as ``tinbai tag``.
"""

from __future__ import annotations

import argparse

from tinbai.model.predict import summarize_records
from tinbai.model.summarize import Budget
from tinbai.service.cli.common import (
    UserError,
    add_article_input,
    check_article_input,
    get_bundle,
    map_jsonl,
)


def add_budget_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--sentences",
        type=int,
        help="sentences per summary (default: summarizer.default_sentences, configs/limits.yaml)",
    )
    group.add_argument("--max-chars", type=int, help="at most this many characters per summary")
    group.add_argument("--ratio", type=float, help="this share of the article's sentences")


def budget_from_args(args: argparse.Namespace) -> Budget:
    try:
        return Budget(sentences=args.sentences, max_chars=args.max_chars, ratio=args.ratio)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summarize",
        help="extractive summaries of articles (JSONL or JSONL.gz)",
        description="Extractive summaries: the article's key body sentences, in order.",
        epilog="output: one JSON line per input line, in order:\n"
        '  {"id", "summary", "sentences": [{"index", "text", "score"}],\n'
        '   "meta": {"author", "source"}}   or   {"id", "error"}\n'
        "exit status: 0 when no line failed, 1 when some did, 2 for a usage or file error",
    )
    add_article_input(p)
    add_budget_arguments(p)
    p.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    p.add_argument("--batch-size", type=int, default=256, help="articles per batch")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    budget = budget_from_args(args)
    check_article_input(args)  # before the bundle: usage errors are instant
    bundle = get_bundle(args.model)
    return map_jsonl(
        "summarize",
        args,
        args.batch_size,
        lambda batch: summarize_records(bundle, batch, budget),
    )
