"""FakeCam's own simulator: one account, one camera, its JPEG, one webhook; it counts requests.

Tests drive it: `set_online` changes a camera without telling anyone, `push` delivers a
body signed with the webhook's secret to the URL Home Assistant registered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
import hashlib
import hmac
from io import BytesIO
import socket
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import ClientSession, web
from PIL import Image

API_KEY: Final = "fake-key"
WEBHOOK_ID: Final = "w1"
SECRET: Final = "s3cret"
SIGNATURE_HEADER: Final = "X-Fake-Signature"


def signature(secret: str, body: bytes) -> str:
    """hex(HMAC-SHA256(secret, body)), as FakeCam signs its deliveries."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _tiny_jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


JPEG: Final = _tiny_jpeg()

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeCamSimulator:
    """The FakeCam API on a free 127.0.0.1 port (inside `async with`)."""

    def __init__(self) -> None:
        """Camera c1 ("Bench") online, no webhook yet."""
        self.cameras: dict[str, dict[str, Any]] = {
            "c1": {"id": "c1", "name": "Bench", "online": True}
        }
        # "GET /cameras" -> how many such requests arrived (refused ones too).
        self.requests: Counter[str] = Counter()
        self.webhook_url: str | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._count_and_check_key])
        app.router.add_get("/account", self._account)
        app.router.add_get("/cameras", self._list_cameras)
        app.router.add_get("/cameras/{camera_id}/image", self._image)
        app.router.add_post("/webhooks", self._create_webhook)
        app.router.add_delete("/webhooks/{webhook_id}", self._delete_webhook)
        return app

    @web.middleware
    async def _count_and_check_key(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests[f"{request.method} {request.path}"] += 1
        if request.headers.get("X-Api-Key") != API_KEY:
            return web.json_response({"error": "bad key"}, status=401)
        return await handler(request)

    async def _account(self, _request: web.Request) -> web.Response:
        return web.json_response({"id": "fc1", "name": "Lab"})

    async def _list_cameras(self, _request: web.Request) -> web.Response:
        return web.json_response(list(self.cameras.values()))

    async def _image(self, request: web.Request) -> web.Response:
        if request.match_info["camera_id"] not in self.cameras:
            return web.json_response({"error": "no such camera"}, status=404)
        return web.Response(body=JPEG, content_type="image/jpeg")

    async def _create_webhook(self, request: web.Request) -> web.Response:
        self.webhook_url = str((await request.json())["url"])
        return web.json_response({"id": WEBHOOK_ID, "secret": SECRET}, status=201)

    async def _delete_webhook(self, request: web.Request) -> web.Response:
        if request.match_info["webhook_id"] != WEBHOOK_ID or self.webhook_url is None:
            return web.json_response({"error": "no such webhook"}, status=404)
        self.webhook_url = None
        return web.Response(status=204)

    @property
    def has_webhook(self) -> bool:
        """Whether a webhook is registered."""
        return self.webhook_url is not None

    # -- control ---------------------------------------------------------------------------

    def set_online(self, camera_id: str, *, online: bool) -> None:
        """The camera goes online or offline; only a poll or a push tells Home Assistant."""
        self.cameras[camera_id]["online"] = online

    async def push(self, body: bytes, *, secret: str = SECRET) -> int:
        """POST a signed body to the registered webhook; the HTTP status it got."""
        assert self.webhook_url is not None, "no webhook registered"
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body)}
        async with (
            ClientSession() as session,
            session.post(self.webhook_url, data=body, headers=headers) as response,
        ):
            return response.status

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
