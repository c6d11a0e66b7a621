"""Load benchmark of the HTTP service: N ``/v1/analyze`` requests at concurrency C against a
real uvicorn that this script starts on 127.0.0.1 (and stops), then latency percentiles,
requests/s and errors. Run by hand, never in tests:

    python bench/bench_service.py                                   # default bundle, 2,000 × 16
    python bench/bench_service.py --model DIR --micro-batching on   # a transformer bundle
    python bench/bench_service.py --model DIR --micro-batching off

Articles are VNTC dev articles read from the shared data folder (cycled), or the docs' example
article when that folder is absent. Bounded: at most ``--requests`` requests and
``--max-seconds`` of sending. Prints one JSON object; ``--out`` also writes it to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tinbai.model.paths import SHARED_DIR  # noqa: E402
from tinbai.service.api.examples import EXAMPLE_ARTICLE  # noqa: E402


def load_articles(limit: int) -> list[dict]:
    path = SHARED_DIR / "data" / "vntc" / "dev.jsonl.gz"
    if not path.exists():
        return [dict(EXAMPLE_ARTICLE)]
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if not row["text"].strip():  # a few VNTC rows keep the whole story in the title
                continue
            out.append({"id": row["id"], "title": row.get("title"), "text": row["text"][:20_000]})
            if len(out) >= limit:
                break
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def start_server(args: argparse.Namespace, port: int, db: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "tinbai.service.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--micro-batching",
        args.micro_batching,
        "--no-access-log",
    ]
    if args.model:
        cmd += ["--model", args.model]
    env = {
        **os.environ,
        "TINBAI_DATABASE_URL": f"sqlite:///{db}",
        "HF_HUB_OFFLINE": "1",
        "TINBAI_MAX_BATCH_SIZE": str(args.max_batch_size),
        "TINBAI_MAX_WAIT_MS": str(args.max_wait_ms),
        "TINBAI_MICRO_BATCH_WORKERS": str(args.micro_batch_workers),
        "TINBAI_PRESEGMENT": "true" if args.presegment == "on" else "false",
    }
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_ready(base: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit("server not ready in time")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group this script started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def load(base: str, articles: list[dict], args: argparse.Namespace) -> dict:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    next_index = 0
    stop_at = time.monotonic() + args.max_seconds
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )

    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as client:

        async def worker() -> None:
            nonlocal next_index
            while next_index < args.requests and time.monotonic() < stop_at:
                i = next_index
                next_index += 1
                body = {**articles[i % len(articles)], "sentences": 3}
                t0 = time.perf_counter()
                try:
                    resp = await client.post("/v1/analyze", json=body)
                    key = str(resp.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                latencies.append(time.perf_counter() - t0)
                statuses[key] = statuses.get(key, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        wall = time.perf_counter() - t0
        metrics = (await client.get("/metrics")).text
        model = (await client.get("/v1/models")).json()

    lat = sorted(latencies)
    sent = len(lat)
    micro_sum = micro_count = 0.0
    for line in metrics.splitlines():
        if line.startswith('tinbai_batch_size_sum{source="micro"}'):
            micro_sum = float(line.split()[1])
        elif line.startswith('tinbai_batch_size_count{source="micro"}'):
            micro_count = float(line.split()[1])
    return {
        "model": {k: model["model"][k] for k in ("name", "version", "kind")},
        "micro_batching": model["serving"]["micro_batching"],
        "presegment": model["serving"]["presegment"],
        "micro_batch_workers": model["serving"].get("micro_batch_workers"),
        "mean_micro_batch": round(micro_sum / micro_count, 2) if micro_count else None,
        "requests": sent,
        "concurrency": args.concurrency,
        "errors": sent - statuses.get("200", 0),
        "statuses": statuses,
        "wall_s": round(wall, 2),
        "rps": round(sent / wall, 1) if wall else None,
        "latency_ms": {
            name: round(1000 * percentile(lat, q), 1)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        }
        | {
            "mean": round(1000 * sum(lat) / max(sent, 1), 1),
            "max": round(1000 * lat[-1], 1) if lat else None,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="bundle directory (default: the service's default bundle)")
    parser.add_argument("--micro-batching", choices=("on", "off", "auto"), default="auto")
    parser.add_argument(
        "--presegment",
        choices=("on", "off"),
        default="off",
        help="segment whole articles up front, in request threads",
    )
    parser.add_argument("--max-batch-size", type=int, default=16)
    parser.add_argument("--micro-batch-workers", type=int, default=1)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--articles", type=int, default=200, help="distinct articles to cycle through"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="stop sending after this long"
    )
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout (s)")
    parser.add_argument("--out", help="also write the result JSON here")
    args = parser.parse_args()

    articles = load_articles(args.articles)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tinbai-bench-") as tmp:
        proc = start_server(args, port, Path(tmp) / "feedback.db")
        try:
            t0 = time.perf_counter()
            wait_ready(base, proc, timeout=300)
            startup = time.perf_counter() - t0
            load_before = load_average()
            result = asyncio.run(load(base, articles, args))
        finally:
            stop_server(proc)
    result.update(
        {
            "startup_s": round(startup, 1),
            "loadavg_before": load_before,
            "loadavg_after": load_average(),
            "cpus": os.cpu_count(),
            "distinct_articles": len(articles),
            "mean_article_chars": round(sum(len(a["text"]) for a in articles) / len(articles)),
        }
    )
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
