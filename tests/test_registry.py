"""The registry of swappable parts: versioned names, lazy entries, errors that list names."""

from __future__ import annotations

import pytest
from tinbai.model import registry
from tinbai.model.registry import Registry, RegistryError


def test_register_and_get() -> None:
    table = Registry("widget")

    @table.register("square.v1")
    def square(x: int) -> int:
        return x * x

    assert table["square.v1"](3) == 9
    assert list(table) == ["square.v1"] and "square.v1" in table and len(table) == 1


def test_unknown_name_lists_the_known_ones() -> None:
    table = Registry("widget", {"b.v1": "json:dumps"})
    table.register("a.v1")(len)
    with pytest.raises(RegistryError, match=r"unknown widget 'c.v1' \(known: \['a.v1', 'b.v1'\]\)"):
        table["c.v1"]


def test_lazy_entry_is_imported_on_first_use() -> None:
    import json

    table = Registry("codec", {"json.v1": "json:dumps"})
    assert table["json.v1"] is json.dumps


def test_shipped_tables() -> None:
    assert set(registry.kinds) == {"classical", "phobert"}
    assert "summaries" in registry.evaluate_targets
    from tinbai.service.batch import ENGINES

    assert ENGINES == ("local", "ray") and set(registry.archive_engines) == {"local", "ray"}


def test_archive_formats_are_registered_classes() -> None:
    from pathlib import Path

    from tinbai.service.batch.reader import file_kind

    assert list(registry.archive_formats) == ["jsonl.v1", "csv.v1", "parquet.v1"]
    assert file_kind(Path("a.ndjson.gz")) == "jsonl.gz" and file_kind(Path("b.pq")) == "parquet"
    assert file_kind(Path("c.txt")) is None
