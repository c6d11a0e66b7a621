"""Label one shard: the work every engine's workers do, so every engine writes the same rows.

Rows are read, validated and prepared by the same functions ``tinbai tag`` uses
(:func:`tinbai.model.predict.prepare_records`: one error vocabulary, one text pipeline); each
Document is prepared once and feeds both the tagger and, with ``summaries``, the summariser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinbai.model.article import ArticleError, record_id
from tinbai.model.bundle import Bundle, load_bundle
from tinbai.model.predict import (
    Prepared,
    default_summarizer,
    map_good,
    meta_dict,
    prepare_records,
    summary_problem,
)
from tinbai.service.batch.plan import Shard
from tinbai.service.batch.reader import Columns, UnreadableFile, read_shard, record_date
from tinbai.service.batch.writer import ArchiveError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardResult:
    index: int
    rows: list[dict[str, Any]]  # one per good input row, input order
    errors: list[dict[str, Any]]  # {"id", "error", "file", "row"} per bad input row

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "rows": self.rows, "errors": self.errors}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ShardResult:
        return cls(raw["index"], raw["rows"], raw["errors"])


class ShardLabeler:
    """Holds a loaded bundle (and summariser) and labels shards with it; one per worker."""

    def __init__(self, bundle_dir: str, columns: dict[str, Any], summaries: bool) -> None:
        self.bundle: Bundle = load_bundle(Path(bundle_dir))
        self.columns = Columns.from_dict(columns)
        self.summarizer = None
        if summaries:  # the bundle's own summariser or the lead baseline, as the CLI does
            self.summarizer = default_summarizer(self.bundle)

    def label(self, shard: Shard) -> ShardResult:
        try:
            records = read_shard(
                Path(shard.path), shard.kind, shard.start, shard.stop, shard.offset
            )
        except UnreadableFile as exc:  # damaged since planning: its rows are errors, job goes on
            log.warning("%s; its rows %d-%d go to _errors.jsonl", exc, shard.start + 1, shard.stop)
            return self.unreadable(shard, exc.problem)
        if len(records) != shard.rows:
            raise ArchiveError(
                f"{shard.path}: expected {shard.rows} rows from {shard.start}, "
                f"read {len(records)}; was the file changed during the job?"
            )
        return self.label_records(shard.index, shard.path, shard.start, records)

    @staticmethod
    def unreadable(shard: Shard, problem: str) -> ShardResult:
        """Every row of a shard whose file cannot be read, as an error row with the reason."""
        message = f"input file unreadable: {problem}"
        errors = [
            {"id": None, "error": message, "file": shard.path, "row": shard.start + i + 1}
            for i in range(shard.rows)
        ]
        return ShardResult(shard.index, [], errors)

    def label_records(self, index: int, path: str, start: int, records: list[Any]) -> ShardResult:
        cols = self.columns
        prepared = [
            _require_id(p, cols.id)
            for p in prepare_records(
                records,
                id_field=cols.id,
                text_field=cols.text,
                title_field=cols.title,
                allow_title_only=True,  # a headline-only row is tagged, not summarised
            )
        ]
        rows: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for i, (p, tags) in enumerate(
            zip(prepared, map_good(prepared, self.bundle.tag), strict=True)
        ):
            if not p.ok or tags is None:
                errors.append(
                    {
                        "id": record_id(p.record, cols.id),
                        "error": p.error,
                        "file": path,
                        "row": start + i + 1,
                    }
                )
                continue
            tagged = tags.to_dict()
            row: dict[str, Any] = {
                "id": p.article.id,
                "date": record_date(p.record, cols),
                "topic": tagged["topic"]["label"],
                "topic_score": tagged["topic"]["score"],
                "campaigns": [{"id": c["id"], "score": c["score"]} for c in tagged["campaigns"]],
                "mentions": [{"id": c["id"], "score": c["score"]} for c in tagged["mentions"]],
            }
            if self.summarizer is not None:
                # as `tinbai summarize` and the API: no body sentences, no summary, and why
                problem = summary_problem(p.article, p.doc, cols.text)
                row["summary"] = None if problem else self.summarizer.summarize(p.doc).text
                row["summary_error"] = problem
            row["title"] = p.article.title
            row["meta"] = meta_dict(p.doc)
            row["campaign_evidence"] = tagged["campaigns"]  # the CLI row's {id, score, evidence}
            rows.append(row)
        return ShardResult(index, rows, errors)


def _require_id(prepared: Prepared, id_field: str) -> Prepared:
    """An archive row must say which article it is: a missing or blank id is its error."""
    art = prepared.article
    if art is None or (art.id is not None and art.id.strip()):
        return prepared
    problem = "is missing" if art.id is None else "is empty or only whitespace"
    return prepared.failed(str(ArticleError(id_field, problem)))
