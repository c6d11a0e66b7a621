"""/openapi.json tells the truth: the error body of every refusal, and examples that are real.

Read from the served document (what Swagger UI and client generators see), not from the
Python objects that build it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.taxonomy import load_taxonomy
from tinbai.service.api import create_app, schemas
from tinbai.service.api.errors import BODY_ERRORS, CALL_ERRORS, CODES
from tinbai.service.api.examples import EXAMPLE_ARTICLE, EXAMPLE_SUMMARY_OUT, EXAMPLE_TAG_OUT
from tinbai.service.settings import Settings

ERROR_REF = "#/components/schemas/ErrorBody"
OTHER_CODES = {503: {"overloaded", "storage_unavailable"}}  # 503s that are not "not_ready"


@pytest.fixture(scope="module")
def client(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        bundle=tiny_bundle,
        database_url=f"sqlite:///{tmp / 'fb.db'}",
        max_text_chars=500,
        max_request_bytes=4096,
        api_keys=["k-123"],
    )
    with TestClient(create_app(settings), headers={"X-API-Key": "k-123"}) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def v1_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = [
        (path, method, op)
        for path, methods in spec["paths"].items()
        if path.startswith("/v1/")
        for method, op in methods.items()
    ]
    assert len(ops) == 6, ops
    return ops


def test_every_v1_route_documents_the_error_body_of_each_refusal(spec: dict[str, Any]) -> None:
    for path, method, op in v1_operations(spec):
        has_body = "requestBody" in op
        assert has_body == (method == "post"), path
        expected = set(CALL_ERRORS) | (set(BODY_ERRORS) if has_body else set())
        documented = {int(s) for s in op["responses"] if not s.startswith("2")}
        assert documented == expected, (method, path)
        for status in expected:
            content = op["responses"][str(status)]["content"]["application/json"]
            assert content["schema"] == {"$ref": ERROR_REF}, (path, status)
            assert content["examples"], (path, status)
            for example in content["examples"].values():
                body = schemas.ErrorBody.model_validate(example["value"])
                assert body.error.code in {CODES[status]} | OTHER_CODES.get(status, set())
    # FastAPI's default 422 schema describes a body the service never sends
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "Retry-After" in spec["paths"]["/v1/tag"]["post"]["responses"]["503"]["headers"]


def _schema_class(name: str) -> type[BaseModel]:
    cls = getattr(schemas, name, None)
    assert isinstance(cls, type) and issubclass(cls, BaseModel), name
    return cls


def test_every_example_validates_against_its_schema(spec: dict[str, Any]) -> None:
    with_examples = {
        name: schema["examples"]
        for name, schema in spec["components"]["schemas"].items()
        if "examples" in schema
    }
    # the request and response bodies of the routes all carry one (no "string" placeholders)
    assert {"ArticleIn", "SummarizeIn", "AnalyzeIn", "BatchIn", "FeedbackIn", "ErrorBody"} <= set(
        with_examples
    )
    assert {"TagOut", "BatchOut", "SummaryOut", "AnalyzeOut", "FeedbackOut"} <= set(with_examples)
    for name, examples in with_examples.items():
        for example in examples:
            _schema_class(name).model_validate(example)  # raises on a mismatch
    for path, _method, op in v1_operations(spec):
        ok = next(r for s, r in op["responses"].items() if s.startswith("2"))
        content = ok["content"]["application/json"]
        ref = content["schema"].get("$ref")
        assert ref or "example" in content, path  # /v1/models: a plain object with an example
        if ref:
            assert ref.rsplit("/", 1)[1] in with_examples, path


def _walk(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _walk(v))]
    if isinstance(value, list):
        return [d for v in value for d in _walk(v)]
    return []


def _example_values(spec: dict[str, Any]) -> list[Any]:
    """Every example in the document: schemas' ``examples`` lists, media types' ``example``
    and ``examples`` maps (``{"name": {"value": …}}``)."""
    out: list[Any] = []
    for d in _walk(spec):
        if "example" in d:
            out.append(d["example"])
        got = d.get("examples")
        if isinstance(got, list):
            out += got
        elif isinstance(got, dict):
            out += [e["value"] for e in got.values() if isinstance(e, dict) and "value" in e]
    return out


def test_examples_name_real_topics_and_campaigns(spec: dict[str, Any]) -> None:
    taxonomy = load_taxonomy()
    topics = {t.id: t.name for t in taxonomy.topics}
    campaigns = {c.id: c.name for c in taxonomy.campaigns}
    seen_topics, seen_campaigns = set(), set()
    for d in _walk(_example_values(spec)):
        if {"label", "score", "name"} <= set(d):  # a topic score
            assert topics.get(d["label"]) == d["name"], d
            seen_topics.add(d["label"])
        if {"id", "score", "evidence"} <= set(d):  # a campaign
            assert campaigns.get(d["id"]) == d["name"], d
            seen_campaigns.add(d["id"])
        for key in ("predicted", "corrected"):  # feedback tags
            if isinstance(d.get(key), dict) and "campaigns" in d[key]:
                assert d[key]["topic"] in topics and set(d[key]["campaigns"]) <= set(campaigns)
    assert seen_topics == set(topics) and seen_campaigns == {"hien-mau-tinh-nguyen"}


@pytest.mark.skipif(
    not (DEFAULT_BUNDLE_DIR / "bundle.json").exists(), reason="default bundle not built"
)
def test_success_examples_are_what_the_shipped_bundle_answers(tmp_path: Path) -> None:
    settings = Settings(bundle=DEFAULT_BUNDLE_DIR, database_url=f"sqlite:///{tmp_path / 'f.db'}")
    with TestClient(create_app(settings)) as c:
        tagged = c.post("/v1/tag", json=EXAMPLE_ARTICLE).json()
        summary = c.post("/v1/summarize", json={**EXAMPLE_ARTICLE, "sentences": 2}).json()
    # labels, evidence and the chosen sentences; scores may move when the bundle is retrained
    assert tagged["topic"]["label"] == EXAMPLE_TAG_OUT["topic"]["label"]
    assert tagged["campaigns"] and [(c["id"], c["evidence"]) for c in tagged["campaigns"]] == [
        (c["id"], c["evidence"]) for c in EXAMPLE_TAG_OUT["campaigns"]
    ]
    assert summary["summary"] == EXAMPLE_SUMMARY_OUT["summary"]
    assert tagged["model"]["name"] == EXAMPLE_TAG_OUT["model"]["name"]


def test_each_documented_refusal_is_what_the_service_sends(client: TestClient) -> None:
    """The statuses the docs list are the ones these refusals really get, in the ErrorBody."""
    cases = {
        400: client.post(
            "/v1/tag", content=b'{"text": "a",}', headers={"content-type": "application/json"}
        ),
        401: client.post("/v1/tag", json=EXAMPLE_ARTICLE, headers={"X-API-Key": "wrong"}),
        413: client.post("/v1/tag", json={"text": "x" * 501}),
        415: client.post("/v1/tag", content=b"{}", headers={"content-type": "text/plain"}),
        422: client.post("/v1/summarize", json={"text": "Một câu.", "sentences": 0}),
    }
    for status, resp in cases.items():
        assert resp.status_code == status, resp.text
        body = schemas.ErrorBody.model_validate(resp.json())
        assert body.error.code == CODES[status] and body.error.message
    too_big = client.post("/v1/tag", json={"text": "x" * 5000})  # over max_request_bytes
    assert too_big.status_code == 413
    assert client.get("/v1/models", headers={"X-API-Key": "nope"}).status_code == 401
