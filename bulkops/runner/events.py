"""Progress records the runner publishes, for any listener: the CLI's bars, log lines, a Python callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a running job."""

    phase: str  # "reading", "snapshot", "sending", "exporting", "done"
    rows_total: int | None  # None while unknown (an export learns it as pages arrive)
    rows_done: int
    requests: int
    retries: int
    rate_limited: int  # 429 answers seen
    elapsed_s: float
    requests_planned: int | None = None

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
