"""``tinbai report OUT [--by month|week] [--plot FILE.png] [-o CSV]``: campaign and topic
coverage over time from a ``label-archive`` output folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="articles per campaign and topic over time (CSV, PNG chart)")
    p.add_argument("archive", help="a label-archive output folder")
    p.add_argument(
        "--by", choices=("month", "week"), default="month", help="period (default: month)"
    )
    p.add_argument("--plot", help="also draw the chart to this PNG file")
    p.add_argument("-o", "--output", default="-", help="CSV table file (default: stdout)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinbai.model.files import atomic_output
    from tinbai.service.batch.report import ReportError, coverage, plot, write_csv
    from tinbai.service.cli.common import UserError, check_paths, open_output

    check_paths([], args.output)
    if args.plot:
        check_paths([], args.plot)
    try:
        cov = coverage(Path(args.archive), args.by)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    if not cov.complete:
        print(
            f"tinbai report: warning: {args.archive} is not finished; figures are partial "
            "(re-run label-archive to complete it)",
            file=sys.stderr,
        )
    with open_output(args.output) as fh:
        write_csv(cov, fh)
    if args.plot:
        with atomic_output(args.plot, text=False, compress=False) as png:
            plot(cov, png)
    return 0
