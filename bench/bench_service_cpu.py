"""The service's own cost: server CPU seconds per ``/v1/analyze`` against the in-process cost of
preparing, tagging and summarising the same articles, then load figures at two concurrencies.
Run by hand, never in tests:

    python bench/bench_service_cpu.py                       # 1,000 sequential + c=16 and c=64
    python bench/bench_service_cpu.py --example             # the docs' example article only
    python bench/bench_service_cpu.py --model DIR --requests 500 --concurrency 16 64

The server is a real ``tinbai serve`` that this script starts on 127.0.0.1 (and stops). Its CPU
time is read from ``/proc/PID/stat`` (user + system, every thread) around a sequential run, so
the load generator's own CPU is not counted; the in-process figure is ``time.process_time()``
around the same calls the route makes (``prepare`` → ``bundle.tag`` → ``summarize``). The
machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_service import (  # noqa: E402
    free_port,
    load,
    load_articles,
    load_average,
    start_server,
    stop_server,
    wait_ready,
)
from tinbai.service.api.examples import EXAMPLE_ARTICLE  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class InProcess:
    """What /v1/analyze computes (prepare → tag → summarise), without the service around it."""

    def __init__(self, model: str | None) -> None:
        from tinbai.model.bundle import load_bundle
        from tinbai.model.paths import DEFAULT_BUNDLE_DIR
        from tinbai.model.summarize import Budget
        from tinbai.service.api.inference import Inference

        self.bundle = load_bundle(Path(model) if model else DEFAULT_BUNDLE_DIR)
        self.inference = Inference(self.bundle, segment=False, batcher=None)
        self.budget = Budget(sentences=3)

    def cpu_seconds(self, articles: list[dict], n: int) -> float:
        """CPU seconds (this process, all threads) for n articles."""
        t0 = time.process_time()
        for i in range(n):
            _, doc = self.inference._prepare_one(articles[i % len(articles)], None)
            self.bundle.tag([doc])
            self.inference.summarizer.summarize(doc, self.budget)
        return time.process_time() - t0


async def sequential(base: str, articles: list[dict], n: int) -> int:
    """n requests one after another; returns how many answered 200."""
    ok = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for i in range(n):
            body = {**articles[i % len(articles)], "sentences": 3}
            resp = await client.post("/v1/analyze", json=body)
            ok += resp.status_code == 200
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    parser.add_argument("--requests", type=int, default=1000, help="sequential CPU-run requests")
    parser.add_argument("--rounds", type=int, default=5, help="alternating chunks")
    parser.add_argument("--load-requests", type=int, default=2000, help="requests per load run")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[16, 64])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument(
        "--example", action="store_true", help="only the docs' example article (770 chars)"
    )
    parser.add_argument("--out", help="also write the result JSON here")
    args = parser.parse_args()

    articles = [dict(EXAMPLE_ARTICLE)] if args.example else load_articles(args.articles)
    inproc = InProcess(args.model)
    inproc.cpu_seconds(articles, 50)  # warm-up
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_args = argparse.Namespace(
        model=args.model,
        micro_batching="auto",
        max_batch_size=16,
        max_wait_ms=5.0,
        micro_batch_workers=1,
        presegment="off",
        requests=args.load_requests,
        max_seconds=args.max_seconds,
        timeout=60,
        concurrency=16,
    )
    result: dict = {
        "articles": "example" if args.example else f"vntc dev x{len(articles)}",
        "mean_article_chars": round(sum(len(a["text"]) for a in articles) / len(articles)),
        "loadavg_before": load_average(),
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="tinbai-bench-") as tmp:
        proc = start_server(server_args, port, Path(tmp) / "feedback.db")
        try:
            wait_ready(base, proc, timeout=300)
            asyncio.run(sequential(base, articles, 50))  # warm-up
            # Alternate server and in-process chunks so that other jobs' load (the machine is
            # shared) weighs on both figures alike.
            chunk = max(1, args.requests // args.rounds)
            server_cpu = local_cpu = wall = 0.0
            ok = 0
            ratios = []
            for _ in range(args.rounds):
                c0 = process_cpu_seconds(proc.pid)
                t0 = time.perf_counter()
                ok += asyncio.run(sequential(base, articles, chunk))
                wall += time.perf_counter() - t0
                served = process_cpu_seconds(proc.pid) - c0
                local = inproc.cpu_seconds(articles, chunk)
                server_cpu += served
                local_cpu += local
                ratios.append(round(served / local, 3))
            n = chunk * args.rounds
            result.update(
                {
                    "sequential_requests": n,
                    "sequential_ok": ok,
                    "sequential_wall_ms_per_request": round(1000 * wall / n, 2),
                    "server_cpu_ms_per_request": round(1000 * server_cpu / n, 3),
                    "in_process_cpu_ms_per_article": round(1000 * local_cpu / n, 3),
                    "ratio": round(server_cpu / local_cpu, 3),
                    "ratio_per_round": ratios,
                    "loadavg_after_cpu_run": load_average(),
                }
            )
            runs = []
            for c in args.concurrency:
                server_args.concurrency = c
                c0 = process_cpu_seconds(proc.pid)
                run = asyncio.run(load(base, articles, server_args))
                cpu = process_cpu_seconds(proc.pid) - c0
                runs.append(
                    {k: run[k] for k in ("concurrency", "requests", "errors", "statuses", "rps")}
                    | run["latency_ms"]
                    | {
                        "server_cpu_ms_per_request": round(1000 * cpu / max(run["requests"], 1), 3),
                        "loadavg_after": load_average(),
                    }
                )
            result["load"] = runs
        finally:
            stop_server(proc)
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
