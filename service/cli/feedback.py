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


def missing_sqlite_file(url: str) -> str | None:
    """The path of an SQLite database file that is not there (it holds no corrections, and
    opening it would create it), else None."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # FeedbackStore words a bad URL
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db and db != ":memory:" and not Path(db).exists():
        return db
    return None


def run_export(args: argparse.Namespace) -> int:
    from tinbai.service.feedback.store import FeedbackStore, FeedbackStoreError
    from tinbai.service.settings import get_settings

    check_paths([], args.output)
    url = args.database or get_settings(args.env_file).database_url
    absent = missing_sqlite_file(url)
    if absent is not None:  # say so, export nothing, and leave no empty database behind
        print(
            f"tinbai feedback export: no feedback database at {absent} (the service creates it "
            "with the first correction; --database or TINBAI_DATABASE_URL names another)",
            file=sys.stderr,
        )
        rows: list[dict] = []
        total = 0
    else:
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
