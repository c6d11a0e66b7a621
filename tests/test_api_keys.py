"""Optional API keys: every /v1/* call needs one when keys are set; health stays open."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tinbai.service.api import create_app
from tinbai.service.api.guard import key_matches
from tinbai.service.settings import Settings

KEYS = ["k-alpha-7f3e", "k-beta-19ac"]
ARTICLE = {"title": "Bóng đá", "text": "Cầu thủ ghi bàn thắng trong trận đấu."}


@pytest.fixture(scope="module")
def client(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("keys")
    settings = Settings(
        bundle=tiny_bundle, database_url=f"sqlite:///{tmp / 'fb.db'}", api_keys=KEYS
    )
    with TestClient(create_app(settings)) as c:
        yield c


V1_CALLS = [
    ("post", "/v1/tag", ARTICLE),
    ("post", "/v1/summarize", ARTICLE),
    ("post", "/v1/analyze", ARTICLE),
    ("post", "/v1/tag/batch", {"articles": [ARTICLE]}),
    ("get", "/v1/models", None),
    ("post", "/v1/feedback", {"text": ARTICLE["text"], "corrected": {"topic": "the-thao"}}),
]


@pytest.mark.parametrize(("method", "path", "body"), V1_CALLS)
def test_v1_needs_a_valid_key(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    kwargs = {"json": body} if body is not None else {}
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}, {"X-API-Key": KEYS[0] + "x"}):
        resp = getattr(client, method)(path, headers=headers, **kwargs)
        assert resp.status_code == 401, (path, headers)
        assert resp.json()["error"]["code"] == "unauthorized"
        assert "X-API-Key" in resp.json()["error"]["message"]
    for key in KEYS:
        resp = getattr(client, method)(path, headers={"X-API-Key": key}, **kwargs)
        assert resp.status_code in (200, 201), (path, resp.text)


def test_unknown_v1_paths_are_401_too(client: TestClient) -> None:
    assert client.get("/v1/anything").status_code == 401


def test_key_is_checked_before_the_body(client: TestClient) -> None:
    """No feedback on a body to a caller without a key."""
    resp = client.post("/v1/tag", content=b"{broken", headers={"content-type": "text/plain"})
    assert resp.status_code == 401
    resp = client.post(
        "/v1/tag",
        content=b"{broken",
        headers={"content-type": "application/json", "X-API-Key": KEYS[1]},
    )
    assert resp.status_code == 400


def test_health_metrics_docs_and_page_stay_open(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/", "/openapi.json", "/static/app.js"):
        assert client.get(path).status_code == 200, path
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_keys_never_appear_in_logs_or_answers(
    tiny_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}", api_keys=KEYS
    )
    with TestClient(create_app(settings)) as c:
        c.post("/v1/tag", json=ARTICLE, headers={"X-API-Key": KEYS[0]})
        c.post("/v1/tag", json=ARTICLE, headers={"X-API-Key": "guess-" + KEYS[1]})
        answers = c.get("/v1/models", headers={"X-API-Key": KEYS[0]}).text + c.get("/metrics").text
    for key in KEYS:
        assert key not in caplog.text and key not in answers
    assert KEYS[0] not in repr(settings)


def test_key_matching() -> None:
    from pydantic import SecretStr

    keys = [SecretStr(k) for k in KEYS]
    assert key_matches(KEYS[1], keys)
    assert not key_matches(None, keys) and not key_matches("", keys)
    assert not key_matches(KEYS[0][:-1], keys) and not key_matches("ключ", keys)
