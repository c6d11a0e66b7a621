"""Coverage over time from a labelled archive: articles per campaign and per topic, per period.

Campaign coverage is what newsrooms report upwards each quarter, so the table keeps every
campaign of the tag set, zero rows included (no coverage is news too). An article counts once
for its topic and once for each campaign it carries. Rows without a readable date are counted
apart (the ``(no date)`` line) rather than guessed into a period.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from tinbai.model.files import read_jsonl_rows
from tinbai.service.batch.plan import load_plan
from tinbai.service.batch.writer import MISSING, SUCCESS_FILE, part_path, part_problem

PERIODS = ("month", "week")
NO_DATE = "(no date)"
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")  # 05/03/2024: Vietnamese day-first


class ReportError(ValueError):
    """The folder is not a label-archive output (or has nothing to report)."""


def parse_date(value: str | None) -> date | None:
    """ISO dates and datetimes (``2024-03-05``, ``2024-03-05T08:00:00+07:00``) or day-first
    ``05/03/2024``; anything else is None (reported as undated, never guessed)."""
    if not value:
        return None
    text = value.strip()
    m = _DMY.match(text)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def period_of(day: date, by: str) -> str:
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


@dataclass
class Coverage:
    by: str
    topics: dict[str, str]  # id → display name, tag-set order
    campaigns: dict[str, str]
    periods: list[str] = field(default_factory=list)  # sorted; NO_DATE last when present
    articles: Counter[str] = field(default_factory=Counter)  # period → articles
    topic_counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (period, topic)
    campaign_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    # campaigns named in passing (not a theme): counted apart, never in campaign_counts
    mention_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    complete: bool = True

    @property
    def dated_periods(self) -> list[str]:
        return [p for p in self.periods if p != NO_DATE]

    def table(self) -> tuple[list[str], list[list[Any]]]:
        header = (
            ["period", "articles"]
            + [f"campaign:{c}" for c in self.campaigns]
            + [f"topic:{t}" for t in self.topics]
            + [f"mention:{c}" for c in self.campaigns]
        )
        rows = [
            [p, self.articles[p]]
            + [self.campaign_counts[p, c] for c in self.campaigns]
            + [self.topic_counts[p, t] for t in self.topics]
            + [self.mention_counts[p, c] for c in self.campaigns]
            for p in self.periods
        ]
        return header, rows


def _iter_labels(out: Path, fmt: str, n_parts: int) -> Any:
    for i in range(n_parts):
        path = part_path(out, i, fmt)
        problem = part_problem(out, i, fmt)  # the sha256 and size recorded in _parts/
        if problem == MISSING:
            continue  # not labelled yet: the report says the job is incomplete
        if problem is not None:
            raise ReportError(
                f"{path}: {problem}; re-run the same label-archive command to label it again"
            )
        if fmt == "parquet":
            import pyarrow.parquet as pq

            names = set(pq.read_schema(path).names)  # parts written before mentions lack them
            columns = ["date", "topic", "campaigns"] + (["mentions"] if "mentions" in names else [])
            yield from pq.read_table(path, columns=columns).to_pylist()
        else:
            yield from read_jsonl_rows(path)


def coverage(out: Path, by: str = "month") -> Coverage:
    """Count a label-archive output folder's articles per period, topic and campaign."""
    if by not in PERIODS:
        raise ReportError(f"unknown period {by!r} (known: {', '.join(PERIODS)})")
    plan = load_plan(out)
    if plan is None:
        raise ReportError(f"{out}: not a label-archive output folder (no _manifest.json)")
    cov = Coverage(by, dict(plan.labels.get("topics", {})), dict(plan.labels.get("campaigns", {})))
    cov.complete = (out / SUCCESS_FILE).is_file()
    for row in _iter_labels(out, plan.format, len(plan.shards)):
        day = parse_date(row.get("date"))
        period = period_of(day, by) if day else NO_DATE
        cov.articles[period] += 1
        cov.topic_counts[period, row["topic"]] += 1
        cov.topics.setdefault(row["topic"], row["topic"])
        for c in row.get("campaigns") or []:
            cov.campaign_counts[period, c["id"]] += 1
            cov.campaigns.setdefault(c["id"], c["id"])
        for c in row.get("mentions") or []:
            cov.mention_counts[period, c["id"]] += 1
            cov.campaigns.setdefault(c["id"], c["id"])
    cov.periods = sorted(p for p in cov.articles if p != NO_DATE)
    if NO_DATE in cov.articles:
        cov.periods.append(NO_DATE)
    return cov


