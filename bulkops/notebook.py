"""Progress for the Python API: a bar in a notebook, silence in a script, or the caller's own listener.

Every function of the Python API takes ``listener=``, a callable that receives each
`bulkops.runner.events.Progress` snapshot (phase, rows done of total, requests, retries, 429s, rate, ETA).
Left out (``None``), `chosen` picks one:

- inside a Jupyter kernel (JupyterLab, the classic notebook, VS Code, Colab): `ProgressBars`, one bar per
  phase, drawn by ``tqdm.auto`` (install ``bulkops[notebook]``; without tqdm, `PlainLines` prints a line per
  phase and every few seconds instead);
- anywhere else (a script, a terminal, a test): nothing, so that scripts stay quiet.

``listener=bulkops.quiet`` silences a notebook run too; ``listener=print`` prints every snapshot.

Why tqdm and not rich (already a dependency): rich's live display in Jupyter needs ipywidgets all the same,
and rich is the command line's (only `bulkops.cli` speaks rich, `tests/test_layers.py`); ``tqdm.auto`` picks
the widget in a notebook and falls back to text where widgets are missing, with no code of ours for either.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from bulkops.runner.events import Progress, ProgressListener, ignore

PLAIN_EVERY_S = 5.0  # how often `PlainLines` repeats a line within one phase

quiet: ProgressListener = ignore  # `listener=bulkops.quiet`: no progress at all, even in a notebook


def in_notebook() -> bool:
    """True inside a Jupyter kernel: an IPython shell with a kernel (never imports IPython itself)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    if shell is None:
        return False
    return getattr(shell, "kernel", None) is not None or type(shell).__name__ == "ZMQInteractiveShell"


def chosen(listener: ProgressListener | None) -> ProgressListener:
    """The listener a run uses: the caller's own; else bars in a notebook; else none (a quiet script)."""
    if listener is not None:
        return listener
    if not in_notebook():
        return ignore
    try:
        return ProgressBars()
    except ImportError:
        return PlainLines()


def describe(p: Progress) -> str:
    """The figures of a snapshot beside its bar: requests, rate, retries, 429s, and its note if any."""
    detail = f"{p.requests} req, {p.request_rate:.1f}/s, {p.retries} retries, {p.rate_limited}×429"
    return f"{detail}, {p.note}" if p.note else detail


class ProgressBars:
    """A listener drawing one tqdm bar per phase ("checking rows", "reading current values", "sending",
    "exporting"); the "done" snapshot completes and closes the last one.

    `bar` makes a bar from tqdm's keywords (default ``tqdm.auto.tqdm``: a widget in Jupyter, text elsewhere);
    `options` are passed to each bar (``file=``, ``mininterval=`` ...). ImportError when tqdm is missing.
    """

    def __init__(self, bar: Any = None, **options: Any) -> None:
        if bar is None:
            from tqdm.auto import tqdm  # noqa: PLC0415 - optional (bulkops[notebook]), only when a bar is drawn

            bar = tqdm
        self._make = bar
        self._options = {"unit": "row", "dynamic_ncols": True, **options}
        self._bar: Any = None
        self._phase: str | None = None

    def __call__(self, p: Progress) -> None:
        if self._bar is None or p.phase not in (self._phase, "done"):
            self.close()
            self._bar = self._make(desc=p.phase, total=p.rows_total if p.counts_rows else None, **self._options)
            self._phase = p.phase
        bar = self._bar
        bar.set_postfix_str(describe(p), refresh=False)
        if p.counts_rows and p.rows_total is not None and bar.total != p.rows_total:
            bar.total = p.rows_total  # an export learns its total as pages arrive
            bar.refresh()
        bar.update(p.rows_done - bar.n if p.counts_rows else 0)  # redrawn at most every `mininterval`
        if p.phase == "done":
            self.close()

    def close(self) -> None:
        """Close the open bar, if any (idempotent)."""
        if self._bar is not None:
            self._bar.close()  # draws the final figures
            self._bar = None


class PlainLines:
    """A listener printing a line per phase, on "done" and on notes, else every `PLAIN_EVERY_S` seconds."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._phase: str | None = None
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase == self._phase and p.phase != "done" and not p.note and now - self._last < PLAIN_EVERY_S:
            return
        self._phase, self._last = p.phase, now
        rows = ""
        if p.counts_rows:
            rows = f"{p.rows_done}/{'?' if p.rows_total is None else p.rows_total} rows, "
        eta = "" if p.eta_s is None else f", about {p.eta_s:.0f}s left"
        print(f"[{p.phase}] {rows}{describe(p)}, {p.elapsed_s:.0f}s{eta}", file=self._stream or sys.stderr,
              flush=True)
