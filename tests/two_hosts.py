"""A second origin for credential tests: a real listener on 127.0.0.2 that records headers.

The APIs under test run on 127.0.0.1; a URL a server names on 127.0.0.2 is another origin
(another host), so whatever reaches this listener must carry no credential of ours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web
import pytest_socket

HOST: Final = "127.0.0.2"
JPEG: Final = b"\xff\xd8\xff\xe0elsewhere"
# Everything that grants access in any of the three vendors' requests.
CREDENTIAL_HEADERS: Final = ("authorization", "x-token", "x-space-id", "cookie", "x-api-key")


def allow_second_host() -> None:
    """Let this test's sockets reach 127.0.0.2 too (Home Assistant's plugin allows only .1)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", HOST])


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the second origin received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def credentials(self) -> dict[str, str]:
        """The credential headers it carried (should always be empty)."""
        return {k: v for k, v in self.headers.items() if k.lower() in CREDENTIAL_HEADERS}


@dataclass(slots=True)
class Elsewhere:
    """The running second origin and what it saw."""

    origin: str = ""
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str) -> str:
        """An absolute URL on this origin."""
        return self.origin + path

    @property
    def credentials(self) -> list[dict[str, str]]:
        """Every credential header any request carried here (the tests want [])."""
        return [seen.credentials for seen in self.seen if seen.credentials]


async def _answer(request: web.Request) -> web.StreamResponse:
    elsewhere: Elsewhere = request.app[ELSEWHERE_KEY]
    elsewhere.seen.append(
        Seen(request.method, request.path, request.query_string, dict(request.headers))
    )
    if request.path.startswith("/recording/streams/"):
        if request.method == "GET":
            return web.json_response({"current_position": "2026-04-21T11:00:00Z", "speed": 1})
        return web.Response(status=204)
    if request.path.startswith("/v1/"):
        # A page that parses: a client that wrongly followed a link would not notice.
        return web.json_response({"count": 0, "next": None, "previous": None, "results": []})
    return web.Response(body=JPEG, content_type="image/jpeg")


ELSEWHERE_KEY: Final = web.AppKey("elsewhere", Elsewhere)


@asynccontextmanager
async def serve_app(app: web.Application, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `app` on `host` (any free port) until the block ends; yields its origin."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, 0).start()
        yield f"http://{host}:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_elsewhere() -> AsyncIterator[Elsewhere]:
    """Run the second origin on 127.0.0.2 (any free port) until the block ends."""
    allow_second_host()
    elsewhere = Elsewhere()
    app = web.Application()
    app[ELSEWHERE_KEY] = elsewhere
    app.router.add_route("*", "/{tail:.*}", _answer)
    async with serve_app(app, HOST) as origin:
        elsewhere.origin = origin
        yield elsewhere
