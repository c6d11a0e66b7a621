"""``tinbai label-archive --engine ray --ray-address`` against a real two-node Ray cluster.

The cluster test is marked ``ray_cluster`` (``pytest -m ray_cluster`` runs just it). The
cluster (see :mod:`tests.ray_cluster`) is two ``ray start`` nodes on 127.0.0.1 with one CPU
each, so the job's two labelling actors can only run one on each node; the test checks the
rows against the local engine's, and that each node's logs show a labelling actor and each
node unpacked the bundle it was sent. Skipped where Ray is not installed or cannot start,
except under CI (``CI=true``), where that fails. The other tests need no cluster: an address
where nothing answers, and the bundle's packing.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tinbai.service.batch import JobConfig, run_job
from tinbai.service.cli import main

from tests.conftest import write_jsonl
from tests.postgres import free_port
from tests.ray_cluster import RayCluster, missing
from tests.test_archive import make_rows, read_out

REPO = Path(__file__).resolve().parents[1]
ACTOR = "MapWorker(MapBatches(_RayShardLabeler))"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    try:
        import ray  # noqa: F401
    except ImportError:
        missing("Ray is not installed (pip install 'tinbai[ray]')")
    cluster = RayCluster(REPO)
    try:
        try:
            cluster.start()
        except RuntimeError as exc:
            missing(f"a Ray cluster cannot start here: {exc}")
        yield cluster
    finally:
        cluster.stop()


def label_archive(cluster: RayCluster, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tinbai.service.cli", "label-archive", *args]
    return subprocess.run(
        cmd, env=cluster.env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.ray_cluster
@pytest.mark.slow
def test_label_archive_on_a_two_node_cluster(
    ray_cluster: RayCluster, tiny_bundle: Path, tmp_path: Path
) -> None:
    rows = make_rows(30, seed=7)
    inp = write_jsonl(tmp_path / "in.jsonl", [*rows[:4], {"id": "bad", "text": ""}, *rows[4:]])
    common = [str(inp), "--model", str(tiny_bundle), "--shard-size", "4", "--summaries"]
    local = tmp_path / "local"
    summary = run_job(
        JobConfig(str(inp), local, tiny_bundle, shard_size=4, summaries=True, format="parquet")
    )
    assert (summary.ok, summary.failed) == (30, 1)
    out = tmp_path / "ray"
    argv = [*common, "-o", str(out), "--engine", "ray", "--workers", "2"]
    done = label_archive(ray_cluster, *argv, "--ray-address", ray_cluster.address, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]  # one bad row: exit 1, as documented
    assert "31 rows, 30 ok, 1 failed" in done.stderr
    outs = {"local": read_out(local), "ray": read_out(out)}
    rows_out, errors = outs["ray"]
    assert sorted(r["id"] for r in rows_out) == sorted(r["id"] for r in rows)  # each row once
    assert [e["id"] for e in errors] == ["bad"]
    assert outs["ray"] == outs["local"]
    for node in ("head", "worker"):
        assert ray_cluster.actor_logs(node, ACTOR), f"no labelling actor ran on the {node} node"
        # the bundle came through Ray: each node unpacked its own copy under its temp dir
        unpacked = list(ray_cluster.node_dir(node).glob("tinbai-bundles/*/bundle.json"))
        assert len(unpacked) == 1, f"{node}: {unpacked}"


def test_an_address_where_no_cluster_answers_is_a_message_in_seconds(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ray")
    inp = write_jsonl(tmp_path / "in.jsonl", make_rows(3))
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    argv = ["label-archive", str(inp), "-o", str(tmp_path / "out"), "--model", str(tiny_bundle)]
    assert main([*argv, "--engine", "ray", "--ray-address", address]) == 2
    err = capsys.readouterr().err
    assert f"--ray-address {address}: cannot reach a Ray cluster there" in err
    assert "Traceback" not in err


def test_a_packed_bundle_unpacks_once_per_node_and_loads(tiny_bundle: Path, tmp_path: Path) -> None:
    from tinbai.model.bundle import load_bundle
    from tinbai.model.text import prepare
    from tinbai.service.batch.ray_engine import pack_bundle, unpack_bundle

    packed = pack_bundle(tiny_bundle)
    first = unpack_bundle(packed, "k1", tmp_path / "cache")
    assert first == tmp_path / "cache" / "k1"
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in tiny_bundle.iterdir())
    assert unpack_bundle(None, "k1", tmp_path / "cache") == first  # there already: not fetched
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["k1"]  # nothing left aside
    doc = prepare("Bác sĩ bệnh viện điều trị cho bệnh nhân tại Hà Nội.")
    tags = [load_bundle(d).tag([doc])[0].to_dict() for d in (first, tiny_bundle)]
    assert tags[0] == tags[1]
