"""A bulkops sandbox in its own process, steered over HTTP (`/__sandbox__/...`), for the benchmarks.

    with SandboxProc(line_items=1000, max_products=40, latency_ms=50) as sb:
        sb.url, sb.set_quota(250), sb.set_latency(0), sb.reset_stats(), sb.requests()

Also `run_child`: a command in a subprocess, its wall time and its own rusage (CPU, peak RSS), read with
os.wait4 by a small launcher process so that neither the benchmark's own memory nor other children (the sandbox)
mix into the figures.
"""

from __future__ import annotations

import json
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


# Started by run_child as `python -S -c LAUNCHER RESULT_FILE CMD...`: a small process that spawns the command and
# writes its rusage. Linux carries the forking process's resident set into the child's ru_maxrss (exec keeps the
# high-water mark of the memory it replaces), so a command forked straight from this benchmark (holding a
# million-row table) would report the benchmark's memory as its own peak. Forked from this launcher (~10 MB),
# the figure is the command's.
LAUNCHER = """
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
began = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - began
with open(out, "w") as f:
    json.dump({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "max_rss_kb": ru.ru_maxrss,
               "returncode": os.waitstatus_to_exitcode(status)}, f)
"""


def run_child(cmd: list[str], cwd: str | Path | None = None) -> ChildRun:
    """Run `cmd`; wall time from spawn to exit, and the command's own CPU time and peak RSS (its rusage, read by
    a small launcher process so that neither this process's memory nor other children's mix in)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        subprocess.run([PYTHON, "-S", "-c", LAUNCHER, result.name, *cmd], stdout=out, stderr=err, cwd=cwd,
                       check=True)
        usage = json.loads(Path(result.name).read_text())
        out.seek(0)
        err.seek(0)
        return ChildRun(usage["wall_s"], usage["cpu_s"], usage["max_rss_kb"] / 1024, usage["returncode"],
                        out.read(), err.read())
