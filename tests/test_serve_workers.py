"""``tinbai serve --workers N``: N processes on one port, every one with the same settings and
API keys (from the CLI, the environment and the settings file alike)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str, key: str | None = None) -> int:
    req = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:  # not listening yet
        return 0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _models_requests(base: str) -> dict[str, float]:
    """``tinbai_requests_total`` for ``GET /v1/models`` by status, from one scrape."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("tinbai_requests_total{") and 'endpoint="/v1/models"' in line:
            status = line.split('status="')[1].split('"')[0]
            out[status] = float(line.rsplit(" ", 1)[1])
    return out


def test_workers_share_settings_and_keys(tiny_bundle: Path, tmp_path: Path) -> None:
    port = _free_port()
    env_file = tmp_path / "tinbai.env"
    env_file.write_text(
        f"TINBAI_API_KEYS=k-one,k-two\nTINBAI_DATABASE_URL=sqlite:///{tmp_path / 'fb.db'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
    env["PYTHONPATH"] = str(REPO)
    env["TMPDIR"] = str(tmp_path / "tmp")  # where serve makes the workers' metrics folder
    (tmp_path / "tmp").mkdir()
    cmd = [sys.executable, "-m", "tinbai.service.cli", "serve", "--workers", "2"]
    cmd += ["--port", str(port), "--model", str(tiny_bundle), "--env-file", str(env_file)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail(proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
            if len(_children(proc.pid)) >= 2 and _status(f"{base}/healthz") == 200:
                break
            time.sleep(0.1)
        workers = [c for c in _children(proc.pid) if Path(f"/proc/{c}/cmdline").exists()]
        assert len(workers) >= 2
        for _ in range(12):  # connections land on either worker: each answers the same way
            assert _status(f"{base}/v1/models") == 401
            assert _status(f"{base}/v1/models", "k-two") == 200
        req = urllib.request.Request(f"{base}/v1/models", headers={"X-API-Key": "k-one"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())  # the --model bundle, in every worker
        # /metrics from whichever worker answers counts the requests of all of them
        for _ in range(6):
            assert _models_requests(base) == {"401": 12.0, "200": 13.0}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert not list((tmp_path / "tmp").glob("tinbai-metrics-*"))  # removed on the way out
