"""The PhoBERT bundle kind with a tiny random RoBERTa (hidden 32, 2 layers): windows, masked
loss, learning, bundle round trip, ONNX int8 agreement, and the missing-weights message."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import tiny_config_dict
from tests.test_bundle import MANIFEST_KEYS

torch = pytest.importorskip("torch")

from tinbai.model.phobert.inputs import WindowSpec, install_tokenizer, load_tokenizer, make_windows  # noqa: E402
from tinbai.model.phobert.modeling import (  # noqa: E402
    MissingWeightsError,
    TwoHeadModel,
    aggregate,
    load_pretrained_encoder,
    masked_multitask_loss,
    random_encoder,
)

from tests.conftest import SHARED  # noqa: E402

TOKENIZER = SHARED / "phobert-tokenizer"
needs_tokenizer = pytest.mark.skipif(
    not (TOKENIZER / "bpe.codes").is_file(), reason="PhoBERT tokenizer files not in ../shared"
)
TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}


def tiny_model(
    vocab: int = 50, topics: int = 3, campaigns: int = 2, pooling: str = "mean"
) -> TwoHeadModel:
    torch.manual_seed(0)
    enc = random_encoder(
        {
            **TINY,
            "vocab_size": vocab,
            "max_position_embeddings": 40,
            "pad_token_id": 1,
            "type_vocab_size": 1,
        }
    )
    return TwoHeadModel(enc, topics, campaigns, pooling=pooling, dropout=0.0)


# ------------------------------------------------------------------ windows


def test_windows_overlap_and_cover_the_article() -> None:
    spec = WindowSpec(max_length=12, overlap=4, max_windows=None)  # 10 content tokens, step 6
    ids = list(range(100, 125))  # 25 tokens
    wins = make_windows(ids, spec, cls_id=0, sep_id=2)
    assert all(w[0] == 0 and w[-1] == 2 and len(w) <= 12 for w in wins)
    bodies = [w[1:-1] for w in wins]
    assert bodies[0] == ids[0:10] and bodies[1] == ids[6:16] and bodies[2] == ids[12:22]
    assert bodies[-1][-1] == ids[-1]  # nothing is lost at the end
    assert bodies[0][-4:] == bodies[1][:4]  # consecutive windows share `overlap` tokens
    assert len(wins) == 4


def test_windows_head_only_short_and_empty() -> None:
    ids = list(range(100, 125))
    head = make_windows(ids, WindowSpec(12, 4, max_windows=1), 0, 2)
    assert head == [[0, *ids[:10], 2]]
    assert make_windows(ids[:10], WindowSpec(12, 4, None), 0, 2) == [[0, *ids[:10], 2]]
    assert make_windows([], WindowSpec(12, 4, None), 0, 2) == [[0, 2]]
    assert len(make_windows(ids, WindowSpec(12, 4, max_windows=2), 0, 2)) == 2
    with pytest.raises(ValueError):
        WindowSpec(12, overlap=10)


def test_aggregation_per_article() -> None:
    logits = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, -1.0], [0.0, 7.0]])
    doc_index = [0, 0, 0, 1]
    mean = aggregate(logits, doc_index, 2, "mean")
    np.testing.assert_allclose(mean, [[3.0, 1 / 3], [0.0, 7.0]])
    np.testing.assert_allclose(aggregate(logits, doc_index, 2, "max"), [[5.0, 2.0], [0.0, 7.0]])
    as_torch = aggregate(torch.tensor(logits), doc_index, 2, "mean")
    np.testing.assert_allclose(as_torch.numpy(), mean)
    with pytest.raises(ValueError):
        aggregate(logits, [0, 0, 0, 0], 2)  # article 1 has no window


# ------------------------------------------------------------------ loss


def test_masked_loss_ignores_the_head_a_row_lacks() -> None:
    torch.manual_seed(0)
    topic = torch.randn(4, 3, requires_grad=True)
    camp = torch.randn(4, 2, requires_grad=True)
    topic_y = torch.tensor([0, 2, -1, -1])  # rows 2, 3: no topic label
    camp_y = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    camp_mask = torch.tensor([False, False, True, True])  # rows 0, 1: campaigns unlabelled
    loss = masked_multitask_loss(topic, camp, topic_y, camp_y, camp_mask)
    loss.backward()
    # No gradient flows to a head's logits on rows without that head's labels.
    assert torch.all(topic.grad[2:] == 0) and torch.any(topic.grad[:2] != 0)
    assert torch.all(camp.grad[:2] == 0) and torch.any(camp.grad[2:] != 0)
    expected = torch.nn.functional.cross_entropy(
        topic[:2], topic_y[:2]
    ) + torch.nn.functional.binary_cross_entropy_with_logits(camp[2:], camp_y[2:])
    assert torch.allclose(loss, expected)
    # Changing what a masked row "says" changes nothing.
    other = masked_multitask_loss(
        topic.detach() + torch.tensor([[0], [0], [9.0], [9.0]]),
        camp.detach() + torch.tensor([[5.0], [5.0], [0], [0]]),
        topic_y,
        camp_y,
        camp_mask,
    )
    assert torch.allclose(other, loss.detach())


def test_masked_loss_with_one_head_absent_is_finite() -> None:
    topic, camp = torch.randn(2, 3), torch.randn(2, 2)
    none = torch.tensor([False, False])
    only_topic = masked_multitask_loss(topic, camp, torch.tensor([1, 0]), torch.zeros(2, 2), none)
    assert torch.isfinite(only_topic)
    assert torch.allclose(
        only_topic, torch.nn.functional.cross_entropy(topic, torch.tensor([1, 0]))
    )
    nothing = masked_multitask_loss(topic, camp, torch.tensor([-1, -1]), torch.zeros(2, 2), none)
    assert float(nothing) == 0.0
    weighted = masked_multitask_loss(
        topic,
        camp,
        torch.tensor([1, 0]),
        torch.zeros(2, 2),
        none,
        topic_weight=torch.tensor([1.0, 3.0, 1.0]),
    )
    assert not torch.allclose(weighted, only_topic)


def test_loss_decreases_on_a_separable_set() -> None:
    torch.manual_seed(0)
    model = tiny_model(vocab=50, topics=2, campaigns=1)
    # Class 0 reads tokens 10-19, class 1 tokens 30-39; campaign 0 = "token 45 present".
    gen = torch.Generator().manual_seed(1)
    ids = torch.cat(
        [
            torch.randint(10, 20, (16, 12), generator=gen),
            torch.randint(30, 40, (16, 12), generator=gen),
        ]
    )
    ids[::3, 5] = 45
    topic_y = torch.tensor([0] * 16 + [1] * 16)
    camp_y = (ids == 45).any(1).float().unsqueeze(1)
    mask = torch.ones_like(ids)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        t, c = model(ids, mask)
        loss = masked_multitask_loss(t, c, topic_y, camp_y, torch.ones(32, dtype=torch.bool))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.3 * losses[0]
    model.eval()
    t, c = model(ids, mask)
    assert (t.argmax(1) == topic_y).all()
    assert ((c.sigmoid() > 0.5).float() == camp_y).all()


# ------------------------------------------------------------------ tokenizer and weights


def test_tokenizer_copy_keeps_the_last_merge(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "vocab.txt").write_text("xin 5\nch@@ 4\nào 3\nchào 2\n", encoding="utf-8")
    (src / "bpe.codes").write_text(
        "c h 9\nà o</w> 8\nch ào</w> 7", encoding="utf-8"
    )  # no final newline
    from transformers import PhobertTokenizer

    raw = PhobertTokenizer(str(src / "vocab.txt"), str(src / "bpe.codes"))
    assert len(raw.bpe_ranks) == 2  # the library drops the unterminated last merge
    assert raw.tokenize("chào") == ["ch@@", "ào"]
    tok = load_tokenizer(install_tokenizer(src, tmp_path / "bundle"))
    assert len(tok.bpe_ranks) == 3
    assert tok.tokenize("chào") == ["chào"]
    assert (tmp_path / "bundle" / "bpe.codes").read_bytes().endswith(b"\n")


def test_missing_pretrained_weights_say_where_to_put_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    with pytest.raises(MissingWeightsError) as info:
        load_pretrained_encoder("vinai/phobert-base")
    msg = str(info.value)
    assert "vinai/phobert-base" in msg and "not available locally" in msg
    assert "base_model" in msg and "--local-dir" in msg and "HF_HOME" in msg
    empty = tmp_path / "weights"
    empty.mkdir()
    with pytest.raises(MissingWeightsError, match="no config.json"):
        load_pretrained_encoder(str(empty))


def test_missing_weights_fail_training_before_any_work(
    tiny_corpus: dict[str, Path], tmp_path: Path, monkeypatch, capsys
) -> None:
    if not (TOKENIZER / "bpe.codes").is_file():
        pytest.skip("PhoBERT tokenizer files not in ../shared")
    import yaml
    from tinbai.service.cli import main

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    config = {
        "kind": "phobert",
        "output": str(tmp_path / "b"),
        "summarizer": None,
        "topics": {"train": str(tiny_corpus["train"]), "dev": str(tiny_corpus["dev"])},
        "phobert": {
            "base_model": "vinai/phobert-base",
            "tokenizer": str(TOKENIZER),
            "cache_dir": str(tmp_path / "cache"),
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert main(["train", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "vinai/phobert-base" in err and "not available locally" in err and "Traceback" not in err
    assert not (tmp_path / "cache").exists()  # failed before loading or segmenting any data


def test_invalid_phobert_section_is_a_config_error() -> None:
    from tinbai.training.config import ConfigError, parse_config
    from tinbai.training.phobert import phobert_config

    for bad in ({"scratch": TINY, "overlap": 300}, {"scratch": TINY, "lrr": 1e-3}, {}):
        with pytest.raises(ConfigError, match="phobert"):
            phobert_config(parse_config({"kind": "phobert", "phobert": bad}))


def test_shipped_configs_validate() -> None:
    from tinbai.training.config import load_config
    from tinbai.training.phobert import phobert_config

    repo = Path(__file__).resolve().parents[1]
    base = phobert_config(load_config(repo / "configs" / "phobert-base.yaml"))
    assert (
        base.base_model == "vinai/phobert-base" and base.max_length == 256 and base.batch_size == 32
    )
    assert 2e-5 <= base.lr <= 5e-5
    small = phobert_config(load_config(repo / "configs" / "phobert-small.yaml"))
    assert small.base_model is None and small.scratch


# ------------------------------------------------------------------ bundle


@pytest.fixture(scope="session")
def phobert_bundle(tiny_corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A phobert bundle trained in seconds: tiny random RoBERTa, PhoBERT's real tokenizer."""
    if not (TOKENIZER / "bpe.codes").is_file():
        pytest.skip("PhoBERT tokenizer files not in ../shared")
    from tinbai.training.build import train
    from tinbai.training.config import parse_config

    out = tmp_path_factory.mktemp("phobert") / "tiny-phobert"
    config = parse_config(
        tiny_config_dict(
            tiny_corpus,
            out,
            kind="phobert",
            name="tiny-phobert",
            phobert={
                "scratch": TINY,
                "tokenizer": str(TOKENIZER),
                "max_length": 32,
                "overlap": 8,
                "max_windows": 3,
                "train_windows": 2,
                "pooling": "mean",
                "lr": 5e-3,
                "batch_size": 8,
                "epochs": 4,
                "patience": 4,
                "threads": 1,
                "warmup_ratio": 0.0,
                "cache_dir": str(tmp_path_factory.mktemp("cache")),
            },
        )
    )
    return train(config, out)


