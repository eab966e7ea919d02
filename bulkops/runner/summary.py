"""summary.json: what a run did, in numbers that add up (rows by outcome, requests, retries, 429s, time)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkops.runner.reports import Timing


def summary_of(job: str, meta: Mapping[str, Any], run_dir: Path, tally: dict[str, int],  # noqa: PLR0913
               timing: Timing, operations: int, planned: int, dry_run: bool, interrupted: bool) -> dict[str, Any]:
    """The summary of a run (or of its dry run)."""
    elapsed = timing.elapsed_s
    counters = dict(timing.info.counters) if timing.info else dict(timing.reads)
    requests = counters.get("requests", 0)
    summary: dict[str, Any] = {
        "platform": meta.get("platform"), "job": job, "target": meta.get("target") or meta.get("base_url"),
        "input": meta.get("input"), "run_dir": str(run_dir), "dry_run": dry_run, "interrupted": interrupted,
        "rows": int(meta["rows_total"]), "outcomes": tally, "operations": operations, "requests": requests,
        "retries": counters.get("retries", 0), "rate_limited": counters.get("rate_limited", 0),
        "wall_time_s": round(elapsed, 2),
        "achieved_rate_per_min": round(requests / elapsed * 60, 1) if elapsed > 0 else 0.0,
        "quota_per_min": timing.quota,
    }
    if dry_run:
        summary["planned_requests"] = planned
        quota = timing.quota
        summary["estimated_send_s"] = round(planned / quota * 60, 1) if planned and quota else None
    return summary
