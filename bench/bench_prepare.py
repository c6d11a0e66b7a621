"""Time of the shared text pipeline alone (``prepare``: normalise → clean → split), per article.

    python bench/bench_prepare.py [--articles 1000] [--repeats 5]
    cd OTHER_CHECKOUT && PYTHONPATH=. python /path/to/bench/bench_prepare.py   # another revision

Reads the first ``--articles`` rows of VietNews val and of VNTC dev into memory, then runs
``prepare`` over each set ``--repeats`` times in this process, pinned to one core; reports the
best and median ms/article per set (the best is the least disturbed by other jobs), the
module timed (so a run against another checkout shows which code it measured) and the load
average. Run by hand, not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

if not os.environ.get("PYTHONPATH"):  # time this checkout unless told otherwise
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinbai.model.paths import SHARED_DIR  # noqa: E402
from tinbai.model.text import prepare  # noqa: E402

DATA = {"vietnews_val": "data/vietnews/val.jsonl.gz", "vntc_dev": "data/vntc/dev.jsonl.gz"}


def read(path: Path, rows: int) -> list[tuple[str, str | None]]:
    """The (text, title) of the first ``rows`` rows of a JSONL(.gz) file."""
    out: list[tuple[str, str | None]] = []
    with gzip.open(path, "rt", encoding="utf-8") as src:
        for line in src:
            if len(out) >= rows:
                break
            row = json.loads(line)
            out.append((row.get("text") or "", row.get("title")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000, help="per data set")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    report: dict[str, object] = {"module": sys.modules[prepare.__module__].__file__}
    for name, rel in DATA.items():
        rows = read(SHARED_DIR / rel, args.articles)
        for text, title in rows[:50]:  # warm-up: rule files, regex caches
            prepare(text, title)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for text, title in rows:
                prepare(text, title)
            times.append((time.perf_counter() - t0) / len(rows) * 1000)
        report[name] = {
            "articles": len(rows),
            "best_ms_per_article": round(min(times), 4),
            "median_ms_per_article": round(statistics.median(times), 4),
        }
    report["loadavg"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
