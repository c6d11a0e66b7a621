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

from service.api.examples import EXAMPLE_ARTICLE  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def in_process_cost(model: str | None, articles: list[dict], rounds: int) -> float:
    """CPU seconds per article for what /v1/analyze computes, without the service around it."""
    from model.bundle import load_bundle
    from model.paths import DEFAULT_BUNDLE_DIR
    from model.summarize import Budget
    from service.api.inference import Inference

    bundle = load_bundle(Path(model) if model else DEFAULT_BUNDLE_DIR)
    inference = Inference(bundle, segment=False, batcher=None)
    budget = Budget(sentences=3)

    def one(article: dict) -> None:
        _, doc = inference._prepare_one(article, None)
        bundle.tag([doc])
        inference.summarizer.summarize(doc, budget)

    for a in articles[:20]:  # warm-up
        one(a)
    t0 = time.process_time()
    n = 0
    for _ in range(rounds):
        for a in articles:
            one(a)
            n += 1
    return (time.process_time() - t0) / n


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
    inproc = in_process_cost(args.model, articles, rounds=max(1, args.requests // len(articles)))
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
            c0 = process_cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            ok = asyncio.run(sequential(base, articles, args.requests))
            wall = time.perf_counter() - t0
            server = (process_cpu_seconds(proc.pid) - c0) / args.requests
            result.update(
                {
                    "sequential_requests": args.requests,
                    "sequential_ok": ok,
                    "sequential_wall_ms_per_request": round(1000 * wall / args.requests, 2),
                    "server_cpu_ms_per_request": round(1000 * server, 3),
                    "in_process_cpu_ms_per_article": round(1000 * inproc, 3),
                    "ratio": round(server / inproc, 3),
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
