"""The generic micro-batcher, alone and in front of a real (tiny classical) bundle."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from tinbai.service.api import create_app
from tinbai.service.api.batching import MicroBatcher
from tinbai.service.settings import Settings


def run(coro):
    return asyncio.run(coro)


def test_concurrent_items_are_batched_and_answered_in_order() -> None:
    calls: list[list[int]] = []
    threads: set[str] = set()

    def square(items: list[int]) -> list[int]:
        calls.append(list(items))
        threads.add(threading.current_thread().name)
        return [x * x for x in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(square, max_batch_size=8, max_wait_ms=100)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(i) for i in range(20)))
        finally:
            await batcher.stop()

    results = run(main())
    assert results == [i * i for i in range(20)]
    assert sorted(x for c in calls for x in c) == list(range(20))
    assert max(len(c) for c in calls) == 8  # the size cap holds…
    assert len(calls) == 3  # …and 20 concurrent items went out as 8 + 8 + 4
    assert all(name.startswith("micro-batch") for name in threads)  # off the event loop


def test_two_workers_keep_two_batches_in_flight() -> None:
    lock = threading.Lock()
    in_flight = peak = 0
    sizes: list[int] = []

    def slow(items: list[int]) -> list[int]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.1)
        with lock:
            in_flight -= 1
            sizes.append(len(items))
        return [-x for x in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(slow, max_batch_size=4, max_wait_ms=50, workers=2)
        batcher.start()
        try:
            return await batcher.submit_many(list(range(16)))
        finally:
            await batcher.stop()

    assert run(main()) == [-x for x in range(16)]
    assert peak == 2 and sum(sizes) == 16 and max(sizes) <= 4


def test_a_lone_item_goes_out_alone_after_the_wait() -> None:
    sizes: list[int] = []

    async def main() -> int:
        batcher = MicroBatcher(
            lambda xs: [x + 1 for x in xs], max_batch_size=8, max_wait_ms=1, on_batch=sizes.append
        )
        batcher.start()
        try:
            return await batcher.submit(41)
        finally:
            await batcher.stop()

    assert run(main()) == 42 and sizes == [1]


def test_a_failing_batch_fails_its_requests_not_the_batcher() -> None:
    def fn(items: list[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        return items

    async def main() -> tuple[list, int]:
        batcher = MicroBatcher(fn, max_batch_size=4, max_wait_ms=20)
        batcher.start()
        try:
            first = await asyncio.gather(
                batcher.submit(13), batcher.submit(2), return_exceptions=True
            )
            return first, await batcher.submit(7)
        finally:
            await batcher.stop()

    first, after = run(main())
    assert all(isinstance(r, ValueError) for r in first)
    assert after == 7


def test_wrong_result_count_is_an_error_and_stopped_batcher_refuses() -> None:
    async def main() -> None:
        batcher = MicroBatcher(lambda xs: xs[:-1], max_batch_size=4, max_wait_ms=1)
        with pytest.raises(RuntimeError, match="not running"):
            await batcher.submit(1)
        batcher.start()
        with pytest.raises(RuntimeError, match="returned 0 results for 1 items"):
            await batcher.submit(1)
        await batcher.stop()

    run(main())
    with pytest.raises(ValueError):
        MicroBatcher(lambda xs: xs, max_batch_size=0)
    with pytest.raises(ValueError):
        MicroBatcher(lambda xs: xs, workers=0)


ARTICLES = [
    {"id": f"a{i}", "title": t, "text": f"{body} Bài số {i}."}
    for i, (t, body) in enumerate(
        [
            ("Bóng đá", "Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên khen cầu thủ."),
            (
                "Ngân hàng",
                "Doanh nghiệp báo lợi nhuận cao. Cổ phiếu ngân hàng tăng trên thị trường.",
            ),
            (
                "Hiến máu",
                "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu 300 đơn vị máu.",
            ),
            ("Bệnh viện", "Bác sĩ điều trị cho bệnh nhân. Bệnh viện tiêm vắc xin."),
        ]
        * 3
    )
]


def test_micro_batched_app_answers_like_the_plain_one(tiny_bundle: Path, tmp_path: Path) -> None:
    """Works with any Tagger, here the classical one: same answers, fewer tagger calls."""

    def settings(mode: str) -> Settings:
        return Settings(
            bundle=tiny_bundle,
            database_url=f"sqlite:///{tmp_path / 'fb.db'}",
            micro_batching=mode,
            max_batch_size=8,
            max_wait_ms=200,
        )

    with TestClient(create_app(settings("off"))) as plain:
        expected = [plain.post("/v1/analyze", json=a).json() for a in ARTICLES]

    app = create_app(settings("on"))
    assert app.state.inference.micro_batching

    async def concurrent() -> tuple[list[dict], str, dict]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                resps = await asyncio.gather(*(c.post("/v1/analyze", json=a) for a in ARTICLES))
                metrics = (await c.get("/metrics")).text
                models = (await c.get("/v1/models")).json()
        return [r.json() for r in resps], metrics, models

    got, metrics, models = run(concurrent())
    assert got == expected
    assert models["serving"]["micro_batching"] is True
    count = float(
        next(
            line.split()[1]
            for line in metrics.splitlines()
            if line.startswith('tinbai_batch_size_count{source="micro"}')
        )
    )
    total = float(
        next(
            line.split()[1]
            for line in metrics.splitlines()
            if line.startswith('tinbai_batch_size_sum{source="micro"}')
        )
    )
    assert total == len(ARTICLES) + 1  # + the warm-up call
    assert count < total  # at least two requests shared a tagger call


def test_auto_turns_micro_batching_on_only_for_transformer_kinds(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    s = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}")
    assert s.micro_batching == "auto"
    assert not create_app(s).state.inference.micro_batching  # classical
    assert s.micro_batching_for("phobert")
    assert Settings(micro_batch_kinds="phobert,classical").micro_batching_for("classical")
