"""Fault replay of issue #9 against a live ``tinbai serve`` and the ``tinbai`` CLI, by hand:

    python bench/bench_faults.py [--model DIR] [--server-memory-gib 6] [--concurrency 256]

Starts ``python -m tinbai.service.cli serve`` on 127.0.0.1 (a free port, a throw-away SQLite
feedback store), replays every defect of the issue's list, and prints ONE line per case:
name, PASS/FAIL (SKIP where the machine cannot stage it), and what was observed (status,
seconds, bytes, exit status). The expected behaviour is the issue's "What to build", so a
branch that fixes only some defects shows the others as FAIL. Bounded: every request has a
timeout, every command a time limit; the whole run takes at most about three minutes. The
server runs under an address-space limit (``--server-memory-gib``) so a request that tries
to allocate 18 GiB fails inside it instead of waking the kernel's OOM killer on a shared box.
Exit status: 0 when every case passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tinbai.model.paths import DEFAULT_BUNDLE_DIR  # noqa: E402
from tinbai.service.api.examples import EXAMPLE_ARTICLE  # noqa: E402

RESULTS: list[bool] = []
SURROGATE = "\\ud800"  # as written in JSON text: valid JSON, not encodable as UTF-8


def report(name: str, ok: bool | None, figure: str) -> None:
    """One line per case; ``ok=None`` is a SKIP (the case cannot be staged here)."""
    verdict = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
    if ok is not None:
        RESULTS.append(ok)
    print(f"{name:<34} {verdict:<4}  {figure}", flush=True)


def guarded(name: str, case: Callable[[], None]) -> None:
    """A case that crashes the script is a FAIL line, never a traceback that hides the rest."""
    try:
        case()
    except Exception as exc:  # noqa: BLE001 (the fault script reports and goes on)
        report(name, False, f"case crashed: {type(exc).__name__}: {str(exc)[:120]}")


# --- the live server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_dir = work / "db"
        self.db_dir.mkdir()
        self.db = self.db_dir / "feedback.db"
        self.log = open(work / "server.log", "wb")  # noqa: SIM115
        limit = int(args.server_memory_gib * 2**30)

        def cap_memory() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        cmd = [sys.executable, "-m", "tinbai.service.cli", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--no-access-log"]
        if args.model:
            cmd += ["--model", args.model]
        env = {**os.environ, "TINBAI_DATABASE_URL": f"sqlite:///{self.db}", "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=cap_memory,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see its log")
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise SystemExit("server not ready in time")

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:
            return httpx.get(self.base + "/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> float:
        t0 = time.monotonic()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the process group this script started
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        return time.monotonic() - t0


def post_raw(client: httpx.Client, url: str, body: str, timeout: float = 30) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return client.post(url, content=body.encode("ascii"), headers=headers, timeout=timeout)


def case_summarize_bomb(srv: Server, client: httpx.Client) -> None:
    body = json.dumps({"text": "Ab. " * 49_750})
    t0 = time.monotonic()
    try:
        status = str(post_raw(client, srv.base + "/v1/summarize", body, timeout=60).status_code)
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    took = time.monotonic() - t0
    alive = srv.alive()
    ok = alive and status.isdigit() and int(status) < 500 and took < 30
    report("1 summarize bomb (199 KB)", ok, f"{status} in {took:.1f} s, server alive: {alive}")


def case_dots_freeze(srv: Server, client: httpx.Client) -> None:
    body = json.dumps({"text": "." * 40_000})
    result: dict[str, str] = {}

    def send() -> None:
        t0 = time.monotonic()
        try:
            status = str(post_raw(client, srv.base + "/v1/tag", body, timeout=30).status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        result["tag"] = f"{status} in {time.monotonic() - t0:.1f} s"
        result["status"] = status

    worker = threading.Thread(target=send)
    worker.start()
    time.sleep(0.2)
    worst = 0.0
    with httpx.Client() as probe:
        while worker.is_alive():
            t0 = time.monotonic()
            try:
                probe.get(srv.base + "/healthz", timeout=45)
            except httpx.HTTPError:
                pass
            worst = max(worst, time.monotonic() - t0)
            time.sleep(0.1)
    worker.join()
    status = result.get("status", "")
    ok = worst < 1.0 and status.isdigit() and int(status) < 500
    report("2 40k dots /v1/tag + /healthz", ok, f"tag {result['tag']}; /healthz max {worst:.2f} s")


def _surrogate_bodies(endpoint: str) -> dict[str, str]:
    text = json.dumps(EXAMPLE_ARTICLE["text"])
    bad = f'"x {SURROGATE} y"'
    if endpoint == "/v1/feedback":
        corrected = '"corrected": {"topic": "doi-song", "campaigns": []}'
        return {
            "text": f'{{"text": {bad}, {corrected}}}',
            "title": f'{{"title": {bad}, "text": {text}, {corrected}}}',
            "article_id": f'{{"article_id": {bad}, "text": {text}, {corrected}}}',
        }
    one = {
        "text": f'{{"id": "s1", "text": {bad}}}',
        "title": f'{{"id": "s1", "title": {bad}, "text": {text}}}',
        "id": f'{{"id": {bad}, "text": {text}}}',
    }
    if endpoint == "/v1/tag/batch":
        return {field: f'{{"articles": [{body}]}}' for field, body in one.items()}
    return one


def case_surrogates(srv: Server, client: httpx.Client) -> None:
    for endpoint in ("/v1/tag", "/v1/summarize", "/v1/analyze", "/v1/tag/batch", "/v1/feedback"):
        seen, ok = [], True
        for field, body in _surrogate_bodies(endpoint).items():
            try:
                resp = post_raw(client, srv.base + endpoint, body)
                status = resp.status_code
                named = field in resp.text or status == 200
                if endpoint == "/v1/tag/batch" and status == 200:
                    named = field in resp.text  # rejected per article, naming the field
                ok &= status in (200, 422) and named
                seen.append(f"{field}={status}")
            except httpx.HTTPError as exc:
                ok = False
                seen.append(f"{field}={type(exc).__name__}")
        report(f"3 lone surrogates {endpoint}", ok, ", ".join(seen))


# Methods uvicorn's parser (httptools/llhttp) accepts but no route serves, plus made-up ones
# (rejected by llhttp with a 400, served by h11 deployments): each may become a label value.
KNOWN_METHODS = (
    "PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK SEARCH REPORT MKACTIVITY CHECKOUT MERGE "
    "M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PURGE MKCALENDAR LINK UNLINK SOURCE BIND REBIND "
    "UNBIND ACL QUERY TRACE CONNECT"
).split()


def case_metrics(srv: Server, client: httpx.Client, n: int) -> None:
    before = len(client.get(srv.base + "/metrics", timeout=10).content)
    for i in range(n):
        method = KNOWN_METHODS[i % len(KNOWN_METHODS)] if i % 2 else f"FAKE{i}"
        try:
            client.request(method, f"{srv.base}/v1/tag?x={i}", timeout=5)
        except httpx.HTTPError:
            pass
    after = len(client.get(srv.base + "/metrics", timeout=10).content)
    ok = after - before < 20_000  # a handful of folded series, not one per method
    report("4 /metrics after fake methods", ok, f"{before:,} → {after:,} bytes after {n} requests")


def case_feedback_read_only(srv: Server, client: httpx.Client) -> None:
    secret = "Bài viết bí mật số 4711 về hiến máu."
    payload = {"text": secret, "corrected": {"topic": "doi-song", "campaigns": []}}
    first = client.post(srv.base + "/v1/feedback", json=payload, timeout=30).status_code
    locked = _make_read_only([srv.db, srv.db_dir])
    if not locked:
        report("8 feedback on read-only SQLite", None, "cannot make the database read-only here")
        return
    try:
        resp = client.post(srv.base + "/v1/feedback", json=payload, timeout=30)
    finally:
        _make_writable([srv.db, srv.db_dir], locked)
    leaks = [w for w in ("INSERT", str(srv.db), "4711", "sqlite3.") if w in resp.text]
    ok = resp.status_code == 503 and not leaks
    report(
        "8 feedback on read-only SQLite",
        ok,
        f"{resp.status_code} (first write {first}); leaks: {', '.join(leaks) or 'none'}",
    )
    again = client.post(srv.base + "/v1/feedback", json=payload, timeout=30).status_code
    report("8 feedback writable again", again in (200, 201), f"{again} without a restart")


def _make_read_only(paths: list[Path]) -> str | None:
    """``chattr +i`` (holds even for root), else chmod when not root; None when neither works."""
    if shutil.which("chattr"):
        res = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, timeout=10)
        if res.returncode == 0:
            return "chattr"
    if os.geteuid() != 0:
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return "chmod"
    return None


def _make_writable(paths: list[Path], how: str) -> None:
    if how == "chattr":
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True, timeout=10)
    else:
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)


def case_burst(srv: Server, concurrency: int) -> None:
    article = dict(EXAMPLE_ARTICLE)
    statuses: Counter[str] = Counter()
    retry_after: list[bool] = []
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        t0 = time.monotonic()
        try:
            resp = await client.post(srv.base + "/v1/analyze", json=article, timeout=60)
            statuses[str(resp.status_code)] += 1
            if resp.status_code == 503:
                retry_after.append("retry-after" in resp.headers)
        except httpx.HTTPError as exc:
            statuses[type(exc).__name__] += 1
        latencies.append(time.monotonic() - t0)

    async def burst() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:
            await asyncio.gather(*(one(client) for _ in range(2 * concurrency)))

    asyncio.run(burst())
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    bad = [s for s in statuses if not s.isdigit() or (int(s) >= 500 and s != "503")]
    ok = statuses.get("503", 0) > 0 and all(retry_after) and not bad
    counts = ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
    report(
        f"9 burst c={concurrency}",
        ok,
        f"{counts}; Retry-After on every 503: "
        f"{all(retry_after) if retry_after else '-'}; p99 {p99:.2f} s",
    )


# --- the CLI -----------------------------------------------------------------------------------


def tinbai(*args: str, timeout: float = 90) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "tinbai.service.cli", *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    try:
        res = subprocess.run(
            cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return 124, "timed out"
    return res.returncode, res.stderr


def one_line(err: str) -> bool:
    """The error is one line on stderr, no traceback."""
    lines = [x for x in err.splitlines() if "error" in x.lower()]
    return "Traceback" not in err and len(lines) == 1


def articles(n: int, prefix: str = "a") -> list[dict]:
    return [{**EXAMPLE_ARTICLE, "id": f"{prefix}-{i}"} for i in range(n)]


def write_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def cli_cases(work: Path, model: list[str]) -> None:
    d = work / "cli"
    d.mkdir()
    inp = write_lines(d / "x.jsonl", articles(5))
    before = inp.read_bytes()
    code, err = tinbai("tag", str(inp), "-o", str(inp), *model)
    ok = code == 2 and inp.read_bytes() == before and one_line(err)
    report(
        "5 CLI tag x -o x",
        ok,
        f"exit {code}, input {len(inp.read_bytes())} of {len(before)} bytes left",
    )

    existing = d / "existing.jsonl"
    existing.write_text("precious\n")
    code, err = tinbai("tag", str(d / "missing.jsonl"), "-o", str(existing), *model)
    kept = existing.read_text() == "precious\n"
    report(
        "5 CLI missing input",
        code == 2 and kept and one_line(err),
        f"exit {code}, existing output kept: {kept}",
    )

    data = gzip.compress("".join(json.dumps(r) + "\n" for r in articles(300)).encode())
    gz = d / "cut.jsonl.gz"
    gz.write_bytes(data[: len(data) // 2])
    out = d / "cut-out.jsonl"
    code, err = tinbai("tag", str(gz), "-o", str(out), *model)
    torn = out.exists()
    ok = code == 2 and one_line(err) and str(gz) in err and not torn
    report(
        "5 CLI truncated .gz",
        ok,
        f"exit {code}, partial output left: {torn}, stderr {len(err.splitlines())} line(s)",
    )

    bom = d / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + write_lines(d / "plain.jsonl", articles(2)).read_bytes())
    out = d / "bom-out.jsonl"
    code, err = tinbai("tag", str(bom), "-o", str(out), *model)
    first = json.loads(out.read_text("utf-8").splitlines()[0]) if out.exists() else {}
    report(
        "5 CLI UTF-8 BOM",
        code == 0 and "error" not in first,
        f"exit {code}, line 1: {'error' if 'error' in first else 'tagged'}",
    )

    code, err = tinbai("tag", str(inp), "-o", "/dev/full", *model)
    report(
        "5 CLI full disk (/dev/full)",
        code == 2 and one_line(err),
        f"exit {code}, stderr {len(err.splitlines())} line(s)",
    )

    ro = d / "ro"
    ro.mkdir()
    how = _make_read_only([ro])
    if how is None:
        report("5 CLI unwritable output", None, "cannot make a read-only folder here (root)")
    else:
        try:
            code, err = tinbai("tag", str(inp), "-o", str(ro / "out.jsonl"), *model)
        finally:
            _make_writable([ro], how)
        report(
            "5 CLI unwritable output",
            code == 2 and one_line(err),
            f"exit {code} ({how}), stderr {len(err.splitlines())} line(s)",
        )


def archive_cases(work: Path, model: list[str]) -> None:
    d = work / "archive"
    d.mkdir()
    inp = write_lines(d / "in.jsonl", articles(60, "r"))
    out = d / "out"
    job = [
        "label-archive",
        str(inp),
        "-o",
        str(out),
        *model,
        "--workers",
        "1",
        "--shard-size",
        "20",
    ]
    code, err = tinbai(*job)
    if code != 0:
        report("6 archive first run", False, f"exit {code}: {err.strip()[-150:]}")
        return

    for name, part, damage in (
        ("6 archive flipped part, resume", "part-00001.parquet", "flip"),
        ("6 archive truncated part, resume", "part-00002.parquet", "cut"),
    ):
        p = out / part
        data = bytearray(p.read_bytes())
        if damage == "flip":
            data[len(data) // 2] ^= 0xFF  # the footer stays intact
        else:
            del data[-9:]
        p.write_bytes(bytes(data))
        (out / "_SUCCESS").unlink(missing_ok=True)
        code, err = tinbai(*job)
        rows = _archive_rows(out)
        ok = (
            code == 0
            and part in err
            and "Traceback" not in err
            and sorted(rows) == sorted(f"r-{i}" for i in range(60))
        )
        report(
            name,
            ok,
            f"exit {code}, named in log: {part in err}, "
            f"{len(rows)} rows ({len(set(rows))} distinct) after resume",
        )

    bad = d / "mixed"
    bad.mkdir()
    write_lines(bad / "good.jsonl", articles(5, "g"))
    (bad / "notes.parquet").write_text("a text file, not Parquet\n")
    code, err = tinbai("label-archive", str(bad), "-o", str(d / "out2"), *model, "--workers", "1")
    named = "notes.parquet" in err
    ok = code in (1, 2) and named and "Traceback" not in err and len(err.strip().splitlines()) <= 2
    report(
        "6 archive text file as .parquet",
        ok,
        f"exit {code}, file named: {named}, stderr {len(err.strip().splitlines())} line(s)",
    )


def _archive_rows(out: Path) -> list[str]:
    import pyarrow.parquet as pq

    ids: list[str] = []
    for part in sorted(out.glob("part-*.parquet")):
        try:
            ids.extend(pq.read_table(part, columns=["id"]).column("id").to_pylist())
        except Exception:  # noqa: BLE001 (a corrupt part counts as no rows)
            pass
    return ids


def bundle_cases(work: Path) -> None:
    inp = write_lines(work / "b.jsonl", articles(2))
    for name, rel, command in (
        ("7 truncated topic_weights.npz", "topic_weights.npz", "tag"),
        ("7 truncated summarizer/ranker.npz", "summarizer/ranker.npz", "summarize"),
    ):
        bundle = work / f"bundle-{command}"
        shutil.copytree(DEFAULT_BUNDLE_DIR, bundle)
        f = bundle / rel
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
        code, err = tinbai(
            command, str(inp), "-o", str(work / f"b-{command}.jsonl"), "--model", str(bundle)
        )
        lines = len(err.strip().splitlines())
        ok = code == 2 and lines == 1 and Path(rel).name in err
        report(
            name,
            ok,
            f"exit {code}, stderr {lines} line(s), names the file: {Path(rel).name in err}",
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    ap.add_argument("--server-memory-gib", type=float, default=6.0)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--metrics-requests", type=int, default=500)
    args = ap.parse_args()
    model = ["--model", args.model] if args.model else []
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tinbai-faults-") as tmp:
        work = Path(tmp)
        srv = Server(args, work)
        alive = False
        try:
            srv.wait_ready()
            with httpx.Client() as client:
                guarded("1 summarize bomb", lambda: case_summarize_bomb(srv, client))
                if not srv.alive():  # the bomb took it down: the other cases need a server
                    srv.stop()
                    again = work / "again"
                    again.mkdir()
                    srv = Server(args, again)
                    srv.wait_ready()
                guarded("2 dots", lambda: case_dots_freeze(srv, client))
                guarded("3 surrogates", lambda: case_surrogates(srv, client))
                guarded("4 metrics", lambda: case_metrics(srv, client, args.metrics_requests))
                guarded("8 feedback", lambda: case_feedback_read_only(srv, client))
            guarded("9 burst", lambda: case_burst(srv, args.concurrency))
            alive = srv.alive()
        finally:
            took = srv.stop()
        report("9 server alive after all cases", alive, f"SIGTERM → exit in {took:.1f} s")
        guarded("5 CLI", lambda: cli_cases(work, model))
        guarded("6 archive", lambda: archive_cases(work, model))
        guarded("7 bundle", lambda: bundle_cases(work))
    passed = sum(RESULTS)
    print(f"{passed}/{len(RESULTS)} passed in {time.monotonic() - t_start:.0f} s", flush=True)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
