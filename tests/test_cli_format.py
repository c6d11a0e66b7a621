"""``tinbai evaluate … --format table``: a table for people; the default stays one JSON object."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from tinbai.service.cli import main
from tinbai.service.cli.common import format_table


def test_format_table_lays_out_scalars_and_per_class_scores() -> None:
    text = format_table(
        {
            "target": "topics",
            "accuracy": 0.91234,
            "per_class": {"the-thao": {"f1": 0.5, "support": 3}, "kinh-doanh": {"f1": 1.0}},
            "confusion": [[1, 0], [0, 1]],
        }
    )
    lines = text.splitlines()
    assert lines[0].split() == ["target", "topics"]
    assert lines[1].split() == ["accuracy", "0.9123"]
    assert lines[3].split() == ["per_class", "f1", "support"]
    assert lines[5].split() == ["the-thao", "0.5000", "3"]
    assert lines[6].split() == ["kinh-doanh", "1.0000"]  # a missing cell stays empty
    assert lines[-1] == "confusion: [[1, 0], [0, 1]]"


def test_evaluate_json_by_default_table_on_request(
    tiny_bundle: Path, tiny_corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["evaluate", "topics", "--data", str(tiny_corpus["dev"]), "--model", str(tiny_bundle)]
    assert main(base) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["target"] == "topics" and 0 <= result["accuracy"] <= 1
    assert main([*base, "--format", "table"]) == 0
    table = capsys.readouterr().out
    rows = [line.split() for line in table.splitlines()]
    assert ["accuracy", f"{result['accuracy']:.4f}"] in rows
    with pytest.raises(json.JSONDecodeError):
        json.loads(table)


def _parsers(parser: argparse.ArgumentParser, path: str = "tinbai"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_every_option_says_what_it_does_and_tag_help_shows_its_output() -> None:
    from tinbai.service.cli import build_parser

    parsers = dict(_parsers(build_parser()))
    for path, parser in parsers.items():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue  # lists the sub-commands, each with its own help
            assert action.help, f"{path} {action.option_strings or action.dest} has no help"
    tag_help = parsers["tinbai tag"].format_help()
    assert '"meta": {"author", "source"}' in tag_help
    assert "articles per model call (default: 64)" in " ".join(tag_help.split())
    assert {"topics", "campaigns", "summaries"} <= set(
        parsers["tinbai evaluate"]._subparsers._group_actions[0].choices
    )
