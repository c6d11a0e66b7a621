"""The HTTP API with FastAPI's test client: every endpoint and every error case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tinbai.model.bundle import Bundle, BundleError, load_bundle
from tinbai.service.api import create_app
from tinbai.service.api.app import ONE_ARTICLE_ROUTES
from tinbai.service.api.examples import EXAMPLE_TEXT
from tinbai.service.cli import main
from tinbai.service.settings import Settings

SPORT = {
    "id": "s1",
    "title": "Bóng đá",
    "text": "Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên khen cầu thủ. "
    "Giải vô địch có nhiều trận đấu hay.",
}
BLOOD = {
    "id": 42,
    "title": "Ngày hội hiến máu tình nguyện",
    "text": "Bệnh viện và bác sĩ tổ chức ngày hội.\nHuyện tổ chức hiến máu tình nguyện. "
    "Ngày hội hiến máu thu được 300 đơn vị máu. Phong trào hiến máu tình nguyện lan rộng. "
    "Bệnh nhân được điều trị.",
}
LIMIT = 2000


def make_settings(bundle: Path, tmp: Path, **overrides) -> Settings:
    values = {
        "bundle": bundle,
        "database_url": f"sqlite:///{tmp / 'feedback.db'}",
        "max_text_chars": LIMIT,
        "max_batch_articles": 4,
        "max_request_bytes": 64 * 1024,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def client(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(make_settings(tiny_bundle, tmp_path_factory.mktemp("api")))
    with TestClient(app) as c:
        yield c


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


# -- health ----------------------------------------------------------------------------------


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model"] == {"name": "tiny", "version": "0.1.0", "kind": "classical"}


def test_readyz_is_503_until_the_model_is_warmed_up(tiny_bundle: Path, tmp_path: Path) -> None:
    app = create_app(make_settings(tiny_bundle, tmp_path))
    plain = TestClient(app)  # no `with`: the lifespan (warm-up) has not run
    resp = plain.get("/readyz")
    assert resp.status_code == 503 and error_of(resp)["code"] == "not_ready"
    documented = plain.get("/openapi.json").json()["paths"]["/readyz"]["get"]["responses"]["503"]
    assert documented["content"]["application/json"]["example"] == resp.json()
    with TestClient(app) as c:
        assert c.get("/readyz").status_code == 200


# -- tagging ---------------------------------------------------------------------------------


def test_tag_returns_topic_ranking_campaigns_and_model(
    client: TestClient, tiny_bundle: Path
) -> None:
    resp = client.post("/v1/tag", json=BLOOD)
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == "42"  # integer ids are echoed as strings, as in the CLI
    assert body["model"] == {"name": "tiny", "version": "0.1.0", "kind": "classical"}
    topic = body["topic"]
    assert topic["label"] == "suc-khoe" and topic["name"] == "Sức khỏe"
    bundle = load_bundle(tiny_bundle)
    assert [t["label"] for t in topic["ranking"]][0] == topic["label"]
    assert {t["label"] for t in topic["ranking"]} == set(bundle.manifest.labels["topics"])
    scores = [t["score"] for t in topic["ranking"]]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 0.01
    (campaign,) = body["campaigns"]
    assert campaign["id"] == "hien-mau-tinh-nguyen" and campaign["name"] == "Hiến máu tình nguyện"
    assert campaign["evidence"] and all("hiến máu" in s for s in campaign["evidence"])


def test_tag_matches_the_cli_contract(
    client: TestClient, tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps(SPORT, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)]) == 0
    cli = json.loads(out.read_text(encoding="utf-8"))
    api = client.post("/v1/tag", json=SPORT).json()
    assert api["id"] == cli["id"]
    assert {k: api["topic"][k] for k in ("label", "score")} == cli["topic"]
    assert [{k: c[k] for k in ("id", "score", "evidence")} for c in api["campaigns"]] == cli[
        "campaigns"
    ]


def test_tag_batch_answers_every_article_in_order(client: TestClient) -> None:
    articles = [
        SPORT,
        {"id": "blank", "text": "   "},
        BLOOD,
        {"id": "long", "text": "a" * (LIMIT + 1)},
    ]
    resp = client.post("/v1/tag/batch", json={"articles": articles})
    assert resp.status_code == 200
    body = resp.json()
    assert (body["ok"], body["failed"]) == (2, 2)
    results = body["results"]
    assert [r["id"] for r in results] == ["s1", "blank", "42", "long"]
    assert results[0]["topic"]["label"] == "the-thao"
    assert results[1] == {"id": "blank", "error": "field 'text': is empty or only whitespace"}
    assert results[2]["campaigns"][0]["id"] == "hien-mau-tinh-nguyen"
    assert (
        results[3]["error"] == f"field 'text': is {LIMIT + 1} characters, over the limit of {LIMIT}"
    )
    single = client.post("/v1/tag", json=SPORT).json()
    assert results[0]["topic"] == single["topic"] and results[0]["campaigns"] == single["campaigns"]


def test_tag_batch_limits(client: TestClient) -> None:
    resp = client.post("/v1/tag/batch", json={"articles": [SPORT] * 5})
    assert resp.status_code == 413
    err = error_of(resp)
    assert (
        err["code"] == "payload_too_large" and "5 articles, over the limit of 4" in err["message"]
    )
    resp = client.post("/v1/tag/batch", json={"articles": []})
    assert resp.status_code == 422 and "field 'articles'" in error_of(resp)["message"]
    resp = client.post("/v1/tag/batch", json={"articles": [{"id": "x", "text": 5}]})
    assert resp.status_code == 422
    assert error_of(resp)["message"] == "field 'articles[0].text': must be a string, got number"
    # The count comes before the items: too many is a 413 even when every item is invalid,
    # so a body of a million tiny items is refused without validating one of them.
    resp = client.post("/v1/tag/batch", json={"articles": [{"text": 5}] * 5})
    assert resp.status_code == 413
    assert error_of(resp)["message"] == "field 'articles': 5 articles, over the limit of 4 per call"


# -- summaries -------------------------------------------------------------------------------


def test_summarize_budgets(client: TestClient) -> None:
    body = client.post("/v1/summarize", json=BLOOD).json()
    assert body["scorer"] == "lead.v1" and body["id"] == "42"
    assert [s["index"] for s in body["sentences"]] == [0, 1, 2]  # lead baseline, default 3
    assert body["summary"] == " ".join(s["text"] for s in body["sentences"])
    one = client.post("/v1/summarize", json={**BLOOD, "sentences": 1}).json()
    assert len(one["sentences"]) == 1
    short = client.post("/v1/summarize", json={**BLOOD, "max_chars": 80}).json()
    assert len(short["summary"]) <= 80 or len(short["sentences"]) == 1
    half = client.post("/v1/summarize", json={**BLOOD, "ratio": 0.5}).json()
    assert 1 <= len(half["sentences"]) < 5


def test_summarize_rejects_two_budgets_and_bad_values(client: TestClient) -> None:
    resp = client.post("/v1/summarize", json={**SPORT, "sentences": 2, "ratio": 0.5})
    assert resp.status_code == 422
    assert "give only one of sentences, max_chars, ratio" in error_of(resp)["message"]
    resp = client.post("/v1/summarize", json={**SPORT, "ratio": 1.5})
    assert resp.status_code == 422 and "field 'ratio'" in error_of(resp)["message"]
    resp = client.post("/v1/summarize", json={**SPORT, "sentences": 0})
    assert resp.status_code == 422 and "field 'sentences'" in error_of(resp)["message"]


# -- analyze ---------------------------------------------------------------------------------


def test_analyze_is_tag_plus_summary(client: TestClient) -> None:
    both = client.post("/v1/analyze", json={**BLOOD, "sentences": 2}).json()
    tag = client.post("/v1/tag", json=BLOOD).json()
    summ = client.post("/v1/summarize", json={**BLOOD, "sentences": 2}).json()
    for key in ("id", "topic", "campaigns", "model"):
        assert both[key] == tag[key]
    for key in ("summary", "sentences", "scorer"):
        assert both[key] == summ[key]
    assert "document" not in both
    with_doc = client.post("/v1/analyze", json={**BLOOD, "include_document": True}).json()
    doc = with_doc["document"]
    assert doc["title"] == BLOOD["title"]
    assert [s["index"] for s in doc["sentences"]] == list(range(len(doc["sentences"])))
    assert [s["paragraph"] for s in doc["sentences"]][:2] == [0, 1]
    texts = {s["text"] for s in doc["sentences"]}
    assert all(s["text"] in texts for s in with_doc["sentences"])
    assert all(e in texts for c in with_doc["campaigns"] for e in c["evidence"])


class _Spy:
    """Records the documents a tagger / summariser receives."""

    def __init__(self, inner, seen: list) -> None:
        self.inner, self.seen = inner, seen

    def tag(self, docs):
        self.seen.extend(("tag", d) for d in docs)
        return self.inner.tag(docs)

    def summarize(self, doc, budget=None):
        self.seen.append(("summarize", doc))
        return self.inner.summarize(doc, budget)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.slow  # imports underthesea's segmenter (~3 s)
def test_analyze_prepares_and_segments_once(tiny_bundle: Path, tmp_path: Path) -> None:
    """One cleaning and one segmentation pass: the tagger and the summariser get the very same
    (pre-segmented) Document object."""
    bundle = load_bundle(tiny_bundle)
    seen: list = []
    spied = Bundle(
        path=bundle.path,
        manifest=bundle.manifest,
        taxonomy=bundle.taxonomy,
        tagger=_Spy(bundle.tagger, seen),
    )
    app = create_app(make_settings(tiny_bundle, tmp_path, presegment=True), bundle=spied)
    with TestClient(app) as c:
        inference = app.state.inference
        inference.summarizer = _Spy(inference.summarizer, seen)
        seen.clear()
        assert c.post("/v1/analyze", json=BLOOD).status_code == 200
    assert [kind for kind, _ in seen] == ["tag", "summarize"]
    tagged, summarized = seen[0][1], seen[1][1]
    assert tagged is summarized
    assert tagged.segmented_sentences is not None and len(tagged.segmented_sentences) == len(
        tagged.sentences
    )


# -- models and docs -------------------------------------------------------------------------


def test_models_lists_taxonomy_and_bundle(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["model"]["name"] == "tiny" and body["model"]["kind"] == "classical"
    assert "config" not in body["model"]["training"]  # no local data paths leak
    topics = {t["id"]: t for t in body["taxonomy"]["topics"]}
    assert topics["the-thao"]["name"] == "Thể thao" and "description" in topics["the-thao"]
    camp = {c["id"]: c for c in body["taxonomy"]["campaigns"]}
    assert camp["hien-mau-tinh-nguyen"]["description"]
    assert body["summarizer"] == {"scorer": "lead.v1", "bundled": False, "default_sentences": 3}
    assert body["serving"]["micro_batching"] is False
    assert body["serving"]["max_text_chars"] == LIMIT


def test_models_reports_the_threshold_the_detector_decides_with(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    """A threshold written in the taxonomy overrides the tuned one: /v1/models (which the
    editor page reads for "gần ngưỡng") must report that one, not the manifest's."""
    from tinbai.model.campaigns.detector import CampaignDetector

    bundle = load_bundle(tiny_bundle)
    old = bundle.tagger.campaigns
    campaigns = [
        c.model_copy(update={"threshold": 0.77}) if c.id == "hien-mau-tinh-nguyen" else c
        for c in bundle.taxonomy.campaigns
    ]
    taxonomy = bundle.taxonomy.model_copy(update={"campaigns": campaigns})
    bundle.tagger.campaigns = CampaignDetector(
        taxonomy, old.model, dict(bundle.manifest.thresholds), old.default_threshold, old.fallback
    )
    assert bundle.manifest.thresholds.get("hien-mau-tinh-nguyen") != 0.77
    app = create_app(make_settings(tiny_bundle, tmp_path), bundle=bundle)
    with TestClient(app) as c:
        camp = {x["id"]: x for x in c.get("/v1/models").json()["taxonomy"]["campaigns"]}
    assert camp["hien-mau-tinh-nguyen"]["threshold"] == 0.77
    others = {k: v["threshold"] for k, v in camp.items() if k != "hien-mau-tinh-nguyen"}
    assert others == {k: old.thresholds[k] for k in others}


