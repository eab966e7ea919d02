"""A bulkops sandbox in its own process, steered over HTTP (`/__sandbox__/...`), for the benchmarks.

    with SandboxProc(line_items=1000, max_products=40, latency_ms=50) as sb:
        sb.url, sb.set_quota(250), sb.set_latency(0), sb.reset_stats(), sb.requests()

Also `run_child`: a command in a subprocess, its wall time and its own rusage (CPU, peak RSS), read with
os.wait4 so that other children (the sandbox) never mix into the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PYTHON = sys.executable
CLIENT_ID = "bulkops-sandbox"
CLIENT_SECRET = "sandbox-secret"


class SandboxProc:
    """`python -m bulkops sandbox serve ...` started on a free port; stopped (SIGTERM to its pid) on exit."""

    def __init__(self, *, accounts: int = 1, line_items: int = 1000, max_products: int = 40, quota: int = 0,  # noqa: PLR0913 - the serve flags
                 latency_ms: float = 50.0, seed: int = 3) -> None:
        self.settings = {"accounts": accounts, "line_items": line_items, "max_products": max_products,
                         "quota": quota, "latency_ms": latency_ms, "seed": seed}
        self.url = ""
        self.started_in_s = 0.0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> SandboxProc:
        s = self.settings
        cmd = [PYTHON, "-m", "bulkops", "sandbox", "serve", "--port", "0", "--accounts", str(s["accounts"]),
               "--line-items", str(s["line_items"]), "--max-products", str(s["max_products"]),
               "--quota", str(s["quota"]), "--latency-ms", str(s["latency_ms"]), "--seed", str(s["seed"])]
        began = time.perf_counter()
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                      bufsize=1)
        assert self._proc.stdout is not None
        first = self._proc.stdout.readline()
        if "listening on " not in first:
            self._proc.kill()
            self._proc.wait()
            raise RuntimeError(f"sandbox did not start: {first!r}")
        self.url = first.split("listening on ", 1)[1].split()[0]
        self.started_in_s = time.perf_counter() - began
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    # --- control plane -------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def set_quota(self, per_min: int) -> None:
        self._call("POST", "/__sandbox__/quota", {"quota": per_min})

    def set_latency(self, ms: float) -> None:
        self._call("POST", "/__sandbox__/faults", {"latency_ms": ms})

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/__sandbox__/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/__sandbox__/stats/reset", {})

    def requests(self) -> tuple[int, int, int]:
        """(API requests, token requests, 429s) seen since the last reset."""
        stats = self.stats()
        routes = stats.get("routes", {})
        token = sum(n for r, n in routes.items() if "oauth2" in r)
        api = sum(n for r, n in routes.items() if "oauth2" not in r and "__sandbox__" not in r)
        return api, token, int(stats.get("rate_limited", stats.get("429", 0)) or 0)


@dataclass
class ChildRun:
    wall_s: float
    cpu_s: float  # user + sys of that child alone
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """The last JSON object the command printed on stdout (bulkops' `--json` summary)."""
        text = self.stdout.strip()
        start = text.find("{")
        return json.loads(text[start:]) if start >= 0 else {}


def run_child(cmd: list[str], cwd: str | Path | None = None) -> ChildRun:
    """Run `cmd`; wall time from spawn to exit, and the child's own rusage (os.wait4: its RUSAGE_CHILDREN)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                        out.read(), err.read())