def _docs() -> list:
    from tinbai.model.text import prepare

    return [
        prepare(
            "Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên vui mừng. Giải vô địch sắp tới.",
            "Bóng đá",
        ),
        prepare(
            "Bệnh viện điều trị cho bệnh nhân. Bác sĩ tiêm vắc xin. Sức khỏe người dân tốt.",
            "Sức khỏe",
        ),
        prepare(
            "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu 300 đơn vị máu. "
            "Phong trào hiến máu tình nguyện lan rộng.",
            "Ngày hội hiến máu tình nguyện",
        ),
    ]


@needs_tokenizer
def test_bundle_manifest_and_files(phobert_bundle: Path) -> None:
    raw = json.loads((phobert_bundle / "bundle.json").read_text(encoding="utf-8"))
    assert raw["kind"] == "phobert"
    assert set(raw["thresholds"]) == set(raw["labels"]["campaigns"])
    m = raw["metrics"]
    assert m["topics_dev"]["n"] == 20 and "topics_dev_head_only" in m and m["history"]
    assert (phobert_bundle / "encoder" / "model.safetensors").is_file()
    assert (phobert_bundle / "tokenizer" / "bpe.codes").read_bytes().endswith(b"\n")
    assert not list(phobert_bundle.rglob("*.pkl")) and not list(phobert_bundle.rglob("*.bin"))
    assert not (phobert_bundle / "checkpoint-best").exists()
    assert list(raw) == [*MANIFEST_KEYS, "base_model"]  # base_model: the encoder it started from
    assert list(raw["components"]) == ["tagger", "campaigns", "summarizer"]
    tagger, campaigns, summarizer = (
        raw["components"][k] for k in ("tagger", "campaigns", "summarizer")
    )
    assert tagger["type"] == "phobert-two-head.v1" and tagger["path"] == "."
    assert set(tagger["config"]) == {"version", "window", "aggregate", "batch_size", "base_model"}
    assert campaigns["type"] == "cue-theme.v2" and campaigns["path"] == "."
    assert list(campaigns["config"]) == ["default_threshold", "yaml_only_threshold"]
    # the reused default summariser says so
    assert summarizer["path"] == "summarizer" and summarizer["type"] == "ranker.v1"
    assert summarizer["config"]["reused_from"] == "default-bundle/summarizer"
    assert (phobert_bundle / "summarizer" / "summarizer.json").is_file()


