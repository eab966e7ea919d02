"""A gateway whose error texts echo the request: no secret bulkops sent (client secret, token) comes back out of it
in a message, a report or the journal."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import aiohttp
import pytest
from aiohttp import web

import bulkops
from bulkops.engine.auth import scrub
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import write_csv

SECRET = "sandbox-secret"


async def _gateway(sandbox: Sandbox, echo: str) -> tuple[web.AppRunner, str]:
    """A loopback proxy before the sandbox that answers `echo` ("token": the token call, "write": product writes)
    with an error whose text repeats what it was sent."""
    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if echo == "token" and request.path.endswith("/token"):
            return web.json_response({"error": "invalid_client",
                                      "error_description": f"bad client; request was {body.decode()}"}, status=401)
        if echo == "write" and request.method == "POST" and "/products/" in request.path:
            said = f"Authorization={request.headers.get('Authorization')}"
            return web.json_response({"errors": [{"type": "validation", "code": "echo", "title": said,
                                                  "detail": said}], "warnings": []}, status=400)
        async with aiohttp.ClientSession() as session, session.request(
                request.method, sandbox.base_url + request.path_qs, data=body,
                headers={k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")},
        ) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_a_token_endpoint_echoing_the_form_never_shows_the_client_secret(sandbox: Sandbox,
                                                                               tmp_path: Path) -> None:
    runner, url = await _gateway(sandbox, "token")
    try:
        path = write_csv(tmp_path / "p.csv", ["lineItemId", "productId"], [["1", "a"]])
        with pytest.raises(bulkops.PreflightError) as caught:
            await bulkops.run("pause", path, connection=bulkops.connect(url, sandbox.client_id, SECRET),
                              options=bulkops.RunSettings(tmp_path / "run"))
        assert "refused the credentials" in str(caught.value) and SECRET not in str(caught.value)
    finally:
        await runner.cleanup()


async def test_an_error_echoing_the_authorization_header_never_reaches_a_report(sandbox: Sandbox,
                                                                                tmp_path: Path) -> None:
    runner, url = await _gateway(sandbox, "write")
    try:
        li = next(li for li in sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])
                  if any(p["status"] == "active" for p in sandbox.control.retail_media.products(li).values()))
        sku = next(s for s, p in sandbox.control.retail_media.products(li).items() if p["status"] == "active")
        path = write_csv(tmp_path / "p.csv", ["lineItemId", "productId"], [[li, sku]])
        result = await bulkops.run("pause", path, connection=bulkops.connect(url, sandbox.client_id, SECRET),
                                   options=bulkops.RunSettings(tmp_path / "run"))
        assert result.outcomes["failed"] == 1
        written = b"".join(f.read_bytes() for f in (tmp_path / "run").iterdir() if f.is_file())
        assert b"Authorization=Bearer ***" in written  # the echo is there, the token is not
        assert not re.search(rb"Bearer (?!\*\*\*)", written)
    finally:
        await runner.cleanup()
        await asyncio.sleep(0)


@pytest.mark.parametrize("secret", ["ab/cd+ef==", 'pa"ss\\word', "sécret-ü", "plain-secret"])
def test_a_secret_is_scrubbed_in_every_form_an_echo_takes(secret: str) -> None:
    """As sent, JSON-escaped (a PHP encoder's \\/ too, \\uXXXX too), form- or percent-encoded in either case."""
    json_forms = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms = {secret, *json_forms, *(f.replace("/", "\\/") for f in json_forms), quote_plus(secret), quote(secret),
             quote(secret, safe=""), quote(secret).lower()}
    for form in forms:
        said = scrub(f'{{"detail": "request was key={form}&x=1"}}'.encode(), [secret])
        assert said == b'{"detail": "request was key=***&x=1"}', form
