"""The job's plan: fixed, numbered shards of the input, recorded once in ``OUT/_manifest.json``.

Exactly-once rests on three facts: the shards are a deterministic partition of the input (row
ranges of files, never crossing a file); a shard is done iff its final part file exists
(parts are renamed into place only once complete, see :mod:`tinbai.service.batch.writer`); and
a resumed job refuses to continue when the input or the options differ from those the
manifest recorded, because old and new parts would then not fit together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinbai.service.batch.reader import (
    Columns,
    InputError,
    UnreadableFile,
    file_kind,
    resolve_inputs,
    scan_file,
)
from tinbai.service.batch.writer import (
    LOCK_FILE,
    ArchiveError,
    atomic_write_text,
    is_temporary,
    part_columns,
)

PLAN_FILE = "_manifest.json"
FORMAT_VERSION = 1


class PlanError(ArchiveError):
    """The output folder cannot be (re)used for this job; the message says why and what to do."""


@dataclass(frozen=True)
class Shard:
    index: int
    path: str
    kind: str
    start: int
    stop: int
    offset: int | None = None  # byte offset of row ``start`` (plain JSONL)

    @property
    def rows(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Plan:
    options: dict[str, Any]
    inputs: list[dict[str, Any]]
    shards: list[Shard]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # tag set: id → name

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.shards)

    @property
    def columns(self) -> Columns:
        return Columns.from_dict(self.options["columns"])

    @property
    def format(self) -> str:
        return self.options["format"]


def bundle_identity(bundle_dir: Path) -> dict[str, str]:
    """What makes a bundle's output what it is: its manifest and tag set, hashed; not its path."""
    h = hashlib.sha256()
    for name in ("bundle.json", "taxonomy.yaml"):
        f = bundle_dir / name
        h.update(name.encode() + b"\0" + (f.read_bytes() if f.is_file() else b"") + b"\0")
    meta = json.loads((bundle_dir / "bundle.json").read_text(encoding="utf-8"))
    return {
        "name": meta.get("name", ""),
        "version": str(meta.get("version", "")),
        "sha256": h.hexdigest(),
    }


def job_options(
    *,
    fmt: str,
    summaries: bool,
    shard_size: int,
    columns: Columns,
    bundle_dir: Path,
    rows_per_file: int | None = None,
) -> dict[str, Any]:
    """Everything that changes the output rows (engine and worker count do not).
    ``rows_per_file`` keeps only each file's first rows (benchmarks, trial runs)."""
    return {
        "format": fmt,
        "summaries": summaries,
        "shard_size": shard_size,
        "columns": columns.to_dict(),
        "bundle": bundle_identity(bundle_dir),
        "rows_per_file": rows_per_file,
        "part_columns": part_columns(summaries),
    }


def tag_set(bundle_dir: Path) -> dict[str, dict[str, str]]:
    """The bundle's topics and campaigns with display names, in taxonomy order, for reports."""
    from tinbai.model.taxonomy import load_taxonomy

    tax = load_taxonomy(bundle_dir / "taxonomy.yaml")
    return {
        "topics": {t.id: t.name for t in tax.topics},
        "campaigns": {c.id: c.name for c in tax.campaigns},
    }


def stat_inputs(spec: str) -> list[dict[str, Any]]:
    out = []
    for path in resolve_inputs(spec):
        st = path.stat()
        out.append({"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return out


def make_plan(
    spec: str, options: dict[str, Any], labels: dict[str, dict[str, str]] | None = None
) -> Plan:
    """Count every input file's rows and cut them into shards of ``shard_size`` rows."""
    size = options["shard_size"]
    columns = Columns.from_dict(options["columns"])
    inputs, shards = [], []
    unreadable: list[UnreadableFile] = []
    for entry in stat_inputs(spec):
        path = Path(entry["path"])
        kind = file_kind(path)
        assert kind is not None  # resolve_inputs only returns known kinds
        try:
            scan = scan_file(path, kind, size, columns, options.get("rows_per_file"))
        except UnreadableFile as exc:  # keep scanning: name every bad file in one go
            unreadable.append(exc)
            continue
        inputs.append({**entry, "kind": kind, "rows": scan.rows})
        for k, start in enumerate(range(0, scan.rows, size)):
            offset = scan.offsets[k] if scan.offsets is not None else None
            stop = min(start + size, scan.rows)
            shards.append(Shard(len(shards), str(path), kind, start, stop, offset))
    if unreadable:
        names = "; ".join(str(e) for e in unreadable)
        raise InputError(
            f"{len(unreadable)} input file(s) cannot be read, nothing was labelled: {names} "
            "(repair them or move them out of the input, then run again)"
        )
    return Plan(options, inputs, shards, labels or {})


def save_plan(out: Path, plan: Plan) -> None:
    doc = {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint(plan.inputs, plan.options),
        "rows": plan.rows,
        "options": plan.options,
        "inputs": plan.inputs,
        "labels": plan.labels,
        "shards": [asdict(s) for s in plan.shards],
    }
    atomic_write_text(out / PLAN_FILE, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")


def load_plan(out: Path) -> Plan | None:
    f = out / PLAN_FILE
    if not f.is_file():
        return None
    doc = json.loads(f.read_text(encoding="utf-8"))
    if doc.get("format_version", 0) > FORMAT_VERSION:
        raise PlanError(f"{f}: written by a newer tinbai; upgrade tinbai to resume it")
    shards = [Shard(**s) for s in doc["shards"]]
    return Plan(doc["options"], doc["inputs"], shards, doc.get("labels", {}))


def fingerprint(inputs: list[dict[str, Any]], options: dict[str, Any]) -> str:
    stat = [{k: e[k] for k in ("path", "size", "mtime_ns")} for e in inputs]
    blob = json.dumps({"inputs": stat, "options": options}, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def open_plan(
    out: Path, spec: str, options: dict[str, Any], labels: dict[str, dict[str, str]] | None = None
) -> tuple[Plan, bool]:
    """The plan to run: the recorded one when resuming (after checking nothing changed), else a
    new one, saved before any work starts. Returns ``(plan, resumed)``."""
    old = load_plan(out)
    if old is None:
        leftovers = [p for p in out.iterdir() if p.name != LOCK_FILE and not is_temporary(p)]
        if leftovers:
            raise PlanError(
                f"{out} is not empty and has no {PLAN_FILE}: not a label-archive "
                "output folder; choose a new or empty folder"
            )
        out.mkdir(parents=True, exist_ok=True)
        plan = make_plan(spec, options, labels)
        save_plan(out, plan)
        return plan, False
    changed = []
    now = stat_inputs(spec)
    was = [{k: e[k] for k in ("path", "size", "mtime_ns")} for e in old.inputs]
    if [e["path"] for e in now] != [e["path"] for e in was]:
        changed.append("the set of input files")
    elif now != was:
        changed.extend(
            f"input {n['path']} (size or modification time)"
            for n, w in zip(now, was, strict=True)
            if n != w
        )
    for key in sorted(set(options) | set(old.options)):
        if options.get(key) != old.options.get(key):
            changed.append("the model bundle" if key == "bundle" else f"option {key!r}")
    if changed:
        raise PlanError(
            f"{out} holds a job over different input or options ({'; '.join(changed)} "
            "changed); re-run with the original ones, or use a new output folder"
        )
    return old, True
