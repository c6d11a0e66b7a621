from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from tinbai.model.bundle import BundleError, load_bundle, read_manifest
from tinbai.model.text import prepare


def _docs() -> list:
    return [
        prepare("Cầu thủ ghi bàn thắng trong trận đấu. Huấn luyện viên vui mừng.", "Bóng đá"),
        prepare("Bệnh viện điều trị cho bệnh nhân. Bác sĩ tiêm vắc xin.", "Sức khỏe"),
        prepare(
            "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu 300 đơn vị máu. "
            "Phong trào hiến máu tình nguyện lan rộng.",
            "Ngày hội hiến máu tình nguyện",
        ),
    ]


def test_manifest_records_what_the_bundle_is(tiny_bundle: Path) -> None:
    raw = json.loads((tiny_bundle / "bundle.json").read_text(encoding="utf-8"))
    for key in (
        "kind",
        "format_version",
        "version",
        "taxonomy_fingerprint",
        "labels",
        "thresholds",
        "metrics",
        "training",
        "created_at",
        "library_versions",
        "components",
    ):
        assert key in raw, key
    assert raw["kind"] == "classical"
    assert raw["training"]["data_fingerprint"].startswith("sha256:")
    assert raw["labels"]["topics"][0] == "chinh-tri-xa-hoi"
    assert set(raw["thresholds"]) == set(raw["labels"]["campaigns"])
    assert not list(tiny_bundle.glob("*.pkl"))


def test_round_trip_predicts_the_same(tiny_bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundle, copy)
    a = load_bundle(tiny_bundle).tag(_docs())
    b = load_bundle(copy).tag(_docs())
    assert [r.to_dict(ranking=True) for r in a] == [r.to_dict(ranking=True) for r in b]
    assert a[0].topic.label == "the-thao"
    assert a[1].topic.label == "suc-khoe"
    assert [c.id for c in a[2].campaigns] == ["hien-mau-tinh-nguyen"]
    assert a[0].campaigns == ()


def test_topic_ranking_is_a_distribution(tiny_bundle: Path) -> None:
    res = load_bundle(tiny_bundle).tag(_docs())[0]
    assert len(res.topic.ranking) == 10
    assert abs(sum(t.score for t in res.topic.ranking) - 1.0) < 1e-4
    assert res.topic.score == res.topic.ranking[0].score


