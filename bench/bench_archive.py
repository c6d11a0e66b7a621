"""Benchmark ``label-archive``: articles/s and peak RSS per worker, local (1, 2 workers) and Ray.

Reads the first N rows of VNTC train and VietNews train in place from ../shared (never copied),
labels them with a bundle (default: the shipped one) into a temporary folder, once per
configuration, and prints one JSON line per run plus the machine load. Wall time includes
start-up (planning, spawning workers / starting Ray, loading the bundle in every worker): that
is what a newsroom waits for. Run by hand:

    python bench/bench_archive.py [--rows-per-file 10000] [--model DIR] [--runs local1,local2,ray2]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinbai.model.paths import DEFAULT_BUNDLE_DIR, SHARED_DIR  # noqa: E402
from tinbai.service.batch import JobConfig, run_job  # noqa: E402

INPUTS = ("data/vntc/train.jsonl.gz", "data/vietnews/train.jsonl.gz")


def _status_kb(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


class PeakRSS(threading.Thread):
    """Samples the peak resident memory (VmHWM) of this process's children and of Ray actors
    labelling shards, every 0.2 s, keyed by pid."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.stop = threading.Event()

    def _workers(self) -> list[int]:
        me = str(os.getpid())
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = stat.rsplit(")", 1)[1].split()[1]
            if (ppid == me and b"spawn_main" in cmd) or b"_RayShardLabeler" in cmd:
                found.append(int(d.name))
        return found

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self._workers():
                self.peaks[pid] = max(self.peaks.get(pid, 0), _status_kb(pid, "VmHWM"))
            self.stop.wait(0.2)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def bench(
    name: str, engine: str, workers: int, inputs: str, bundle: Path, rows: int, summaries: bool
) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-archive-{name}-"))
    shutil.rmtree(out)
    cfg = JobConfig(
        input=inputs,
        output=out,
        bundle_dir=bundle,
        engine=engine,
        workers=workers,
        summaries=summaries,
        rows_per_file=rows,
        ray_init={"num_cpus": workers, "object_store_memory": 512 * 1024**2},
    )
    sampler = PeakRSS()
    sampler.start()
    load_before = uptime()
    t0 = time.perf_counter()
    summary = run_job(cfg)
    wall = time.perf_counter() - t0
    # CPU seconds of this process and its (local-engine) workers: a figure the other users of a
    # shared machine disturb less than wall time. Ray actors are not our children: not counted.
    cpu = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    sampler.stop.set()
    sampler.join()
    worker_peaks = sorted(v // 1024 for v in sampler.peaks.values() if v)
    shutil.rmtree(out)
    return {
        "run": name,
        "engine": engine,
        "workers": workers,
        "summaries": summaries,
        "articles": summary.rows,
        "ok": summary.ok,
        "failed": summary.failed,
        "wall_s": round(wall, 1),
        "articles_per_s": round(summary.rows / wall, 1),
        "cpu_s": round(cpu, 1) if engine == "local" else None,
        "peak_rss_mb_per_worker": worker_peaks or None,
        "driver_peak_rss_mb": _status_kb("self", "VmHWM") // 1024,
        "load_before": load_before,
        "load_after": uptime(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows-per-file", type=int, default=10_000)
    ap.add_argument("--model", type=Path, default=DEFAULT_BUNDLE_DIR)
    ap.add_argument(
        "--runs",
        default="local1,local2,ray2",
        help="comma-separated: localN (local engine, N workers), rayN (Ray, N actors)",
    )
    ap.add_argument("--summaries", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration here
    args = ap.parse_args()
    files = [SHARED_DIR / f for f in INPUTS]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        sys.exit(f"missing data: {', '.join(missing)} (set TINBAI_SHARED_DIR)")
    # a glob over the two files, so the archive is exactly these two, read in place
    spec = str(SHARED_DIR / "data" / "*" / "train.jsonl.gz")
    if sorted(Path(p).resolve() for p in glob.glob(spec)) != sorted(f.resolve() for f in files):
        sys.exit(f"{spec} does not match exactly {', '.join(INPUTS)}")
    if args.one:  # each configuration in its own process: clean start-up and peak RSS figures
        engine = "ray" if args.one.startswith("ray") else "local"
        workers = int(args.one.removeprefix(engine))
        res = bench(args.one, engine, workers, spec, args.model, args.rows_per_file, args.summaries)
        print(json.dumps(res, ensure_ascii=False), flush=True)
        return
    results = []
    print(
        json.dumps(
            {
                "cores": len(os.sched_getaffinity(0)),
                "bundle": str(args.model),
                "inputs": [str(f) for f in files],
                "rows_per_file": args.rows_per_file,
            }
        )
    )
    for run in args.runs.split(","):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            run,
            "--rows-per-file",
            str(args.rows_per_file),
            "--model",
            str(args.model),
        ] + (["--summaries"] if args.summaries else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{run} failed:\n{proc.stderr[-3000:]}")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(res)
        print(json.dumps(res, ensure_ascii=False), flush=True)
    by = {r["run"]: r["articles_per_s"] for r in results}
    if "local1" in by and "local2" in by:
        print(
            json.dumps(
                {
                    "scaling_local2_over_local1": round(by["local2"] / by["local1"], 2),
                    "uptime": uptime(),
                }
            )
        )


if __name__ == "__main__":
    main()
