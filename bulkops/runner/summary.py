"""summary.json: what a run did, in numbers that add up (rows by outcome, requests, retries, 429s, time).

Rates are per phase: the reads before sending and the sending each count their own requests over their own
time, so a rate shown is never one the run did not obey.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkops.runner.reports import Timing


def spent(timing: Timing, dry_run: bool) -> dict[str, float]:
    """What the run has cost so far: its earlier processes' figures (`Timing.earlier`, journaled as `spent`; a run
    interrupted and resumed is one run) and this process's, per phase."""
    counters = timing.counters or timing.reads
    planned = timing.planned
    sending = timing.info
    if sending is not None:
        sent_s = sending.elapsed_s
    else:  # stopped while sending: the time since the reads
        sent_s = max(timing.elapsed_s - timing.read_s, 0.0) if planned and timing.stopped and not dry_run else 0.0
    own = {"requests": counters.get("requests", 0), "retries": counters.get("retries", 0),
           "rate_limited": counters.get("rate_limited", 0), "wall_time_s": timing.elapsed_s,
           "reading_requests": timing.reads.get("requests", 0) if planned else counters.get("requests", 0),
           "reading_s": timing.read_s if planned else timing.elapsed_s,
           "sending_requests": counters.get("requests", 0) - timing.reads.get("requests", 0) if planned else 0,
           "sending_s": sent_s}
    return {k: v + timing.earlier.get(k, 0) for k, v in own.items()}


def summary_of(job: str, meta: Mapping[str, Any], run_dir: Path, tally: dict[str, int],  # noqa: PLR0913
               timing: Timing, operations: int, planned: int, dry_run: bool, interrupted: bool) -> dict[str, Any]:
    """The summary of a run (or of its dry run): its figures cover every process the run took (`spent`)."""
    figures = spent(timing, dry_run)
    phases = {"reading": {"requests": int(figures["reading_requests"]), "seconds": round(figures["reading_s"], 2)}}
    if timing.info is not None or figures["sending_s"] or figures["sending_requests"]:
        sent = int(figures["sending_requests"])
        phases["sending"] = {"requests": sent, "seconds": round(figures["sending_s"], 2),
                             "rate_per_min": _rate(sent, figures["sending_s"])}
    summary: dict[str, Any] = {
        "platform": meta.get("platform"), "job": job, "target": meta.get("target") or meta.get("base_url"),
        "input": meta.get("input"), "run_dir": str(run_dir), "dry_run": dry_run, "interrupted": interrupted,
        "stopped": timing.stopped, "rows": int(meta["rows_total"]), "outcomes": tally, "operations": operations,
        "requests": int(figures["requests"]), "retries": int(figures["retries"]),
        "rate_limited": int(figures["rate_limited"]), "wall_time_s": round(figures["wall_time_s"], 2), "phases": phases,
        "achieved_rate_per_min": phases.get("sending", {}).get("rate_per_min", 0.0),
        "quota_per_min": timing.quota,
    }
    if "hidden_rows" in meta:  # a workbook: where its table was, and its hidden (filtered-out) rows
        summary.update({"sheet": meta.get("sheet"), "header_row": meta.get("header_row"),
                        "hidden_rows": meta["hidden_rows"], "skip_hidden": bool(meta.get("skip_hidden"))})
    if dry_run:
        quota = timing.quota
        summary["planned_requests"] = planned
        # the real run repeats the reads, then sends: both at the quota at worst (a window's unused calls go at once)
        total = planned + timing.reads.get("requests", 0)
        summary["estimated_run_s"] = round(total / quota * 60, 1) if quota else None
    return summary


def _rate(requests: int, seconds: float) -> float:
    """Requests per minute. A phase shorter than a minute made its requests within one minute: that many per
    minute, not a burst stretched to a minute's worth (which would read as a rate above the quota it obeyed)."""
    return round(requests / max(seconds, 60.0) * 60, 1) if requests else 0.0
