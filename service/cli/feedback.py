"""``tinbai feedback export -o FILE.jsonl``: editors' corrections as training rows.

Each row is ``{"id", "source": "feedback", "title"?, "text", "topic", "campaigns", "feedback"}``
— one per article, its latest correction winning — which ``tinbai train`` reads as campaign
labels (``campaigns.labels: [FILE.jsonl]``) and as topic rows (``topics.train``).
"""

from __future__ import annotations

import argparse
import sys

from tinbai.service.cli.common import UserError, check_paths, open_output, write_jsonl


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feedback", help="editor corrections recorded by the service")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    e = actions.add_parser("export", help="write corrections as training rows (JSONL)")
    e.add_argument("-o", "--output", required=True, help="output JSONL file ('-' for stdout)")
    e.add_argument(
        "--database",
        help="SQLAlchemy URL (default: TINBAI_DATABASE_URL or the service's default SQLite file)",
    )
    e.add_argument("--env-file", help="settings file (KEY=value lines, TINBAI_ prefix)")
    e.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    from tinbai.service.feedback.store import FeedbackStore, FeedbackStoreError
    from tinbai.service.settings import get_settings

    check_paths([], args.output)
    url = args.database or get_settings(args.env_file).database_url
    try:
        store = FeedbackStore(url)
    except FeedbackStoreError as exc:
        raise UserError(str(exc)) from None
    try:
        rows, total = store.training_rows(), store.count()
    except FeedbackStoreError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    with open_output(args.output) as fh:
        write_jsonl(fh, rows)
    print(
        f"tinbai feedback export: {total} corrections, {len(rows)} articles written",
        file=sys.stderr,
    )
    return 0