def test_openapi_has_a_vietnamese_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/tag",
        "/v1/tag/batch",
        "/v1/summarize",
        "/v1/analyze",
        "/v1/models",
        "/v1/feedback",
        "/healthz",
        "/readyz",
    } <= set(spec["paths"])
    examples = json.dumps(spec["components"]["schemas"]["ArticleIn"], ensure_ascii=False)
    assert "hiến máu tình nguyện" in examples and EXAMPLE_TEXT[:40] in examples
    assert client.get("/docs").status_code == 200


def test_example_article_is_tagged_as_the_docs_promise(client: TestClient) -> None:
    from tinbai.service.api.examples import EXAMPLE_ARTICLE

    body = client.post("/v1/analyze", json=EXAMPLE_ARTICLE).json()
    assert [c["id"] for c in body["campaigns"]] == ["hien-mau-tinh-nguyen"]
    assert body["sentences"] and body["summary"]


# -- bad input: a clear answer, never a 500 ------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/tag", "/v1/summarize", "/v1/analyze"])
def test_blank_missing_and_mistyped_text_are_422_naming_the_field(
    client: TestClient, path: str
) -> None:
    for body, message in [
        ({"text": ""}, "field 'text': is empty or only whitespace"),
        ({"text": " \n\t "}, "field 'text': is empty or only whitespace"),
        ({"title": "x"}, "field 'text': is missing"),
        ({"text": 42}, "field 'text': must be a string, got number"),
        ({"text": "ok", "title": ["x"]}, "field 'title'"),
    ]:
        resp = client.post(path, json=body)
        assert resp.status_code == 422, (body, resp.text)
        err = error_of(resp)
        assert err["code"] == "invalid_input" and err["message"].startswith(message)


