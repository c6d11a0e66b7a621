"""Usage errors come first and fast; every command's help lists what it can do."""

from __future__ import annotations

from pathlib import Path

import pytest
from tinbai.model.registry import evaluate_targets
from tinbai.service.cli import main


@pytest.mark.parametrize("command", ["tag", "summarize"])
def test_no_input_is_refused_before_any_bundle_is_loaded(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the bundle does not exist: an answer about the input proves it was never opened
    missing_bundle = str(tmp_path / "no-such-bundle")
    for args, problem in (
        ([], "give an input file (- for standard input) or --text"),
        ([str(tmp_path / "absent.jsonl")], "input file not found"),
        ([str(tmp_path), "--text", "x"], "give an input file or --text, not both"),
    ):
        assert main([command, *args, "--model", missing_bundle]) == 2
        err = capsys.readouterr().err
        assert problem in err and "bundle" not in err, err
        assert len(err.strip().splitlines()) == 1, err


def test_evaluate_help_lists_every_target_with_a_line_of_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["evaluate", "--help"])
    assert done.value.code == 0
    listing = " ".join(capsys.readouterr().out.split())  # argparse wraps long lines
    names = ["topics", "campaigns", *evaluate_targets]
    assert len(names) >= 3
    for name in evaluate_targets:
        target = evaluate_targets[name]
        assert target.help and "\n" not in target.help, name
        assert f"{name} {' '.join(target.help.split()[:4])}" in listing, name
    for name in names:
        assert f" {name} " in listing, name