def test_unknown_kind_and_newer_format_fail_clearly(tiny_bundle: Path, tmp_path: Path) -> None:
    for field, value, message in (
        ("kind", "mystery", "unknown bundle kind"),
        ("format_version", 99, "newer than this tinbai"),
    ):
        copy = tmp_path / field
        shutil.copytree(tiny_bundle, copy)
        raw = json.loads((copy / "bundle.json").read_text(encoding="utf-8"))
        raw[field] = value
        (copy / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
        with pytest.raises(BundleError, match=message):
            load_bundle(copy)


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no bundle.json"):
        read_manifest(tmp_path)


def test_edited_taxonomy_threshold_overrides_tuned_one(tiny_bundle: Path, tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load((tiny_bundle / "taxonomy.yaml").read_text(encoding="utf-8"))
    for c in raw["campaigns"]:
        if c["id"] == "hien-mau-tinh-nguyen":
            c["threshold"] = 1.0
    edited = tmp_path / "taxonomy.yaml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    res = load_bundle(tiny_bundle, taxonomy_path=edited).tag(_docs())
    assert res[2].campaigns == ()


# -- damaged bundle files: one BundleError naming the file (issue 9) ------------------------


def _without_checksums(src: Path, dst: Path) -> Path:
    """A copy of ``src`` as bundles were written before checksums were recorded."""
    shutil.copytree(src, dst)
    raw = json.loads((dst / "bundle.json").read_text(encoding="utf-8"))
    raw.pop("checksums")
    (dst / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
    return dst


def test_every_file_is_checksummed_and_verified(tiny_bundle: Path, tmp_path: Path) -> None:
    raw = json.loads((tiny_bundle / "bundle.json").read_text(encoding="utf-8"))
    files = sorted(
        p.relative_to(tiny_bundle).as_posix() for p in tiny_bundle.rglob("*") if p.is_file()
    )
    assert sorted(raw["checksums"]) == [f for f in files if f != "bundle.json"]
    copy = tmp_path / "b"
    shutil.copytree(tiny_bundle, copy)
    weights = copy / "topic_weights.npz"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte; the zip footer is intact
    weights.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"topic_weights.npz: checksum mismatch"):
        load_bundle(copy)


def test_any_damaged_file_is_named_even_without_checksums(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    old = _without_checksums(tiny_bundle, tmp_path / "old")
    load_bundle(old)  # an older bundle without checksums still loads
    for name in ("topic_weights.npz", "topic.json", "campaigns.json", "topic_vocab.txt"):
        copy = tmp_path / name
        shutil.copytree(old, copy)
        target = copy / name
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        with pytest.raises(BundleError) as info:
            load_bundle(copy)
        message = str(info.value)
        assert message.startswith(f"{target}:") and "\n" not in message, message


def test_damaged_summariser_files_are_named(tmp_path: Path) -> None:
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    old = _without_checksums(DEFAULT_BUNDLE_DIR, tmp_path / "old")
    for name in ("ranker.npz", "vocabulary.json", "summarizer.json"):
        copy = tmp_path / name
        shutil.copytree(old, copy)
        target = copy / "summarizer" / name
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        with pytest.raises(BundleError, match=rf"^{re.escape(str(target))}: unreadable"):
            load_bundle(copy)


def test_shipped_bundle_carries_checksums() -> None:
    from tinbai.model.bundle import file_checksums
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    manifest = read_manifest(DEFAULT_BUNDLE_DIR)
    assert manifest.checksums == file_checksums(DEFAULT_BUNDLE_DIR)


def test_cli_reports_a_damaged_bundle_in_one_line_and_exits_2(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinbai.service.cli import main

    copy = tmp_path / "b"
    shutil.copytree(tiny_bundle, copy)
    (copy / "topic_weights.npz").write_bytes(b"PK\x03\x04 truncated")
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "1", "text": "Chữ."}\n', encoding="utf-8")
    for command in ("tag", "summarize"):
        assert main([command, str(inp), "-o", str(tmp_path / "o.jsonl"), "--model", str(copy)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "topic_weights.npz" in err[0], err


MANIFEST_KEYS = [
    "format_version",
    "kind",
    "name",
    "version",
    "created_at",
    "taxonomy_fingerprint",
    "labels",
    "thresholds",
    "metrics",
    "training",
    "components",
    "library_versions",
    "checksums",
]


COMPONENT_KEYS = ["labels", "params"]  # tfidf-linear.v1's config (weights are files)


def test_save_bundle_round_trip_and_exact_manifest(tiny_bundle: Path, tmp_path: Path) -> None:
    """save_bundle(load_bundle(b)'s parts) gives a bundle that predicts the same, with exactly
    the manifest keys and a components map naming type, path and config of every part."""
    from tinbai.model.bundle import SavedFiles, save_bundle
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    a = load_bundle(tiny_bundle)
    reused = SavedFiles("ranker.v1", DEFAULT_BUNDLE_DIR / "summarizer", {"reused_from": "default"})
    parts = {
        "topics": (".", a.tagger.topics),
        "campaigns": (".", a.tagger.campaigns),
        "summarizer": ("summarizer", reused),
    }
    out = save_bundle(tmp_path / "saved", a.manifest.model_copy(deep=True), a.taxonomy, parts)
    raw = json.loads((out / "bundle.json").read_text(encoding="utf-8"))
    assert list(raw) == MANIFEST_KEYS
    assert list(raw["components"]) == ["topics", "campaigns", "summarizer"]
    topics = raw["components"]["topics"]
    assert list(topics) == ["type", "path", "config"] and list(topics["config"]) == COMPONENT_KEYS
    assert topics["type"] == "tfidf-linear.v1" and topics["path"] == "."
    assert topics["config"]["labels"] == raw["labels"]["topics"]
    assert set(topics["config"]["params"]) >= {"ngram_max", "title_weight", "min_df", "max_df"}
    assert raw["components"]["campaigns"] == {
        "type": "cue-theme.v2",
        "path": ".",
        "config": {
            "default_threshold": a.tagger.campaigns.default_threshold,
            "yaml_only_threshold": a.tagger.campaigns.fallback[1],
        },
    }
    assert raw["components"]["summarizer"] == {
        "type": "ranker.v1",
        "path": "summarizer",
        "config": {"reused_from": "default"},
    }
    assert not list(tmp_path.glob(".saved.*"))  # no temporary folder left behind
    b = load_bundle(out)
    assert a.summarizer is None and b.summarizer is not None
    assert [r.to_dict(ranking=True) for r in a.tag(_docs())] == [
        r.to_dict(ranking=True) for r in b.tag(_docs())
    ]
    # saving again over it replaces it whole
    save_bundle(out, b.manifest.model_copy(deep=True), b.taxonomy, parts)
    assert load_bundle(out).tag(_docs())[0].topic.label == "the-thao"


def test_the_older_components_layout_still_loads(tmp_path: Path) -> None:
    """Bundles written before components had paths and configs list ``part → type`` only;
    they load, reading each part's config from its own file, and tag the same."""
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    old = tmp_path / "old"
    shutil.copytree(DEFAULT_BUNDLE_DIR, old)
    raw = json.loads((old / "bundle.json").read_text(encoding="utf-8"))
    raw["components"] = {part: spec["type"] for part, spec in raw["components"].items()}
    assert raw["components"]["summarizer"] == "ranker.v1"
    (old / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
    bundle = load_bundle(old)
    assert bundle.manifest.components["summarizer"].path == "summarizer"
    assert bundle.summarizer is not None
    docs = _docs()
    new = load_bundle(DEFAULT_BUNDLE_DIR)
    assert [r.to_dict() for r in bundle.tagger.tag(docs)] == [
        r.to_dict() for r in new.tagger.tag(docs)
    ]


def test_loading_follows_the_components_map(tiny_bundle: Path, tmp_path: Path) -> None:
    """The manifest's component configs are what the loader uses, through the registry: a
    config there beats the part's own file, and an unknown type is one clear error."""
    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundle, copy)
    raw = json.loads((copy / "bundle.json").read_text(encoding="utf-8"))
    raw["components"]["campaigns"]["config"]["default_threshold"] = 0.123
    raw["components"]["topics"]["config"]["params"]["temperature"] = 100.0
    (copy / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
    bundle = load_bundle(copy)
    assert bundle.tagger.campaigns.default_threshold == 0.123
    flat = bundle.tagger.topics.predict_docs(_docs()[:1])[0]
    sharp = load_bundle(tiny_bundle).tagger.topics.predict_docs(_docs()[:1])[0]
    assert flat.max() < sharp.max()  # the manifest's temperature was applied
    raw["components"]["topics"]["type"] = "tfidf-linear.v9"
    (copy / "bundle.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(BundleError, match=r"unknown topic model 'tfidf-linear\.v9'"):
        load_bundle(copy)
