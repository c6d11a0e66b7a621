"""Bounded work under load: in-flight cap, deadline, cancelled work, fixed metric labels, and
answers that never fail to encode (issue #9, defects 3, 4 and 9)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tinbai.model.bundle import load_bundle
from tinbai.service.api import create_app
from tinbai.service.api.batching import MicroBatcher
from tinbai.service.api.inference import Inference
from tinbai.service.api.limits import LimitsMiddleware
from tinbai.service.api.metrics import METHODS
from tinbai.service.api.responses import render_json
from tinbai.service.settings import Settings

ARTICLE = {"id": "a1", "text": "Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên khen."}


class Gate:
    """A slow tagger: each call says it started, then waits until the test opens the gate."""

    def __init__(self, tag) -> None:
        self.tag = tag
        self.entered = threading.Event()
        self.open = threading.Event()

    def close(self) -> None:
        self.entered.clear()
        self.open.clear()

    def __call__(self, docs):
        self.entered.set()
        assert self.open.wait(30), "the test never opened the gate"
        return self.tag(docs)


@pytest.fixture()
def gated(tiny_bundle: Path, tmp_path: Path):
    """An app whose tagger blocks on a gate; yields (make_client, gate)."""
    bundle = load_bundle(tiny_bundle)
    gate = Gate(bundle.tag)

    def make(**overrides) -> TestClient:
        settings = Settings(
            bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}", **overrides
        )
        app = create_app(settings, bundle=bundle)
        bundle.tag = gate  # after the app is built; the warm-up runs with the gate open
        return TestClient(app)

    yield make, gate
    gate.open.set()


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


def test_over_the_in_flight_limit_is_503_with_retry_after(gated) -> None:
    make, gate = gated
    gate.open.set()
    with make(max_in_flight=1, retry_after_s=7) as client:
        gate.close()
        first: dict = {}
        worker = threading.Thread(
            target=lambda: first.update(resp=client.post("/v1/tag", json=ARTICLE))
        )
        worker.start()
        assert gate.entered.wait(30)  # the first request holds the only place
        resp = client.post("/v1/tag", json=ARTICLE)
        assert resp.status_code == 503 and resp.headers["retry-after"] == "7"
        err = error_of(resp)
        assert err["code"] == "overloaded" and "1 requests in flight" in err["message"]
        assert client.get("/healthz").json() == {"status": "ok"}  # never behind the limit
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200
        gate.open.set()
        worker.join(30)
        assert first["resp"].status_code == 200
        assert client.post("/v1/tag", json=ARTICLE).status_code == 200  # the place is free again


def test_a_request_over_the_deadline_is_504(gated) -> None:
    make, gate = gated
    gate.open.set()
    with make(request_timeout_s=0.2) as client:
        gate.close()
        resp = client.post("/v1/tag", json=ARTICLE)  # the tagger never returns in time
        assert resp.status_code == 504
        err = error_of(resp)
        assert err["code"] == "timeout" and "0.2 s" in err["message"]
        gate.open.set()
        assert client.post("/v1/tag", json=ARTICLE).status_code == 200


def test_queued_model_work_of_a_cancelled_request_never_runs(tiny_bundle: Path) -> None:
    inference = Inference(load_bundle(tiny_bundle), segment=False, batcher=None, threads=1)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def blocker() -> None:
        started.set()
        release.wait(30)
        ran.append("blocker")

    async def main() -> None:
        first = asyncio.ensure_future(inference.run(blocker))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        queued = asyncio.ensure_future(inference.run(ran.append, "queued"))
        await asyncio.sleep(0)
        queued.cancel()  # its client went away while it waited for the only thread
        while not queued.done():  # the cancellation reaches the coroutine on a later turn
            await asyncio.sleep(0)
        release.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await queued

    asyncio.run(main())
    inference.close()
    assert ran == ["blocker"]


def test_a_client_that_disconnects_cancels_its_request() -> None:
    cancelled = asyncio.Event()
    sent: list[dict] = []

    async def slow_app(scope, receive, send) -> None:
        await receive()  # the body
        try:
            await asyncio.Event().wait()  # model work that would never end
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def main() -> None:
        messages = [{"type": "http.request", "body": b"{}", "more_body": False}]
        gone = asyncio.Event()

        async def receive() -> dict:
            if messages:
                return messages.pop(0)
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        limits = LimitsMiddleware(slow_app, max_in_flight=4, retry_after_s=1, timeout_s=30)
        scope = {"type": "http", "path": "/v1/tag", "method": "POST", "headers": []}
        request = asyncio.ensure_future(limits(scope, receive, send))
        await asyncio.sleep(0.01)
        assert limits.in_flight == 1
        gone.set()  # the client hangs up
        await asyncio.wait_for(request, 5)  # returns normally: nobody is left to answer
        assert cancelled.is_set() and limits.in_flight == 0 and sent == []

    asyncio.run(main())


def test_micro_batches_skip_items_whose_caller_was_cancelled() -> None:
    seen: list[list[int]] = []

    def double(items: list[int]) -> list[int]:
        seen.append(list(items))
        return [2 * x for x in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(double, max_batch_size=8, max_wait_ms=50)
        batcher.start()
        try:
            tasks = [asyncio.ensure_future(batcher.submit(i)) for i in range(4)]
            await asyncio.sleep(0)
            tasks[1].cancel()
            tasks[3].cancel()
            return [await tasks[0], await tasks[2]]
        finally:
            await batcher.stop()

    assert asyncio.run(main()) == [0, 4]
    assert seen == [[0, 2]]


def test_metric_labels_come_from_a_fixed_set(tiny_bundle: Path, tmp_path: Path) -> None:
    settings = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}")
    with TestClient(create_app(settings)) as client:

        def series() -> set[str]:
            body = client.get("/metrics").text
            return {line.split(" ")[0] for line in body.splitlines() if line.startswith("tinbai_")}

        def junk(i: int) -> None:
            client.request(f"MADEUP{i}", "/v1/tag")
            client.request(f"X{i}", "/healthz")
            client.get(f"/nowhere/{i}")

        junk(0)
        series()
        before = series()  # now /metrics itself is counted too
        for i in range(1, 60):
            junk(i)
        assert series() == before  # 59 more made-up methods and paths: not one new series
        body = client.get("/metrics").text
    methods = {
        part.split('"')[1]
        for line in body.splitlines()
        if line.startswith("tinbai_requests_total")
        for part in line.split(",")
        if part.startswith("method=")
    }
    assert methods <= METHODS | {"other"} and "other" in methods
    assert "MADEUP" not in body and "/nowhere" not in body


def test_a_lone_surrogate_never_breaks_an_answer(tiny_bundle: Path, tmp_path: Path) -> None:
    assert render_json({"x": "a\ud800b"}) == b'{"x":"a\\ud800b"}'
    assert render_json({"x": "hòa"}) == '{"x":"hòa"}'.encode()
    settings = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}")
    with TestClient(create_app(settings)) as client:
        # An unknown topic id is echoed in the error message: it must not kill the answer.
        raw = b'{"text": "Tin b\\u00f3ng \\u0111\\u00e1.", "corrected": {"topic": "x\\ud800"}}'
        resp = client.post(
            "/v1/feedback", content=raw, headers={"content-type": "application/json"}
        )
        assert resp.status_code == 422 and "field '" in error_of(resp)["message"]