@needs_tokenizer
def test_bundle_round_trip_predicts_the_same(phobert_bundle: Path, tmp_path: Path) -> None:
    from tinbai.model.bundle import load_bundle

    copy = tmp_path / "copy"
    shutil.copytree(phobert_bundle, copy)
    a = load_bundle(phobert_bundle, backend="torch")
    b = load_bundle(copy, backend="torch")
    assert a.tagger.backend == "torch"
    ra, rb = a.tag(_docs()), b.tag(_docs())
    assert [r.to_dict(ranking=True) for r in ra] == [r.to_dict(ranking=True) for r in rb]
    assert abs(sum(t.score for t in ra[0].topic.ranking) - 1.0) < 1e-4
    # The generated topics are separable: the tiny model must have learnt them.
    assert ra[0].topic.label == "the-thao" and ra[1].topic.label == "suc-khoe"
    for c in ra[2].campaigns:  # evidence comes from the cue detector: sentences of the article
        assert c.evidence and all(e in [s.text for s in _docs()[2].sentences] for e in c.evidence)


@needs_tokenizer
def test_tag_records_contract_and_unknown_option(phobert_bundle: Path) -> None:
    from tinbai.model.bundle import BundleError, load_bundle
    from tinbai.model.predict import tag_records

    bundle = load_bundle(phobert_bundle, backend="torch")
    rows = tag_records(
        bundle,
        [
            {"id": "a", "title": "Bóng đá", "text": "Cầu thủ ghi bàn thắng."},
            {"id": "b", "text": ""},
        ],
    )
    assert rows[0]["id"] == "a" and set(rows[0]) == {
        "id",
        "topic",
        "campaigns",
        "mentions",
        "meta",
    }
    assert set(rows[0]["topic"]) == {"label", "score"}
    assert set(rows[1]) == {"id", "error"}
    with pytest.raises(BundleError, match="unknown options"):
        load_bundle(phobert_bundle, colour="blue")
    with pytest.raises(BundleError, match="unknown backend"):
        load_bundle(phobert_bundle, backend="tpu")


