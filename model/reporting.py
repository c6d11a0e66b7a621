"""Small things every layer reports with: pydantic errors as one line, progress bars."""

from __future__ import annotations

import sys
from typing import Any, Literal

from pydantic import ValidationError


def describe_errors(exc: ValidationError, prefix: str = "", skip: int = 0) -> str:
    """Every problem of a pydantic error as ``field.path: message``, joined by ``; `` — the
    line a user reads instead of a traceback (``prefix`` names the enclosing section; ``skip``
    drops leading path parts a reader never wrote, such as a tagged union's tag)."""
    lines = []
    for e in exc.errors():
        where = prefix + ".".join(str(x) for x in e["loc"][skip:])
        lines.append(f"{where}: {e['msg']}" if where else e["msg"])  # a whole-model check
    return "; ".join(lines)


def progress_bar(
    total: int | None = None,
    desc: str = "",
    unit: str = "article",
    *,
    when_piped: Literal["hide", "slow"] = "hide",
) -> Any:
    """A tqdm bar on stderr. When stderr is not a terminal (logs, CI) it is hidden, or, for
    long training runs whose logs should still show progress, redrawn every 30 s."""
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    if when_piped == "hide":
        return tqdm(
            total=total, desc=desc, unit=unit, file=sys.stderr, disable=not tty, dynamic_ncols=True
        )
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=0.5 if tty else 30.0,
    )
