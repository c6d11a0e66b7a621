"""A throwaway two-node Ray cluster on 127.0.0.1 for the ``--engine ray --ray-address`` test.

``ray start --head`` and ``ray start --address`` (each ``--block``, in its own process group,
with its own ``--temp-dir``, one CPU, no dashboard, no usage stats), every server bound to
loopback. Ray rewrites a loopback ``--node-ip-address`` (and a loopback ``ray.init`` address)
into the machine's outward IP, which would both bind the servers to every interface and make
a loopback-only cluster unreachable; a ``sitecustomize`` on ``PYTHONPATH`` keeps 127.0.0.1 as
given, for the nodes, the driver and the workers alike. A real cluster uses real addresses and
needs none of this. The cluster has its own random token (``RAY_AUTH_MODE=token``), so it
neither reads nor writes ``~/.ray``. Stopping kills exactly the processes the two
``ray start`` commands started (their process groups, then any process still naming the
cluster's folder), never another Ray on the machine; ``ray stop`` would stop them all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import pytest

from tests.postgres import free_port

START_TIMEOUT_S = 120
# Applied in every Python process of the cluster, the driver and the workers (see above).
LOOPBACK_SHIM = """\
from ray._private import services

services.resolve_ip_for_localhost = lambda host: host  # keep 127.0.0.1: loopback only
"""


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"Ray cluster test cannot run under CI: {reason}")
    pytest.skip(reason)


class RayCluster:
    """Head and one worker node; ``address`` is what ``--ray-address`` takes."""

    def __init__(self, repo: Path) -> None:
        # short: Ray's unix sockets live under the temp dir (a 107-byte path limit)
        self.root = Path(tempfile.mkdtemp(prefix="tbray-", dir="/tmp"))
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        shim = self.root / "shim"
        shim.mkdir()
        (shim / "sitecustomize.py").write_text(LOOPBACK_SHIM)
        path = [str(shim), str(repo), *filter(None, [os.environ.get("PYTHONPATH")])]
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "TINBAI_"))},
            "PYTHONPATH": os.pathsep.join(path),
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(16),
        }
        self.nodes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def node_dir(self, name: str) -> Path:
        return self.root / name

    def start(self) -> None:
        ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
        common = ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", "1"]
        common += ["--object-store-memory", str(100 * 1024**2), "--disable-usage-stats"]
        head = [ray, "start", "--head", "--port", str(self.port), "--include-dashboard=false"]
        self._start_node("head", head + common)
        self._start_node("worker", [ray, "start", "--address", self.address, *common])

    def _start_node(self, name: str, argv: list[str]) -> None:
        self.node_dir(name).mkdir()
        log = (self.root / f"{name}.log").open("wb")
        self._logs.append(log)
        argv = [*argv, "--temp-dir", str(self.node_dir(name))]
        self.nodes[name] = subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.log(name)
            if "Ray runtime started" in text:
                return
            if self.nodes[name].poll() is not None:
                raise RuntimeError(f"ray start ({name}) exited: {text[-3000:]}")
            time.sleep(0.25)
        raise RuntimeError(f"ray start ({name}) not up in {START_TIMEOUT_S} s: {text[-3000:]}")

    def log(self, name: str) -> str:
        f = self.root / f"{name}.log"
        return f.read_text(errors="replace") if f.exists() else ""

    def actor_logs(self, name: str, actor: str) -> list[Path]:
        """The node's worker logs naming ``actor`` (Ray writes ``:actor_name:`` per actor)."""
        logs = sorted((self.node_dir(name)).glob("session_*/logs/worker-*.out"))
        return [f for f in logs if f":actor_name:{actor}" in f.read_text(errors="replace")]

    def stop(self) -> None:
        """SIGTERM to each ``ray start`` process group, SIGKILL to what is left after a few
        seconds, then to any straggler whose command line names this cluster's folder."""
        procs = [self.nodes[n] for n in ("worker", "head") if n in self.nodes]
        for proc in procs:
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for pid in _pids_naming(str(self.root)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for log in self._logs:
            log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _pids_naming(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (this cluster's temp folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found
