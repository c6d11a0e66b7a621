"""Editor corrections: stored through SQLAlchemy (SQLite by default, any URL works) and exported
as training rows that ``tinbai train`` reads."""

from tinbai.service.feedback.store import Correction, FeedbackStore, text_hash

__all__ = ["Correction", "FeedbackStore", "text_hash"]
