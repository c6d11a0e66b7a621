"""Throughput and peak memory of ``tinbai summarize`` on one core.

    python bench/bench_summarize.py [--model DIR] [--data FILE] [--articles 2000] [--sentences 3]

Runs the command's own code path (read JSONL → prepare → score → select → write JSONL) in
this process, pinned to one core with one BLAS thread; reports articles/s after the bundle
is loaded (load time reported apart), end-to-end articles/s, articles per CPU second of the
process (steadier when other jobs share the core), and peak RSS. Run by hand on a quiet
machine; report ``uptime`` with the figures.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinbai.model.paths import SHARED_DIR  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    ap.add_argument("--data", default=str(SHARED_DIR / "data/vietnews/val.jsonl.gz"))
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--sentences", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        opener = gzip.open if args.data.endswith(".gz") else open
        with (
            opener(args.data, "rt", encoding="utf-8") as src,
            open(inp, "w", encoding="utf-8") as dst,
        ):
            for i, line in enumerate(src):
                if i >= args.articles:
                    break
                row = json.loads(line)
                dst.write(
                    json.dumps(
                        {"id": row.get("id"), "title": row.get("title"), "text": row["text"]},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        t0 = time.perf_counter()
        from tinbai.service.cli import summarize
        from tinbai.service.cli.common import get_bundle

        bundle = get_bundle(args.model)
        load_s = time.perf_counter() - t0
        ns = argparse.Namespace(
            input=str(inp),
            text=None,
            output=str(out),
            model=args.model,
            batch_size=256,
            sentences=args.sentences,
            max_chars=None,
            ratio=None,
        )
        import tinbai.service.cli.summarize as cli_summarize

        cli_summarize.get_bundle = lambda _path: bundle  # the loaded bundle, timed apart
        t1, c1 = time.perf_counter(), time.process_time()
        code = summarize.run(ns)
        run_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        n = sum(1 for _ in open(out, encoding="utf-8"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "articles": n,
        "exit_code": code,
        "scorer": bundle.summarizer.scorer_name if bundle.summarizer else "lead.v1 (no summariser)",
        "bundle_load_s": round(load_s, 2),
        "summarize_s": round(run_s, 2),
        "articles_per_s": round(n / run_s, 1),
        "articles_per_s_with_load": round(n / (run_s + load_s), 1),
        # CPU seconds of this process: less sensitive to other jobs on a loaded machine.
        "articles_per_cpu_s": round(n / cpu_s, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "loadavg": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
