"""`bulkops sandbox serve` as a person runs it: prints where it listens, serves, stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import aiohttp


async def test_serve_prints_url_and_credentials_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bulkops", "sandbox", "serve", "--port", "0", "--line-items", "5",
                             "--client-secret", "s3"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first).group(1)  # type: ignore[union-attr]
        lines = [proc.stdout.readline() for _ in range(6)]  # type: ignore[union-attr]
        assert any("client secret: s3" in line for line in lines)
        async with aiohttp.ClientSession() as s:
            form = {"client_id": "bulkops-sandbox", "client_secret": "s3", "grant_type": "client_credentials"}
            async with s.post(f"{url}/oauth2/token", data=form) as r:
                assert r.status == 200
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "sandbox stopped" in rest