def test_text_with_nothing_left_after_cleaning_is_422(client: TestClient) -> None:
    resp = client.post("/v1/tag", json={"text": "Chia sẻ"})  # only page chrome
    assert resp.status_code == 422
    assert (
        error_of(resp)["message"]
        == "field 'text': has no article text left after removing page chrome"
    )


def test_text_over_the_limit_is_413(client: TestClient) -> None:
    for path in ("/v1/tag", "/v1/summarize", "/v1/analyze"):
        resp = client.post(path, json={"text": "Bóng đá. " * 300})
        assert resp.status_code == 413
        err = error_of(resp)
        assert err["code"] == "payload_too_large"
        assert err["message"] == f"field 'text': is 2700 characters, over the limit of {LIMIT}"


def test_non_json_body_is_400_with_the_parser_message(client: TestClient) -> None:
    resp = client.post(
        "/v1/tag", content=b'{"text": "abc",', headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400
    err = error_of(resp)
    assert err["code"] == "invalid_json"
    assert err["message"].startswith("body is not valid JSON: Expecting property name")
    resp = client.post("/v1/tag", content="[1, 2]", headers={"content-type": "application/json"})
    assert (
        resp.status_code == 422
        and error_of(resp)["message"] == "body: expected a JSON object, got array"
    )
    resp = client.post("/v1/tag", content=b"", headers={"content-type": "application/json"})
    assert resp.status_code == 422 and error_of(resp)["message"] == "body: is missing"


def test_wrong_content_type_is_415(client: TestClient) -> None:
    for headers in (
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {},
    ):
        resp = client.post("/v1/analyze", content=json.dumps(SPORT), headers=headers)
        assert resp.status_code == 415, headers
        assert error_of(resp)["code"] == "unsupported_media_type"
    resp = client.post(
        "/v1/tag",
        content=json.dumps(SPORT),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 200


def test_oversized_body_is_413_before_parsing(client: TestClient) -> None:
    big = json.dumps({"text": "x" * (70 * 1024)})
    resp = client.post("/v1/tag", content=big, headers={"content-type": "application/json"})
    assert resp.status_code == 413 and "over the limit of 65536" in error_of(resp)["message"]

    def chunks():  # no Content-Length: counted as it streams in
        for _ in range(70):
            yield b"x" * 1024

    resp = client.post("/v1/tag", content=chunks(), headers={"content-type": "application/json"})
    assert resp.status_code == 413 and error_of(resp)["code"] == "payload_too_large"


def test_one_article_routes_refuse_a_body_no_article_fits_before_parsing(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    settings = make_settings(tiny_bundle, tmp_path, max_request_bytes=1024 * 1024)
    limit = settings.max_article_request_bytes
    assert limit == 2 * 12 * LIMIT + 64 * 1024 < settings.max_request_bytes
    with TestClient(create_app(settings)) as c:
        # The largest article the routes accept, every character sent as a surrogate-pair
        # escape (the longest JSON has), still fits.
        widest = json.dumps({"title": "\U0001f600" * LIMIT, "text": "\U0001f600" * LIMIT})
        assert len(widest) <= limit
        resp = c.post("/v1/tag", content=widest, headers={"content-type": "application/json"})
        assert resp.status_code == 200, resp.text
        big = json.dumps({"text": "x" * (limit + 1)})
        for path in ONE_ARTICLE_ROUTES:
            resp = c.post(path, content=big, headers={"content-type": "application/json"})
            assert resp.status_code == 413, path
            assert error_of(resp)["message"] == (
                f"request body is {len(big)} bytes, over the limit of {limit} for one article"
            )
        # A batch of the same size is read: its limit is max_request_bytes.
        batch = {"articles": [{"id": str(i), "text": "x" * (limit // 3)} for i in range(3)]}
        resp = c.post("/v1/tag/batch", json=batch)
        assert resp.status_code == 200
        assert [r["error"].split(",")[0] for r in resp.json()["results"]] == [
            f"field 'text': is {limit // 3} characters"
        ] * 3


def test_every_route_with_an_article_body_has_the_one_article_limit(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    posted = {path for path, ops in paths.items() if "post" in ops}
    assert posted - set(ONE_ARTICLE_ROUTES) == {"/v1/tag/batch"}


def test_a_text_over_the_limit_is_413_whatever_it_holds(client: TestClient) -> None:
    # The size comes first: an oversized text is not scanned for bad characters at all.
    body = json.dumps({"text": "\ud800" + "a" * LIMIT})
    resp = client.post("/v1/tag", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert error_of(resp)["message"] == (
        f"field 'text': is {LIMIT + 1} characters, over the limit of {LIMIT}"
    )
    body = json.dumps({"text": "\ud800" + "a" * (LIMIT - 1)})
    resp = client.post("/v1/tag", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 422 and "unpaired surrogate" in error_of(resp)["message"]


def test_unknown_path_and_method_use_the_error_shape(client: TestClient) -> None:
    resp = client.get("/v1/nope")
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    resp = client.get("/v1/tag")
    assert resp.status_code == 405 and error_of(resp)["code"] == "method_not_allowed"


class _Broken:
    def tag(self, docs):
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_are_500_in_the_same_shape_without_internals(
    tiny_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = load_bundle(tiny_bundle)
    app = create_app(make_settings(tiny_bundle, tmp_path), bundle=good)
    with TestClient(app, raise_server_exceptions=False) as c:
        app.state.inference.bundle = Bundle(
            path=good.path, manifest=good.manifest, taxonomy=good.taxonomy, tagger=_Broken()
        )
        resp = c.post("/v1/tag", json=SPORT)
        metrics = c.get("/metrics").text
    assert resp.status_code == 500
    err = error_of(resp)
    assert err["code"] == "internal_error" and "secret" not in err["message"]
    assert "secret internal detail" in caplog.text  # …but the log has it
    assert 'tinbai_requests_total{endpoint="/v1/tag",method="POST",status="500"} 1.0' in metrics


# -- metrics ---------------------------------------------------------------------------------


def test_metrics_count_requests_latency_batches_and_load_time(client: TestClient) -> None:
    client.post("/v1/tag", json=SPORT)
    client.post("/v1/tag", json={"text": " "})
    client.post("/v1/tag", content="x", headers={"content-type": "text/plain"})
    client.post("/v1/tag/batch", json={"articles": [SPORT, BLOOD]})
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    text = resp.text
    for line in (
        'tinbai_requests_total{endpoint="/v1/tag",method="POST",status="200"}',
        'tinbai_requests_total{endpoint="/v1/tag",method="POST",status="422"}',
        'tinbai_requests_total{endpoint="/v1/tag",method="POST",status="415"}',
        'tinbai_request_duration_seconds_bucket{endpoint="/v1/tag/batch",le="0.5",method="POST",status="200"}',
        'tinbai_batch_size_bucket{le="2.0",source="request"}',
        "tinbai_model_load_seconds ",
        'tinbai_model_info{kind="classical",micro_batching="false",name="tiny",version="0.1.0"} 1',
    ):
        assert line in text, line
    load = float(
        next(x for x in text.splitlines() if x.startswith("tinbai_model_load_seconds ")).split()[1]
    )
    assert load > 0
    client.get("/v1/this/does/not/exist")
    assert 'endpoint="unmatched"' in client.get("/metrics").text


# -- start-up --------------------------------------------------------------------------------


def test_a_bundle_that_fails_to_load_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINBAI_DATABASE_URL", f"sqlite:///{tmp_path / 'fb.db'}")
    with pytest.raises(BundleError, match=str(tmp_path)):
        create_app(make_settings(tmp_path, tmp_path))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bundle.json").write_text("{not json", encoding="utf-8")
    code = main(["serve", "--model", str(broken), "--port", "8765"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"cannot start: {broken / 'bundle.json'}: unreadable manifest" in err
        and "Traceback" not in err
    )
    code = main(["serve", "--model", str(tmp_path / "missing"), "--port", "0"])
    assert code == 2 and "invalid settings: port" in capsys.readouterr().err


def test_settings_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinbai.service.settings import get_settings

    env = tmp_path / "tinbai.env"
    env.write_text(
        "TINBAI_PORT=9001\nTINBAI_API_KEYS=alpha, beta\nTINBAI_MAX_TEXT_CHARS=500\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TINBAI_MAX_TEXT_CHARS", "700")  # the environment wins over the file
    monkeypatch.setenv("TINBAI_MICRO_BATCHING", "on")
    s = get_settings(str(env))
    assert (s.port, s.max_text_chars, s.micro_batching) == (9001, 700, "on")
    assert [k.get_secret_value() for k in s.api_keys] == ["alpha", "beta"]
    assert "alpha" not in repr(s) and "alpha" not in str(s.model_dump())
    assert s.micro_batching_for("classical") and not Settings(
        micro_batching="auto"
    ).micro_batching_for("classical")
    assert Settings(micro_batching="auto").micro_batching_for("phobert")


def test_answers_match_their_documented_schemas(client: TestClient) -> None:
    """Routes return their encoded dicts directly (no second validation by FastAPI): the
    schemas in /docs must still describe exactly what is sent."""
    from tinbai.service.api.schemas import AnalyzeOut, BatchOut, SummaryOut, TagOut

    cases = [
        ("/v1/tag", BLOOD, TagOut),
        ("/v1/summarize", SPORT, SummaryOut),
        ("/v1/analyze", {**BLOOD, "include_document": True}, AnalyzeOut),
        ("/v1/tag/batch", {"articles": [SPORT, {"text": " "}]}, BatchOut),
    ]
    for path, body, schema in cases:
        resp = client.post(path, json=body)
        assert resp.status_code == 200, (path, resp.text)
        got = resp.json()
        assert schema.model_validate(got).model_dump(exclude_none=True) == _drop_none(got), path


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
