"""Editor feedback: POST /v1/feedback → SQLite → `tinbai feedback export` → `tinbai train`."""

from __future__ import annotations

import ctypes
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tinbai.service.api import create_app
from tinbai.service.cli import main
from tinbai.service.feedback import FeedbackStore, text_hash
from tinbai.service.feedback.store import FeedbackStoreError
from tinbai.service.settings import Settings

from tests.conftest import tiny_config_dict
from tests.postgres import postgres_server  # noqa: F401 - the fixture

REPO = Path(__file__).resolve().parents[1]

BLOOD = {
    "title": "Ngày hội hiến máu",
    "text": "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu được 300 đơn vị máu. "
    "Phong trào hiến máu tình nguyện lan rộng. Bác sĩ khám cho người hiến.",
}
SPORT = {
    "title": "Bóng đá",
    "text": "Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên khen cầu thủ.",
}


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "sub" / "feedback.db"  # the folder does not exist yet: it is created


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, db: Path) -> str:
    """The same tests against a SQLite file and a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{db}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture()
def client(tiny_bundle: Path, db_url: str):
    settings = Settings(bundle=tiny_bundle, database_url=db_url, max_text_chars=1000)
    with TestClient(create_app(settings)) as c:
        yield c


def query_rows(url: str, sql: str) -> list[tuple]:
    """Plain SQL through a bare engine: what is really in the database, read without our code."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def as_list(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value  # SQLite JSON is text


def test_feedback_is_stored(client: TestClient, db_url: str) -> None:
    body = {
        "article_id": "bk-1",
        **BLOOD,
        "predicted": {"topic": "suc-khoe", "campaigns": ["hien-mau-tinh-nguyen"]},
        "corrected": {"topic": "chinh-tri-xa-hoi", "campaigns": ["hien-mau-tinh-nguyen"]},
        "note": "tin đoàn thể",
    }
    resp = client.post("/v1/feedback", json=body)
    assert resp.status_code == 201, resp.text
    saved = resp.json()
    assert saved["id"] == 1 and saved["article_id"] == "bk-1"
    assert saved["text_hash"] == text_hash(BLOOD["text"]) and saved["text_hash"].startswith(
        "sha256:"
    )
    (row,) = query_rows(
        db_url,
        "SELECT article_id, text, title, topic, campaigns, predicted_topic, "
        "predicted_campaigns, note, model_name FROM corrections",
    )
    assert row[0] == "bk-1" and row[1] == BLOOD["text"] and row[2] == BLOOD["title"]
    assert row[3] == "chinh-tri-xa-hoi" and as_list(row[4]) == ["hien-mau-tinh-nguyen"]
    assert row[5] == "suc-khoe" and as_list(row[6]) == ["hien-mau-tinh-nguyen"]
    assert row[7] == "tin đoàn thể" and row[8] == "tiny"


def test_without_predicted_the_served_prediction_is_recorded(
    client: TestClient, db_url: str
) -> None:
    tagged = client.post("/v1/tag", json=BLOOD).json()
    resp = client.post(
        "/v1/feedback", json={**BLOOD, "corrected": {"topic": "doi-song", "campaigns": []}}
    )
    assert resp.status_code == 201 and resp.json()["article_id"] is None
    store = FeedbackStore(db_url)
    (c,) = list(store.corrections())
    store.close()
    assert c.predicted_topic == tagged["topic"]["label"]
    assert c.predicted_campaigns == [x["id"] for x in tagged["campaigns"]]
    assert c.key == text_hash(BLOOD["text"])  # no article id: the text hash identifies it


