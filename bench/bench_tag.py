"""Throughput and peak memory of ``tinbai tag`` (one process, one core).

Run by hand (not a test):

    .venv/bin/python bench/bench_tag.py [--data ../shared/data/vntc/dev.jsonl.gz] [--model DIR]

It runs the real CLI in a subprocess pinned to one core (``taskset -c 0`` when available, and
one BLAS/OpenMP thread), reads the input once beforehand so the file is in the page cache, and
reports articles/s over the whole run (start-up and model load included) and the child's peak
RSS. Output lines and errors are counted to check nothing was dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "vntc" / "dev.jsonl.gz"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    ap.add_argument("--command", default="tag", choices=["tag", "summarize"])
    args = ap.parse_args()

    n_lines = (
        sum(1 for _ in __import__("gzip").open(args.data, "rb"))
        if args.data.suffix == ".gz"
        else sum(1 for _ in open(args.data, "rb"))
    )
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [
            sys.executable,
            "-m",
            "tinbai.service.cli",
            args.command,
            str(args.data),
            "-o",
            str(out),
        ]
        if args.model:
            cmd += ["--model", args.model]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {
        "command": f"tinbai {args.command}",
        "data": str(args.data),
        "articles": n_lines,
        "output_lines": len(rows),
        "errors": sum("error" in r for r in rows),
        "exit_status": proc.returncode,
        "seconds": round(seconds, 2),
        "articles_per_second": round(n_lines / seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "cores": 1 if shutil.which("taskset") else os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))
    return 0 if len(rows) == n_lines else 1


if __name__ == "__main__":
    sys.exit(main())
