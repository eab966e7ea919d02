"""The Python API without ``await``: each coroutine function of `bulkops` as a blocking call of the same name,
signature and result, for scripts and for notebooks alike::

    import bulkops

    conn = bulkops.connect("https://api.criteo.com", "my-client-id", "my-secret")
    result = bulkops.sync.apply_bids("bids.csv", connection=conn, run_dir="runs/bids-monday")
    bulkops.sync.resume("runs/bids-monday", connection=conn)   # if it was stopped: Ctrl-C, ApiUnreachable

- **No event loop running** (a script, a plain thread): the call is ``asyncio.run(...)``. Ctrl-C cancels the
  run, which writes its journal and its reports so far, then raises KeyboardInterrupt; `resume` finishes it.
- **Inside a running loop** (a Jupyter cell, an async framework), where ``asyncio.run`` cannot be called: the
  call runs in a worker thread with a loop of its own while the caller waits. An interrupt (the notebook's
  stop button) cancels the run the same way, waits for it to write its journal, then raises
  KeyboardInterrupt. The caller's loop is blocked meanwhile, so a sandbox served by that same loop cannot
  answer: in a notebook, ``await bulkops.apply_bids(...)`` is the better call.

`call` runs any other coroutine function the same way: ``bulkops.sync.call(bulkops.api.export, "mpo", ...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

import bulkops

P = ParamSpec("P")
R = TypeVar("R")
JOIN_STEP_S = 0.2  # how often a waiting caller wakes (an interrupt is seen within this, on every OS)


def call(function: Callable[P, Coroutine[Any, Any, R]], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``await function(*args, **kwargs)`` from synchronous code, with or without a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(function(*args, **kwargs))
    return _in_worker(functools.partial(function, *args, **kwargs))


def blocking(function: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, R]:
    """The blocking twin of a coroutine function: same name, signature and docstring (see `call`)."""
    @functools.wraps(function)
    def blocked(*args: P.args, **kwargs: P.kwargs) -> R:
        return call(function, *args, **kwargs)

    blocked.__doc__ = f"{function.__doc__ or ''}\n\nBlocking: `bulkops.sync.call` of the coroutine function."
    return blocked


class _Worker:
    """One coroutine on its own loop in a thread, cancellable from the thread that waits for it."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        self.make = make
        self.lock = threading.Lock()
        self.stop = False
        self.task: asyncio.Task[Any] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.outcome: tuple[bool, Any] | None = None  # (ok, result or exception)
        self.finished = threading.Event()

    async def main(self) -> Any:
        with self.lock:
            self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
            if self.stop and self.task is not None:
                self.task.cancel()  # interrupted before it began: raises at its first await
        return await self.make()

    def work(self) -> None:
        try:
            self.outcome = (True, asyncio.run(self.main()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which raises it
            self.outcome = (False, exc)
        finally:
            self.finished.set()

    def wait(self) -> None:
        """Until the coroutine has ended; an interrupt meanwhile is raised here, the worker left running.

        Not `Thread.join`: an interrupted join can take a running thread for stopped (CPython 3.11, bpo-45274's
        fix), and a second join would then return while the run is still writing its journal.
        """
        while not self.finished.wait(JOIN_STEP_S):
            pass

    def cancel(self) -> None:
        with self.lock:
            self.stop = True
            if self.loop is not None and self.task is not None:
                with contextlib.suppress(RuntimeError):  # the loop already closed: the run is over anyway
                    self.loop.call_soon_threadsafe(self.task.cancel)


def _in_worker(make: Callable[[], Coroutine[Any, Any, R]]) -> R:
    worker = _Worker(make)
    thread = threading.Thread(target=contextvars.copy_context().run, args=(worker.work,), name="bulkops.sync",
                              daemon=True)
    thread.start()
    with _interruptible():
        try:
            worker.wait()
        except KeyboardInterrupt:
            worker.cancel()
            worker.wait()  # the run writes its journal and reports; a second interrupt leaves it to finish alone
            raise
    assert worker.outcome is not None
    ok, value = worker.outcome
    if not ok:
        raise value
    return value


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt while the caller waits, even inside ``asyncio.run``: its own handler would
    only cancel its main task, which cannot run while that task waits here (it is this very call)."""
    handler = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    method = getattr(handler, "func", handler)  # asyncio.run's: a partial of its Runner's method
    if not isinstance(getattr(method, "__self__", None), asyncio.Runner):
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


# the core (`bulkops.run`, `bulkops.resume`) and each platform's functions: the coroutine functions `bulkops`
# names, made blocking when first asked for (this module names no platform)
__all__ = [  # noqa: F822 - the twins are made by __getattr__ when first asked for
    "apply_bids", "apply_seller_bids", "blocking", "call", "export", "export_mpo", "export_trackier", "resume", "run",
    "set_product_status", "set_trackier_status", "update_budgets", "update_line_items"]
TWINS = tuple(n for n in __all__ if n not in ("blocking", "call"))


def __getattr__(name: str) -> Any:
    if name not in TWINS:
        raise AttributeError(f"module 'bulkops.sync' has no attribute {name!r}")
    twin = globals()[name] = blocking(getattr(bulkops, name))
    return twin


def __dir__() -> list[str]:
    return sorted({*globals(), *TWINS})

