"""summary.json's figures: per phase, over every process of a run."""

from __future__ import annotations

import time

from bulkops.runner.reports import RunInfo, Timing
from bulkops.runner.summary import spent


def test_a_process_that_read_nothing_before_sending_counts_its_requests_as_sending() -> None:
    """A resume that starts in the sending phase makes no request before it sends (the token comes with the
    first write): its requests are the sending phase's, and its rate is not 0."""
    timing = Timing(time.monotonic() - 30, reads={}, planned=True, counters={"requests": 500})
    timing.info = RunInfo({}, 30.0, {"requests": 500})
    figures = spent(timing, dry_run=False)
    assert (figures["reading_requests"], figures["sending_requests"]) == (0, 500)


def test_a_resumed_run_adds_its_figures_to_the_earlier_processes() -> None:
    earlier = {"requests": 40, "retries": 2, "rate_limited": 1, "wall_time_s": 10.0, "reading_requests": 30,
               "reading_s": 4.0, "sending_requests": 10, "sending_s": 6.0}
    timing = Timing(time.monotonic() - 5, reads={"requests": 1}, planned=True, counters={"requests": 21},
                    earlier=earlier)
    timing.info = RunInfo({}, 4.0, {"requests": 21})
    figures = spent(timing, dry_run=False)
    assert (figures["requests"], figures["reading_requests"], figures["sending_requests"]) == (61, 31, 30)
    assert figures["wall_time_s"] >= 15 and figures["sending_s"] == 10.0