@needs_tokenizer
def test_head_only_override_changes_long_articles_only(phobert_bundle: Path) -> None:
    from tinbai.model.bundle import load_bundle

    full = load_bundle(phobert_bundle, backend="torch").tagger
    head = load_bundle(phobert_bundle, backend="torch", max_windows=1).tagger
    long_text = full.texts(_docs())[2] + " " + full.texts(_docs())[1] * 3
    short_text = "Cầu_thủ ghi bàn_thắng ."
    ft, _ = full.logits([long_text, short_text])
    ht, _ = head.logits([long_text, short_text])
    np.testing.assert_allclose(ft[1], ht[1], rtol=1e-5, atol=1e-5)
    assert not np.allclose(ft[0], ht[0])


@needs_tokenizer
@pytest.mark.slow
def test_onnx_int8_agrees_with_torch(phobert_bundle: Path, tmp_path: Path) -> None:
    from tinbai.model.bundle import load_bundle
    from tinbai.service.cli import main

    copy = tmp_path / "onnx-bundle"
    shutil.copytree(phobert_bundle, copy)
    with pytest.raises(Exception, match="export-onnx"):
        load_bundle(copy, backend="onnx")
    assert main(["export-onnx", str(copy)]) == 0
    assert (copy / "onnx" / "model.onnx").is_file() and (
        copy / "onnx" / "model.int8.onnx"
    ).is_file()
    ort = load_bundle(copy)  # auto picks the int8 graph
    assert ort.tagger.backend == "onnx-int8"
    fp32 = load_bundle(copy, backend="onnx-fp32").tagger
    ref = load_bundle(copy, backend="torch").tagger
    docs = _docs()
    tp, _ = ref.probabilities(docs)
    fp, _ = fp32.probabilities(docs)
    ip, _ = ort.tagger.probabilities(docs)
    np.testing.assert_allclose(fp, tp, atol=1e-4)
    assert (ip.argmax(1) == tp.argmax(1)).all()
    assert np.abs(ip - tp).max() < 0.1


