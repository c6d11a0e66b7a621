from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.bundle import BundleError, load_bundle, read_manifest
from model.text import prepare


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
