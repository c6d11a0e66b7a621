"""Coverage over time from a labelled archive: articles per campaign and per topic, per period.

Campaign coverage is what newsrooms report upwards each quarter, so the table keeps every
campaign of the tag set, zero rows included (no coverage is news too). An article counts once
for its topic and once for each campaign it carries. Rows without a readable date are counted
apart (the ``(no date)`` line) rather than guessed into a period.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from service.batch.plan import load_plan
from service.batch.writer import SUCCESS_FILE, part_path

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
    complete: bool = True

    @property
    def dated_periods(self) -> list[str]:
        return [p for p in self.periods if p != NO_DATE]

    def table(self) -> tuple[list[str], list[list[Any]]]:
        header = (["period", "articles"] + [f"campaign:{c}" for c in self.campaigns]
                  + [f"topic:{t}" for t in self.topics])
        rows = [[p, self.articles[p]] + [self.campaign_counts[p, c] for c in self.campaigns]
                + [self.topic_counts[p, t] for t in self.topics] for p in self.periods]
        return header, rows


def _iter_labels(out: Path, fmt: str, n_parts: int) -> Any:
    for i in range(n_parts):
        path = part_path(out, i, fmt)
        if not path.is_file():
            continue
        if fmt == "parquet":
            import pyarrow.parquet as pq

            yield from pq.read_table(path, columns=["date", "topic", "campaigns"]).to_pylist()
        else:
            with open(path, encoding="utf-8") as fh:
                yield from (json.loads(line) for line in fh)


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


def plot(cov: Coverage, path: Path) -> None:
    """Two panels sharing the time axis: campaign lines on top (legend ordered by total, with
    totals), topic stacked bars below. Undated articles are left out of the chart, said below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    periods = cov.dated_periods
    x = list(range(len(periods)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 9), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    unit = "month" if cov.by == "month" else "ISO week"
    total = sum(cov.articles[p] for p in periods)
    span = f"{periods[0]} – {periods[-1]}" if periods else "no dated articles"
    fig.suptitle(f"Coverage per {unit}, {span} ({total:,} dated articles)", fontsize=14,
                 fontweight="bold")

    totals = {c: sum(cov.campaign_counts[p, c] for p in periods) for c in cov.campaigns}
    covered = sorted((c for c in cov.campaigns if totals[c]), key=lambda c: (-totals[c], c))
    cmap = plt.get_cmap("tab20")
    for k, c in enumerate(covered):
        top.plot(x, [cov.campaign_counts[p, c] for p in periods], marker="o", linewidth=2,
                 color=cmap(k % 20), label=f"{_short(cov.campaigns[c])} ({totals[c]})")
    top.set_ylabel("articles tagged with the campaign")
    top.set_title("Campaigns", loc="left", fontsize=12)
    top.grid(axis="y", alpha=0.3)
    top.set_ylim(bottom=0)
    if covered:
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    missing = [cov.campaigns[c] for c in cov.campaigns if not totals[c]]
    if missing:
        top.text(0.0, -0.06, "No coverage: " + "; ".join(_short(m, 30) for m in missing),
                 transform=top.transAxes, fontsize=8, color="dimgray", va="top", wrap=True)

    base = [0] * len(periods)
    topic_totals = {t: sum(cov.topic_counts[p, t] for p in periods) for t in cov.topics}
    for k, t in enumerate(t for t in cov.topics if topic_totals[t]):
        values = [cov.topic_counts[p, t] for p in periods]
        bottom.bar(x, values, bottom=base, color=plt.get_cmap("tab10")(k % 10),
                   label=f"{cov.topics[t]} ({topic_totals[t]})")
        base = [b + v for b, v in zip(base, values, strict=True)]
    bottom.set_ylabel("articles")
    bottom.set_title("Topics", loc="left", fontsize=12)
    bottom.grid(axis="y", alpha=0.3)
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    crowded = len(periods) > 12
    bottom.set_xticks(x, periods, rotation=45 if crowded else 0,
                      ha="right" if crowded else "center")
    notes = []
    if cov.articles.get(NO_DATE):
        notes.append(f"{cov.articles[NO_DATE]:,} articles without a readable date are not shown")
    if not cov.complete:
        notes.append("archive job not finished: figures are partial")
    if notes:
        fig.text(0.01, 0.005, "; ".join(notes), fontsize=9, color="firebrick")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
