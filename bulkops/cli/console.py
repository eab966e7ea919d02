"""The one object that owns what the command line prints: rich bars on a terminal, plain lines elsewhere.

rich loads only for a terminal (0.04 s of a small job's start-up otherwise): a script, a pipe or --json gets
plain lines.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from bulkops.runner.events import Progress

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as Bars
    from rich.progress import TaskID

PLAIN_EVERY_S = 5.0  # how often a non-terminal run prints a progress line
_TERMINAL_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL")  # read by rich


class Output:
    """Progress, messages and the final summary of one command, in the mode the user chose."""

    def __init__(self, *, quiet: bool = False, as_json: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.as_json = as_json
        self._stream = stream or sys.stderr
        self._console: Console | None = None
        self._bars: Bars | None = None
        self._task: TaskID | None = None
        self._phase = ""
        self._last_line = 0.0

    @property
    def terminal(self) -> bool:
        """Does the output go to a terminal (bars, rich's console) rather than a file or a pipe (plain lines)?
        Where the user's environment says otherwise (FORCE_COLOR, TTY_COMPATIBLE ...), rich decides."""
        if any(name in os.environ for name in _TERMINAL_SETTINGS):
            return self.console.is_terminal
        isatty = getattr(self._stream, "isatty", None)
        return bool(isatty and isatty())

    @property
    def console(self) -> Console:
        """rich's console on the output stream (loaded on first use)."""
        if self._console is None:
            from rich.console import Console  # noqa: PLC0415 - a terminal's only

            self._console = Console(file=self._stream, highlight=False, soft_wrap=True)
        return self._console

    # -- progress --------------------------------------------------------------------------
    def progress(self, p: Progress) -> None:
        """Show a progress snapshot (a listener for the runner)."""
        if self.quiet or self.as_json:
            return
        if self.terminal:
            self._show_bars(p)
            return
        changed = p.phase != self._phase
        self._phase = p.phase
        if changed or p.phase == "done" or p.note or time.monotonic() - self._last_line >= PLAIN_EVERY_S:
            self._last_line = time.monotonic()
            print(_plain_line(p), file=self._stream, flush=True)

    def _show_bars(self, p: Progress) -> None:
        if self._bars is None:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn  # noqa: PLC0415
            from rich.progress import Progress as Bars  # noqa: PLC0415

            self._bars = Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[detail]}"), TimeRemainingColumn(), console=self.console)
            self._bars.start()
        if self._task is None or p.phase not in (self._phase, "done"):
            if self._task is not None:
                self._bars.stop_task(self._task)
            self._task = self._bars.add_task(p.phase, total=p.rows_total if p.counts_rows else None, detail="")
            self._phase = p.phase
        detail = f"{p.requests} req · {p.request_rate:.1f}/s · {p.retries} retries · {p.rate_limited}×429"
        if p.note:
            detail += f" · {p.note}"
        if p.counts_rows:
            self._bars.update(self._task, total=p.rows_total, completed=p.rows_done, detail=detail)
        else:
            self._bars.update(self._task, detail=detail)
        if p.phase == "done":
            self.stop()

    def stop(self) -> None:
        """Stop the bars (idempotent)."""
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
            self._task = None

    # -- messages --------------------------------------------------------------------------
    def say(self, message: str) -> None:
        """A line for the user (not in --quiet or --json mode)."""
        if not (self.quiet or self.as_json):
            self._print(message)

    def warn(self, message: str) -> None:
        """A warning: shown unless --quiet (on stderr, so --json output stays clean)."""
        if not self.quiet:
            self.stop()
            print(f"warning: {message}", file=self._stream, flush=True)

    def notice(self, message: str) -> None:
        """A warning that shows whatever the mode (--quiet, --json): e.g. that the target is not a real account."""
        self.stop()
        print(f"warning: {message}", file=self._stream, flush=True)

    def error(self, message: str) -> None:
        """An error line; always shown."""
        self.stop()
        print(f"error: {message}", file=self._stream, flush=True)

    def summary(self, data: Mapping[str, Any], text: str) -> None:
        """The end of a run: JSON on stdout with --json, else the text (unless --quiet)."""
        self.stop()
        if self.as_json:
            print(json.dumps(data, indent=2, default=str), flush=True)
        elif not self.quiet:
            self._print(text)

    def _print(self, text: str) -> None:
        if self.terminal:  # above the bars, if they are drawn
            self.console.print(text, markup=False, emoji=False)
        else:
            print(text, file=self._stream, flush=True)


def _plain_line(p: Progress) -> str:
    total = "?" if p.rows_total is None else str(p.rows_total)
    eta = "" if p.eta_s is None else f", eta {p.eta_s:.0f}s"
    rows = f"rows {p.rows_done}/{total}, " if p.counts_rows else ""
    note = f" — {p.note}" if p.note else ""
    return (f"[{p.phase}] {rows}{p.requests} requests ({p.request_rate:.1f}/s),"
            f" {p.retries} retries, {p.rate_limited}×429, {p.elapsed_s:.0f}s{eta}{note}")