@needs_tokenizer
def test_cli_tag_and_api_serve_a_phobert_bundle(
    phobert_bundle: Path, tmp_path: Path, capsys
) -> None:
    from fastapi.testclient import TestClient
    from tinbai.service.api.app import create_app
    from tinbai.service.cli import main
    from tinbai.service.settings import Settings

    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps(
            {"id": "1", "title": "Bóng đá", "text": "Cầu thủ ghi bàn thắng trong trận đấu."},
            ensure_ascii=False,
        )
        + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(src), "-o", str(out), "--model", str(phobert_bundle)]) == 1
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert (
        rows[0]["id"] == "1" and rows[0]["topic"]["label"] == "the-thao" and "campaigns" in rows[0]
    )
    assert set(rows[1]) == {"id", "error"}
    # The context manager runs the app's lifespan, which starts the micro-batcher (on by
    # default for transformer bundles).
    with TestClient(create_app(Settings(bundle=phobert_bundle))) as client:
        res = client.post(
            "/v1/tag",
            json={
                "id": "x",
                "title": "Sức khỏe",
                "text": "Bệnh viện điều trị cho bệnh nhân. Bác sĩ tiêm vắc xin. "
                "Sức khỏe người dân tốt.",
            },
        )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["model"]["kind"] == "phobert" and body["topic"]["label"] == "suc-khoe"
    assert len(body["topic"]["ranking"]) == 10


@needs_tokenizer
def test_damaged_safetensors_is_one_bundle_error(phobert_bundle: Path, tmp_path: Path) -> None:
    from tinbai.model.bundle import BundleError, load_bundle

    raw = json.loads((phobert_bundle / "bundle.json").read_text(encoding="utf-8"))
    assert "encoder/model.safetensors" in raw["checksums"]
    copy = tmp_path / "copy"
    shutil.copytree(phobert_bundle, copy)
    raw.pop("checksums")  # as older bundles: the parser itself must name the file
    (copy / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
    weights = copy / "encoder" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(BundleError, match=rf"^{re.escape(str(weights))}: unreadable"):
        load_bundle(copy, backend="torch")
