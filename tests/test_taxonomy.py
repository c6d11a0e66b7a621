from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tinbai.model.taxonomy import (
    DEFAULT_TAXONOMY_PATH,
    TaxonomyError,
    load_taxonomy,
    parse_taxonomy,
)


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))


def test_shipped_taxonomy_has_vntc_topics_and_guideline_campaigns() -> None:
    tax = load_taxonomy()
    assert tax.topic_ids == [
        "chinh-tri-xa-hoi",
        "doi-song",
        "khoa-hoc",
        "kinh-doanh",
        "phap-luat",
        "suc-khoe",
        "the-gioi",
        "the-thao",
        "van-hoa",
        "vi-tinh",
    ]
    assert len(tax.campaigns) == 15
    assert "hoc-tap-lam-theo-bac" in tax.campaign_ids
    c = tax.campaign("hoc-tap-lam-theo-bac")
    assert c.legal_basis and c.cues and c.name.startswith("Học tập")


def test_cues_are_normalised_at_load() -> None:
    raw = _raw()
    raw["campaigns"][0]["cues"] = ["Hoà Bình  Xanh"]
    tax = parse_taxonomy(raw)
    assert tax.campaigns[0].cues == ["hòa bình xanh"]


def test_missing_field_error_names_entry_and_field() -> None:
    raw = _raw()
    del raw["campaigns"][3]["cues"]
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(raw, "taxonomy.yaml")
    msg = str(err.value)
    assert "campaigns[3]" in msg and "nong-thon-moi" in msg and "'cues'" in msg


def test_bad_threshold_and_bad_id_are_reported() -> None:
    raw = _raw()
    raw["campaigns"][5]["threshold"] = 3
    raw["topics"][0]["id"] = "Chính Trị"
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(raw)
    msg = str(err.value)
    assert "an-toan-giao-thong" in msg and "'threshold'" in msg
    assert "topics[0]" in msg and "'id'" in msg


def test_duplicate_ids_are_rejected() -> None:
    raw = _raw()
    raw["campaigns"].append(dict(raw["campaigns"][0]))
    with pytest.raises(TaxonomyError, match="hoc-tap-lam-theo-bac.*more than once"):
        parse_taxonomy(raw)


def test_unknown_field_is_rejected() -> None:
    raw = _raw()
    raw["campaigns"][0]["cue"] = ["typo"]
    with pytest.raises(TaxonomyError, match="'cue'"):
        parse_taxonomy(raw)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics: [unclosed", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(bad)


def test_fingerprint_changes_with_content() -> None:
    raw = _raw()
    a = parse_taxonomy(raw).fingerprint()
    raw["campaigns"][0]["cues"].append("một cụm từ mới")
    assert parse_taxonomy(raw).fingerprint() != a


def test_editors_descriptions_are_vietnamese_and_not_part_of_the_fingerprint() -> None:
    """Every shipped campaign has a Vietnamese description for the editor page; rewording
    it (display text) keeps the fingerprint, so a bundle is not reported as trained on a
    different tag set."""
    tax = load_taxonomy()
    for c in tax.campaigns:
        assert c.description_vi and any(ch in c.description_vi for ch in "ăâđêôơưạảấầẩậắằẳặ")
    raw = _raw()
    a = parse_taxonomy(raw).fingerprint()
    raw["campaigns"][0]["description_vi"] = "Một cách diễn đạt khác."
    assert parse_taxonomy(raw).fingerprint() == a
    raw["campaigns"][0]["description"] = "Another wording."
    assert parse_taxonomy(raw).fingerprint() != a
