"""The corrections table and the two things done with it: record one, export them all.

Plain SQLAlchemy 2 (typed ORM, portable column types, JSON for id lists), so the default SQLite
file and a PostgreSQL URL use the same code. The article text is stored with each correction:
without it a correction of an article from a newsroom's own archive could never be trained on.

Storage errors are logged in full here (SQLAlchemy's message carries the SQL and its
parameters, the article text among them) and raised as :class:`FeedbackStoreError` with the
driver's one-line reason only. A connection opened while the database was unusable stays
unusable (SQLite opens a read-only file read-only and keeps it so; ``pool_pre_ping`` cannot see
that), so on an operational error the pool is disposed and a write is tried once more on a
fresh connection: the store recovers as soon as the database is writable again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

log = logging.getLogger("tinbai.service.feedback")


class FeedbackStoreError(RuntimeError):
    """The database cannot be opened or written; the message names the URL (without password)."""


class Base(DeclarativeBase):
    pass


class Correction(Base):
    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    article_id: Mapped[str | None] = mapped_column(String(200), index=True)
    text_hash: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    predicted_topic: Mapped[str | None] = mapped_column(String(100))
    predicted_campaigns: Mapped[list[str]] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(100))
    campaigns: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(100))

    @property
    def key(self) -> str:
        """What identifies the article: the caller's id, else the hash of its text."""
        return self.article_id or self.text_hash

    def to_training_row(self) -> dict[str, Any]:
        """A row both trainers read: campaign labels (``id``, ``text``, ``title``,
        ``campaigns``; see ``tinbai.training.campaigns.join_texts``) and topic rows (``topic``)."""
        row: dict[str, Any] = {"id": self.key, "source": "feedback"}
        if self.title:
            row["title"] = self.title
        row.update({"text": self.text, "topic": self.topic, "campaigns": list(self.campaigns)})
        row["feedback"] = {
            "correction_id": self.id,
            "created_at": _iso(self.created_at),
            "predicted": {
                "topic": self.predicted_topic,
                "campaigns": list(self.predicted_campaigns),
            },
            "model": {"name": self.model_name, "version": self.model_version},
            "note": self.note,
        }
        return row


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _iso(value: datetime) -> str:
    # SQLite gives back naive datetimes; every value was written in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def _reason(exc: BaseException) -> str:
    """The driver's first line (e.g. "attempt to write a readonly database"), no SQL."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


class FeedbackStore:
    """Opens (and creates if needed) the corrections table at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = make_url(url)
            connect_args: dict[str, Any] = {}
            if parsed.get_backend_name() == "sqlite":
                # Requests run in worker threads; each session uses one connection at a time.
                connect_args["check_same_thread"] = False
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
            Base.metadata.create_all(self.engine)
        except (ArgumentError, SQLAlchemyError, OSError, ImportError) as exc:
            raise FeedbackStoreError(f"feedback database {_safe_url(url)}: {exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def _failed(self, action: str, exc: SQLAlchemyError) -> FeedbackStoreError:
        """Log ``exc`` in full, drop pooled connections after an operational error, and return
        the short error callers see."""
        where = _safe_url(self.url)
        log.error("feedback database %s: cannot %s", where, action, exc_info=exc)
        if isinstance(exc, DBAPIError):
            self.engine.dispose()
        return FeedbackStoreError(f"feedback database {where}: cannot {action}: {_reason(exc)}")

    def add(
        self,
        *,
        text: str,
        title: str | None,
        article_id: str | None,
        topic: str,
        campaigns: list[str],
        predicted_topic: str | None,
        predicted_campaigns: list[str],
        note: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
    ) -> Correction:
        """Record one correction; one retry on a fresh connection after an operational error
        (a retried commit whose first try did reach the database stores a duplicate, which
        export folds: the latest correction per article wins)."""
        created_at = datetime.now(UTC)

        def make_row() -> Correction:
            return Correction(
                created_at=created_at,
                article_id=article_id,
                text_hash=text_hash(text),
                title=title,
                text=text,
                predicted_topic=predicted_topic,
                predicted_campaigns=list(predicted_campaigns),
                topic=topic,
                campaigns=list(campaigns),
                note=note,
                model_name=model_name,
                model_version=model_version,
            )

        for attempt in (1, 2):
            try:
                return self._insert(make_row())
            except DBAPIError as exc:
                if attempt == 2:
                    raise self._failed("record a correction", exc) from None
                log.warning("feedback database: insert failed (%s); retrying", _reason(exc))
                self.engine.dispose()
            except SQLAlchemyError as exc:
                raise self._failed("record a correction", exc) from None
        raise AssertionError("unreachable")

    def _insert(self, row: Correction) -> Correction:
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()
        return row

    def corrections(self) -> Iterator[Correction]:
        """Every correction, oldest first."""
        try:
            with Session(self.engine) as session:
                yield from session.scalars(select(Correction).order_by(Correction.id))
        except SQLAlchemyError as exc:
            raise self._failed("read the corrections", exc) from None

    def count(self) -> int:
        try:
            with Session(self.engine) as session:
                return int(session.scalar(select(func.count(Correction.id))) or 0)
        except SQLAlchemyError as exc:
            raise self._failed("count the corrections", exc) from None

    def training_rows(self) -> list[dict[str, Any]]:
        """One row per article — its latest correction wins — in order of first correction."""
        latest: dict[str, Correction] = {}
        for c in self.corrections():
            latest[c.key] = c  # a re-assigned key keeps its first position
        return [c.to_training_row() for c in latest.values()]
