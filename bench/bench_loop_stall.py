"""How long one large request stalls the service's event loop. Run by hand, never in tests:

    python bench/bench_loop_stall.py [--model DIR] [--mb 15.5] [--rounds 5]

Starts a real uvicorn on 127.0.0.1 (and stops it), then, while a probe asks ``GET /healthz``
back to back, posts bodies close to ``MAX_REQUEST_BYTES`` that the service must read, parse and
validate before it can refuse them, so the request costs no model time and the probe's
latencies measure the loop alone:

- ``tag-one``: one article far over the one-article body limit (413 from its length alone);
- ``tag-one-largest``: the largest body under that limit, a text far over ``MAX_TEXT_CHARS``
  (read, parsed, then 413); ``-escaped``: the same with non-ASCII letters as ``\\uXXXX``;
- ``tag-one-escaped``: 5 MB with ``\\uXXXX`` escapes, over the one-article limit;
- ``batch``: 16 MB of ``/v1/tag/batch`` holding one article more than ``MAX_BATCH_ARTICLES``
  (read, parsed, then 413);
- ``batch-many-tiny``: 16 MB of ``{"text": "a"}`` items, over a million articles (413);
- ``batch-tagged``: 16 MB, 63 articles of 190,000 characters and one over ``MAX_TEXT_CHARS``:
  parsed, then tagged in the worker threads (200, the last an error row), so its probe
  latencies add the threads' turns at the GIL to the parse.

Prints one JSON object: for each case the status, the request's wall time and the probe's
median, p99 and maximum latency while it ran, beside the probe alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_service import (  # noqa: E402
    free_port,
    load_average,
    percentile,
    start_server,
    stop_server,
    wait_ready,
)
from tinbai.service.settings import Settings  # noqa: E402

SYLLABLES = (
    "Thủ tướng yêu cầu các bộ ngành địa phương triển khai quyết liệt nhiệm vụ năm mới"
).split()


def vietnamese(chars: int) -> str:
    words, size, i = [], 0, 0
    while size < chars:
        word = SYLLABLES[i % len(SYLLABLES)]
        words.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(words)[:chars]


def one_article(max_bytes: int, ensure_ascii: bool) -> bytes:
    """The longest ``{"id", "text"}`` body of Vietnamese text within ``max_bytes``."""
    chars = max_bytes // (7 if ensure_ascii else 2)
    body = b""
    while True:
        candidate = json.dumps(
            {"id": "big", "text": vietnamese(chars)}, ensure_ascii=ensure_ascii
        ).encode()
        if len(candidate) > max_bytes:
            return body
        body, chars = candidate, int(chars * 1.05)


def bodies(megabytes: float) -> dict[str, tuple[str, bytes]]:
    size = int(megabytes * 1024 * 1024)
    one = json.dumps({"id": "big", "text": vietnamese(size // 2)}, ensure_ascii=False).encode()
    escaped = json.dumps({"id": "big", "text": vietnamese(size // 7)}).encode()
    settings = Settings()
    text = vietnamese(190_000)
    tagged = [{"id": f"a{i}", "text": text} for i in range(settings.max_batch_articles - 1)]
    rest = (size - len(json.dumps(tagged, ensure_ascii=False).encode())) // 2
    tagged.append({"id": "last", "text": vietnamese(max(rest, settings.max_text_chars + 1))})
    batch = json.dumps({"articles": tagged}, ensure_ascii=False).encode()
    per_byte = len(text) / len(text.encode())
    per = int(size * per_byte) // (settings.max_batch_articles + 1) - 20
    refused = [
        {"id": str(i), "text": vietnamese(per)} for i in range(settings.max_batch_articles + 1)
    ]
    too_many = json.dumps({"articles": refused}, ensure_ascii=False).encode()
    one_tiny = b'{"text":"a"},'
    tiny = b'{"articles":[' + one_tiny * ((size - 20) // len(one_tiny)) + b'{"text":"a"}]}'
    return {
        "tag-one": ("/v1/tag", one),
        "tag-one-largest": (
            "/v1/tag",
            one_article(settings.max_article_request_bytes, ensure_ascii=False),
        ),
        "tag-one-largest-escaped": (
            "/v1/tag",
            one_article(settings.max_article_request_bytes, ensure_ascii=True),
        ),
        "tag-one-escaped": ("/v1/tag", escaped),
        "batch": ("/v1/tag/batch", too_many),
        "batch-tagged": ("/v1/tag/batch", batch),
        "batch-many-tiny": ("/v1/tag/batch", tiny),
    }


async def probe(client: httpx.AsyncClient, base: str, stop: asyncio.Event) -> list[float]:
    out = []
    while not stop.is_set():
        t0 = time.perf_counter()
        await client.get(base + "/healthz")
        out.append(1000 * (time.perf_counter() - t0))
    return out


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "probes": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
    }


async def one_case(base: str, path: str, body: bytes) -> dict:
    async with (
        httpx.AsyncClient(timeout=120) as probe_client,
        httpx.AsyncClient(timeout=120) as client,
    ):
        stop = asyncio.Event()
        task = asyncio.create_task(probe(probe_client, base, stop))
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        response = await client.post(
            base + path, content=body, headers={"content-type": "application/json"}
        )
        wall = time.perf_counter() - t0
        stop.set()
        latencies = await task
    return {
        "status": response.status_code,
        "bytes": len(body),
        "request_s": round(wall, 3),
        **summary(latencies),
    }


async def idle(base: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        stop = asyncio.Event()
        task = asyncio.create_task(probe(client, base, stop))
        await asyncio.sleep(2.0)
        stop.set()
        return summary(await task)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--mb", type=float, default=15.5, help="body size of each case")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    args.micro_batching, args.max_batch_size, args.max_wait_ms = "off", 16, 5
    args.micro_batch_workers, args.presegment = 1, "off"
    cases = bodies(args.mb)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(args, port, Path(tmp) / "feedback.db")
        try:
            wait_ready(base, proc, 120)
            report = {"load_average": load_average(), "idle": asyncio.run(idle(base))}
            for name, (path, body) in cases.items():
                report[name] = [asyncio.run(one_case(base, path, body)) for _ in range(args.rounds)]
        finally:
            stop_server(proc)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
