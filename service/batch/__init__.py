"""Archive batch jobs: label a whole archive into a folder of parts, resumably, exactly once.

reader (input files → rows) → plan (numbered shards in ``_manifest.json``) → an engine
(``local`` process pool or ``ray`` actor pool) running :mod:`~service.batch.labeler` → writer
(atomic parts + errors) → report (coverage over time).
"""

from __future__ import annotations

from tinbai.service.batch.job import ENGINES, JobConfig, JobSummary, run_job

__all__ = ["ENGINES", "JobConfig", "JobSummary", "run_job"]
