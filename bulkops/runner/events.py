"""Progress records the runner publishes, for any listener: the CLI's bars, log lines, a Python callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a running job."""

    phase: str  # "checking rows", "finding duplicate rows", "reading current values", "sending", "writing the undo
    # file", "writing reports", "exporting"; "done" last (the whole run: its rows, requests, time)
    # Counters are the phase's own: requests, retries and 429s since the phase began, over its elapsed time.
    rows_total: int | None  # None while unknown (an export learns it as pages arrive)
    rows_done: int
    requests: int
    retries: int
    rate_limited: int  # 429 answers seen
    elapsed_s: float
    requests_planned: int | None = None
    note: str | None = None  # something to say with it ("API unreachable: ...")
    counts_rows: bool = True  # False while a phase has no row count of its own (the reads before sending)

    @property
    def request_rate(self) -> float:
        """Requests per second so far."""
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current request rate, when the plan is known."""
        if self.requests_planned is None or self.request_rate <= 0:
            return None
        return max(0.0, (self.requests_planned - self.requests) / self.request_rate)


ProgressListener = Callable[[Progress], None]


def ignore(_: Progress) -> None:
    """The listener of a quiet run."""