def write_csv(cov: Coverage, fh: IO[str]) -> None:
    header, rows = cov.table()
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def _short(name: str, width: int = 42) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def plot(cov: Coverage, path: Path | IO[bytes]) -> None:
    """Two panels on one time axis. Top: a campaign × period grid with the count in each cell,
    campaigns ordered by total (uncovered ones last, greyed), because a dozen sparse lines are
    unreadable while a grid reads like the table an editor reports. Bottom: topics as stacked
    bars. Undated articles are left out of the chart and said so underneath."""
    from tinbai.extras import require

    require("plot", "Charts (--plot)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    periods = cov.dated_periods
    n = max(len(periods), 1)
    totals = {c: sum(cov.campaign_counts[p, c] for p in periods) for c in cov.campaigns}
    order = sorted(cov.campaigns, key=lambda c: (-totals[c], list(cov.campaigns).index(c)))
    grid = np.array([[cov.campaign_counts[p, c] for p in periods] for c in order], dtype=float)
    grid = grid.reshape(len(order), len(periods))
    fig = plt.figure(
        figsize=(min(22.0, max(14.0, 6 + 0.35 * n)), 1.5 + 0.32 * len(order) + 4),
        layout="constrained",
    )
    gs = fig.add_gridspec(2, 1, height_ratios=[max(len(order), 1) * 0.32 + 0.6, 4])
    top = fig.add_subplot(gs[0])
    bottom = fig.add_subplot(gs[1], sharex=top)
    unit = "month" if cov.by == "month" else "ISO week"
    total = sum(cov.articles[p] for p in periods)
    span = f"{periods[0]} – {periods[-1]}" if periods else "no dated articles"
    fig.suptitle(
        f"Coverage per {unit}, {span} ({total:,} dated articles)", fontsize=14, fontweight="bold"
    )

    if len(order):
        _campaign_grid(fig, top, grid, order, totals, cov, len(periods))
    top.set_title("Articles per campaign (an article can carry several)", loc="left", fontsize=12)
    top.tick_params(axis="x", labelbottom=False, length=0)

    _topic_bars(bottom, cov, periods, plt.get_cmap("tab10"))
    x = np.arange(len(periods))
    crowded = len(periods) > 8
    bottom.set_xticks(
        x,
        periods,
        rotation=45 if crowded else 0,
        ha="right" if crowded else "center",
        fontsize=8 if len(periods) > 24 else 10,
    )
    bottom.set_xlim(-0.5, len(periods) - 0.5)
    notes = []
    if cov.articles.get(NO_DATE):
        notes.append(f"{cov.articles[NO_DATE]:,} articles without a readable date are not shown")
    if not cov.complete:
        notes.append("archive job not finished: figures are partial")
    if notes:
        bottom.set_xlabel("; ".join(notes), color="firebrick", fontsize=9, loc="left")
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def _campaign_grid(
    fig: Any, top: Any, grid: Any, order: list[str], totals: dict, cov: Coverage, n_periods: int
) -> None:
    """The campaign × period grid: counts in the cells (a colour scale beyond 60 periods),
    campaigns without an article greyed."""
    import numpy as np

    periods = range(n_periods)
    peak = max(grid.max(), 1.0) if grid.size else 1.0
    image = top.imshow(
        np.ma.masked_equal(grid, 0),
        aspect="auto",
        cmap="Blues",
        vmin=0,
        vmax=peak * 1.15,
        extent=(-0.5, len(periods) - 0.5, len(order) - 0.5, -0.5),
        interpolation="nearest",
    )
    if len(periods) <= 60:  # counts in the cells; beyond that a colour scale
        for r, c in zip(*np.nonzero(grid), strict=True):
            value = int(grid[r, c])
            top.text(
                c,
                r,
                str(value),
                ha="center",
                va="center",
                fontsize=8 if len(periods) <= 24 else 6.5,
                color="white" if value > 0.6 * peak else "black",
            )
    else:
        fig.colorbar(image, ax=top, fraction=0.02, pad=0.01, label="articles")
    labels = [f"{_short(cov.campaigns[c])} ({totals[c]})" for c in order]
    top.set_yticks(range(len(order)), labels, fontsize=9)
    for tick, c in zip(top.get_yticklabels(), order, strict=True):
        if not totals[c]:
            tick.set_color("darkgray")
    top.set_yticks(np.arange(-0.5, len(order)), minor=True)
    top.set_xticks(np.arange(-0.5, len(periods)), minor=True)
    top.grid(which="minor", color="white", linewidth=1.5)
    top.tick_params(which="minor", length=0)


def _topic_bars(bottom: Any, cov: Coverage, periods: list[str], cmap: Any) -> None:
    """Topics as stacked bars, the legend top-down in the stack's order."""
    import numpy as np

    base = np.zeros(len(periods))
    topic_totals = {t: sum(cov.topic_counts[p, t] for p in periods) for t in cov.topics}
    x = np.arange(len(periods))
    for k, t in enumerate(t for t in cov.topics if topic_totals[t]):
        values = np.array([cov.topic_counts[p, t] for p in periods], dtype=float)
        bottom.bar(
            x,
            values,
            bottom=base,
            width=0.8,
            color=cmap(k % 10),
            label=f"{cov.topics[t]} ({topic_totals[t]})",
        )
        base += values
    bottom.set_ylabel("articles")
    bottom.set_title("Articles per topic", loc="left", fontsize=12)
    bottom.grid(axis="y", alpha=0.3)
    bottom.set_axisbelow(True)
    handles, labels = bottom.get_legend_handles_labels()
    if handles:  # legend top-down in the same order as the stack
        bottom.legend(
            handles[::-1],
            labels[::-1],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=9,
            frameon=False,
        )
