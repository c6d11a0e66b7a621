"""Time and peak memory of tagging and summarising degenerate articles, one line per input.

By hand: ``python bench/bench_degenerate.py [--sizes 10000 20000 40000 200000]``. Each case
runs in a child process under a memory cap (``--max-gb``, address space) and a time limit
(``--timeout``), so a quadratic step shows up as ``killed`` or ``timeout`` instead of taking
the machine down. Peak memory is tracemalloc's (Python and numpy allocations).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = {
    "dots": lambda n: "." * n,
    "!?… runs": lambda n: "!?…" * (n // 3),
    "'Ab. ' repeats": lambda n: "Ab. " * (n // 4),
    "no spaces": lambda n: "Ab" * (n // 2),
    "digits": lambda n: "1" * n,
    "newlines": lambda n: "Ab\n" * (n // 3),
    "distinct words": lambda n: " ".join(f"Từ{i}." for i in range(n // 7)),
}


def _case(shape: str, size: int, max_gb: float, queue: Any) -> None:
    limit = int(max_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from tinbai.model.bundle import load_bundle
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR
    from tinbai.model.predict import summarize_records, tag_records

    bundle = load_bundle(DEFAULT_BUNDLE_DIR)
    record = {"id": "x", "text": SHAPES[shape](size)}
    out = {}
    for name, call in (("tag", tag_records), ("summarize", summarize_records)):
        tracemalloc.start()
        t0 = time.perf_counter()
        (row,) = call(bundle, [record])
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out[name] = (seconds, peak, "error" in row)
    queue.put(out)


def run_case(shape: str, size: int, max_gb: float, timeout: float) -> str:
    queue: Any = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_case, args=(shape, size, max_gb, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return f"timeout (> {timeout:.0f} s)"
    if proc.exitcode != 0 or queue.empty():
        return f"killed (exit {proc.exitcode}; memory cap {max_gb} GB)"
    res = queue.get()
    return "  ".join(
        f"{name} {s:7.3f} s {peak / 2**20:8.1f} MiB{' (error row)' if err else ''}"
        for name, (s, peak, err) in res.items()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000, 200_000])
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument("--max-gb", type=float, default=4.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args()
    for shape in args.shapes:
        for size in args.sizes:
            result = run_case(shape, size, args.max_gb, args.timeout)
            if args.json:
                print(json.dumps({"shape": shape, "chars": size, "result": result}), flush=True)
            else:
                print(f"{shape:16s} {size:>7,d} chars  {result}", flush=True)


if __name__ == "__main__":
    main()