def test_feedback_errors_echo_a_bounded_part_of_bad_ids(client: TestClient) -> None:
    many = [f"c{i}" for i in range(7)]
    resp = client.post(
        "/v1/feedback", json={**SPORT, "corrected": {"topic": "the-thao", "campaigns": many}}
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["message"] == (
        "field 'corrected.campaigns': unknown campaign ids "
        "['c0', 'c1', 'c2', 'c3', 'c4'] and 2 more"
    )
    resp = client.post("/v1/feedback", json={**SPORT, "corrected": {"topic": "t" * 2000}})
    message = resp.json()["error"]["message"]
    assert resp.status_code == 422 and len(message) < 500
    assert message.startswith("field 'corrected.topic': unknown topic '" + "t" * 59 + "…'")


def test_feedback_bad_input(client: TestClient) -> None:
    cases = [
        (
            {**SPORT, "corrected": {"topic": "bong-da"}},
            422,
            "field 'corrected.topic': unknown topic 'bong-da'",
        ),
        (
            {**SPORT, "corrected": {"topic": "the-thao", "campaigns": ["nope"]}},
            422,
            "field 'corrected.campaigns': unknown campaign ids ['nope']",
        ),
        (
            {**SPORT, "predicted": {"topic": "x"}, "corrected": {"topic": "the-thao"}},
            422,
            "field 'predicted.topic'",
        ),
        (
            {"text": "  ", "corrected": {"topic": "the-thao"}},
            422,
            "field 'text': is empty or only whitespace",
        ),
        ({**SPORT}, 422, "field 'corrected': is missing"),
        (
            {"text": "x" * 1001, "corrected": {"topic": "the-thao"}},
            413,
            "field 'text': is 1001 characters, over the limit of 1000",
        ),
    ]
    for body, status, message in cases:
        resp = client.post("/v1/feedback", json=body)
        assert resp.status_code == status, (body, resp.text)
        assert resp.json()["error"]["message"].startswith(message)
    resp = client.post(
        "/v1/feedback",
        content="text=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 415


def test_export_round_trip_into_training(
    client: TestClient,
    db_url: str,
    tmp_path: Path,
    tiny_corpus: dict,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def correct(article: dict, topic: str, campaigns: list[str], **extra) -> None:
        resp = client.post(
            "/v1/feedback",
            json={**article, **extra, "corrected": {"topic": topic, "campaigns": campaigns}},
        )
        assert resp.status_code == 201

    correct(BLOOD, "doi-song", [], article_id="a1")
    correct(SPORT, "the-thao", [])
    correct(BLOOD, "suc-khoe", ["hien-mau-tinh-nguyen"], article_id="a1")  # a later correction wins
    out = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "-o", str(out), "--database", db_url]) == 0
    assert "3 corrections, 2 articles written" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", text_hash(SPORT["text"])]
    assert rows[0]["topic"] == "suc-khoe" and rows[0]["campaigns"] == ["hien-mau-tinh-nguyen"]
    assert rows[0]["text"] == BLOOD["text"] and rows[0]["title"] == BLOOD["title"]
    assert rows[0]["feedback"]["correction_id"] == 3 and rows[0]["source"] == "feedback"

    # The rows are what the trainers read: campaign labels carrying their own text, topic rows.
    from tinbai.training.campaigns import join_texts, read_label_files
    from tinbai.training.topics import load_topic_texts

    labelled = join_texts(read_label_files([out]))
    assert [(a.id, a.campaigns) for a in labelled] == [
        ("a1", {"hien-mau-tinh-nguyen"}),
        (text_hash(SPORT["text"]), set()),
    ]
    texts, topics = load_topic_texts(out)
    assert topics == ["suc-khoe", "the-thao"] and "hiến máu" in texts[0]

    # …and `tinbai train` accepts them beside the hand-made labels.
    config = tmp_path / "train.yaml"
    config.write_text(
        yaml.safe_dump(
            tiny_config_dict(
                tiny_corpus,
                tmp_path / "unused",
                labels=[str(tiny_corpus["labels"]), str(out)],
                name="with-feedback",
            )
        ),
        encoding="utf-8",
    )
    bundle = tmp_path / "bundle"
    assert main(["train", "--config", str(config), "-o", str(bundle)]) == 0
    manifest = json.loads((bundle / "bundle.json").read_text(encoding="utf-8"))
    assert str(out) in manifest["training"]["config"]["campaigns"]["labels"]


def test_export_to_stdout_and_empty_database(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feedback", "export", "-o", "-", "--database", db_url]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 corrections, 0 articles written" in err


def test_unusable_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FeedbackStoreError, match="feedback database"):
        FeedbackStore("nosuchdriver://user:hunter2@host/db")
    code = main(
        ["feedback", "export", "-o", "-", "--database", "nosuchdriver://user:hunter2@host/db"]
    )
    err = capsys.readouterr().err
    assert (
        code == 2 and "feedback database" in err and "hunter2" not in err and "Traceback" not in err
    )
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(FeedbackStoreError):
        FeedbackStore(f"sqlite:///{blocker / 'x.db'}")  # parent is a file


def test_serve_stops_on_an_unusable_database(
    tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TINBAI_DATABASE_URL", "nosuchdriver://editor:hunter2@db/feedback")
    assert main(["serve", "--model", str(tiny_bundle), "--port", "8766"]) == 2
    err = capsys.readouterr().err
    assert "cannot start: feedback database" in err and "hunter2" not in err


CORRECTION = {**BLOOD, "corrected": {"topic": "suc-khoe", "campaigns": []}}


def assert_clean_503(resp, *secrets: str) -> None:
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert error["message"].startswith("cannot record the correction now")
    for secret in ("INSERT", "corrections", "sqlite", "Phong trào hiến máu", *secrets):
        assert secret not in resp.text


def test_a_storage_error_is_answered_without_sql_and_the_store_recovers(
    tiny_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "locked.db"
    url = f"sqlite:///{db}?timeout=0.05"  # give up on a lock quickly
    with TestClient(create_app(Settings(bundle=tiny_bundle, database_url=url))) as client:
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        resp = client.post("/v1/feedback", json=CORRECTION)
        lock.execute("ROLLBACK")
        lock.close()
        assert_clean_503(resp, str(tmp_path))
        assert "INSERT INTO corrections" in caplog.text  # the log has the whole story
        assert client.post("/v1/feedback", json=CORRECTION).status_code == 201
    assert FeedbackStore(f"sqlite:///{db}").count() == 1


READ_ONLY_SPELL = """
import json, os, sys
from pathlib import Path
from fastapi.testclient import TestClient
from tinbai.service.api import create_app
from tinbai.service.feedback import FeedbackStore
from tinbai.service.settings import Settings

bundle, db, body = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
FeedbackStore(f"sqlite:///{db}").close()
db.chmod(0o444)
if os.access(db, os.W_OK):
    print(json.dumps({"skip": "cannot make the file read-only for this process"}))
    sys.exit(0)
settings = Settings(bundle=bundle, database_url=f"sqlite:///{db}")
with TestClient(create_app(settings)) as client:
    during = client.post("/v1/feedback", json=body)
    db.chmod(0o644)  # the spell is over
    after = client.post("/v1/feedback", json=body)
print(json.dumps({"during": [during.status_code, during.text], "after": after.status_code}))
"""


def _without_root_file_powers() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER
    from the bounding set, so a root-run test sees file permissions like anyone else."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):
            libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP


def test_after_a_read_only_spell_the_next_correction_is_stored(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    db = tmp_path / "spell.db"
    done = subprocess.run(
        [sys.executable, "-c", READ_ONLY_SPELL, str(tiny_bundle), str(db), json.dumps(CORRECTION)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_without_root_file_powers,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    status, text = result["during"]
    assert status == 503 and "storage_unavailable" in text
    assert "INSERT" not in text and str(tmp_path) not in text
    assert result["after"] == 201  # recovered without a restart
