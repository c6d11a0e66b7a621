"""Large JSON bodies are parsed off the event loop, with exactly ``json.loads``'s result."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tinbai.service.api import body as body_module
from tinbai.service.api import create_app
from tinbai.service.api.body import parse_json
from tinbai.service.settings import Settings

LETTERS = 'aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệ \n"\\/\t😀\u2028'


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randrange(200)))
    if kind == 1:
        return rng.choice([0, -7, 3.25, 1e300, True, False, None])
    if kind == 2:
        return rng.randrange(-(10**20), 10**20)
    if kind in (3, 4):
        keys = [f"k{rng.randrange(9)}" for _ in range(rng.randrange(6))]
        return {key: random_value(rng, depth + 1) for key in keys}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(6))]


def test_parse_json_gives_what_json_loads_gives() -> None:
    rng = random.Random(7)
    for i in range(60):
        value = {"articles": [random_value(rng) for _ in range(rng.randrange(1, 40))]}
        text = json.dumps(value, ensure_ascii=bool(i % 2))
        for raw in (text.encode("utf-8"), text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
            assert parse_json(raw) == json.loads(raw)
    # multi-byte characters cut by the 64 KiB decoding steps, duplicate keys, a lone surrogate
    tricky = ('{"a": 1, "a": "' + "ệ😀" * 50_000 + '\\ud800", "b": [1.5e3, null]}').encode()
    assert parse_json(tricky) == json.loads(tricky)


@pytest.mark.parametrize(
    "raw", [b'{"text": "' + b"x" * 100_000 + b'\xff"}', b'{"text": "' + b"y" * 100_000 + b'",']
)
def test_parse_json_fails_as_json_loads_fails(raw: bytes) -> None:
    with pytest.raises(ValueError) as expected:
        json.loads(raw)
    with pytest.raises(type(expected.value)) as got:
        parse_json(raw)
    if isinstance(expected.value, json.JSONDecodeError):
        assert (got.value.msg, got.value.pos) == (expected.value.msg, expected.value.pos)


def test_the_routes_answer_the_same_when_they_parse_off_the_loop(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'f.db'}")
    requests = [
        ("/v1/tag", json.dumps({"id": "1", "text": "Đội tuyển thắng trận. Bóng đá."})),
        ("/v1/summarize", json.dumps({"text": "Câu một. Câu hai. Câu ba.", "sentences": 1})),
        ("/v1/tag/batch", json.dumps({"articles": [{"text": "Bóng đá."}, {"text": " "}]})),
        ("/v1/tag", '{"text": "abc",'),
        ("/v1/tag", '{"text": "\\ud800"}'),
        ("/v1/tag", "[1, 2]"),
    ]
    headers = {"content-type": "application/json"}
    calls: list[int] = []
    real = body_module.parse_json

    def counted(raw: bytes) -> object:
        calls.append(len(raw))
        return real(raw)

    with TestClient(create_app(settings)) as client:
        inline = [client.post(path, content=text, headers=headers) for path, text in requests]
        assert calls == []  # small bodies are parsed on the loop
        monkeypatch.setattr(body_module, "OFF_LOOP_BYTES", 0)
        monkeypatch.setattr(body_module, "parse_json", counted)
        threaded = [client.post(path, content=text, headers=headers) for path, text in requests]
        invalid_utf8 = client.post("/v1/tag", content=b'{"text": "\xff"}', headers=headers)
    assert len(calls) == len(requests) + 1
    for a, b in zip(inline, threaded, strict=True):
        assert (a.status_code, a.json()) == (b.status_code, b.json())
    assert [r.status_code for r in inline] == [200, 200, 200, 400, 422, 422]
    assert invalid_utf8.status_code == 400
