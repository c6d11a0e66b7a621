"""The tunable constants read from ``configs/``: validated, and what the code actually uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tinbai.model.limits import SummarizerLimits, default_summary_sentences, load_limits
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.summarize import Budget, Summarizer
from tinbai.model.summarize.base import SCORERS
from tinbai.model.text import clean_article, prepare, split_sentences
from tinbai.model.text.clean import load_cleaning_rules
from tinbai.model.text.sentences import SentenceRulesError, load_sentence_rules

ARTICLE = " ".join(f"Câu thứ {i} nói về việc số {i} của xã." for i in range(1, 8))


def test_metadata_line_limit_comes_from_the_cleaning_rules(tmp_path: Path) -> None:
    rules = yaml.safe_load((CONFIG_DIR / "cleaning.yaml").read_text(encoding="utf-8"))
    assert rules["max_metadata_chars"] == 120
    line = "Nguồn: " + "báo địa phương " * 5  # 82 characters
    assert clean_article("Câu đầu.\n" + line).source is not None
    strict = tmp_path / "cleaning.yaml"
    strict.write_text(yaml.safe_dump({**rules, "max_metadata_chars": 40}), encoding="utf-8")
    cleaned = clean_article("Câu đầu.\n" + line, rules=load_cleaning_rules(strict))
    assert cleaned.source is None and len(cleaned.paragraphs) == 2


def test_sentence_rules_are_read_and_validated(tmp_path: Path) -> None:
    rules = load_sentence_rules()
    assert "no" in rules.abbreviations and "PGS" in rules.never_final_acronyms
    assert split_sentences("Gặp Dr. Minh hôm qua. PGS. Lan cũng đến.") == [
        "Gặp Dr. Minh hôm qua.",
        "PGS. Lan cũng đến.",
    ]
    bad = tmp_path / "sentences.yaml"
    bad.write_text("abbreviations: [mr, no]\nnever_final_acronyms: []\n", encoding="utf-8")
    with pytest.raises(SentenceRulesError, match=r"sentences\.yaml: field 'abbreviations\.1'"):
        load_sentence_rules(bad)  # YAML reads a bare `no` as false
    bad.write_text("abbreviations: []\nnever_final_acronyms: []\nextra: 1\n", encoding="utf-8")
    with pytest.raises(SentenceRulesError, match="field 'extra'"):
        load_sentence_rules(bad)


def test_default_summary_length_is_one_configured_value() -> None:
    assert default_summary_sentences() == load_limits().summarizer.default_sentences == 3
    doc = prepare(ARTICLE)
    lead = SCORERS["lead.v1"]({}, None)
    two = Summarizer("lead.v1", lead, limits=SummarizerLimits(default_sentences=2))
    assert [s.index for s in two.summarize(doc).sentences] == [0, 1]
    assert [s.index for s in two.summarize(doc, Budget(sentences=4)).sentences] == [0, 1, 2, 3]
    assert len(Summarizer.from_config({"scorer": "lead.v1"}).summarize(doc).sentences) == 3


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        ("sentences.yaml", "abreviations: [tp]\n", "sentences.yaml: field 'abbreviations'"),
        ("sentences.yaml", None, "sentences.yaml: cannot read"),
        ("cleaning.yaml", "chrome_lines: 3\n", "cleaning.yaml: field 'chrome_lines'"),
        ("limits.yaml", "summarizer: {max_sentence: 3}\n", "limits.yaml: field"),
        ("standalone.yaml", "connectivs: [tuy nhiên]\n", "standalone.yaml: field"),
    ],
)
def test_a_broken_config_file_is_one_line_in_the_cli(
    tmp_path: Path, name: str, edit: str | None, expected: str
) -> None:
    """Whatever configs/ file is broken (a misspelt key, a missing file), every command says
    so in one line naming the file, exit 2 — not an import traceback."""
    import os
    import shutil
    import subprocess
    import sys

    configs = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, configs)
    if edit is None:
        (configs / name).unlink()
    else:
        (configs / name).write_text(edit, encoding="utf-8")
    env = {**os.environ, "TINBAI_CONFIG_DIR": str(configs)}
    run = subprocess.run(
        [sys.executable, "-m", "tinbai.service.cli", "tag", "--text", "Hà Nội. Một câu."],
        env=env,
        capture_output=True,
        text=True,
    )
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert len(lines) == 1 and expected in lines[0], run.stderr
