"""Angelcam live media: tokenised HLS/MJPEG/snapshot URLs and the stream server behind them.

HLS checks its token on every request (playlist and segments); an expired token answers 301
with a fresh URL, and a token expired for longer than the grace period (or forged) answers 401,
as the stream-expiry help article describes. MJPEG checks the token when the client connects
and then streams until it leaves or ``stream_expires_at`` passes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
from typing import Final, Literal

from aiohttp import web
from yarl import URL

from simulator.angelcam_http import ApiError, parse_time, query_int
from simulator.angelcam_model import WORLD_KEY, Camera, NotFoundError, World
from simulator.media import HlsSource, jpeg_frame

LIVE_WINDOW: Final = 3  # segments in the live playlist
SEGMENT_HISTORY: Final = 30  # older live segments than this answer 404
FRAME_SIZE: Final = (640, 360)
MJPEG_BOUNDARY: Final = "angelcamframe"

type TokenState = Literal["valid", "expired", "invalid"]


@dataclass(slots=True)
class StreamTokens:
    """Issues and checks the short-lived tokens in live stream URLs."""

    world: World
    ttl: timedelta = timedelta(minutes=5)
    grace: timedelta = timedelta(hours=1)

    def _mac(self, camera_id: int, expires: int) -> str:
        message = f"{camera_id}:{expires}".encode()
        return hmac.new(self.world.secret, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, camera_id: int) -> str:
        """Return a token for ``camera_id`` valid for ``ttl`` of simulated time."""
        expires = int((self.world.now() + self.ttl).timestamp())
        return f"{expires}.{self._mac(camera_id, expires)}"

    def check(self, token: str, camera_id: int) -> TokenState:
        """Classify a token: valid, expired (refreshable with a 301) or invalid (401)."""
        raw_expires, _, mac = token.partition(".")
        try:
            expires = int(raw_expires)
        except ValueError:
            return "invalid"
        if not hmac.compare_digest(mac, self._mac(camera_id, expires)):
            return "invalid"
        left = expires - self.world.now().timestamp()
        if left > 0:
            return "valid"
        return "expired" if -left <= self.grace.total_seconds() else "invalid"


LIVE_KEY: Final = web.AppKey("angelcam_live", StreamTokens)


def origin(request: web.Request) -> URL:
    """Return ``scheme://host`` of the request (the simulator serves every host on one port)."""
    return URL.build(scheme=request.scheme, authority=request.host)


def live_urls(request: web.Request, camera: Camera) -> dict[str, object]:
    """Return the camera's ``streams`` and ``live_snapshot`` fields for this request."""
    token = request.app[LIVE_KEY].issue(camera.id)
    base = origin(request) / "stream" / str(camera.id)
    extra: dict[str, str] = {}
    for name in ("max_width", "max_height"):
        value = query_int(request, name, minimum=1)
        if value is not None:
            extra[name] = str(value)
    expires = request.query.get("stream_expires_at")
    if expires is not None:
        try:
            extra["expires_at"] = str(int(parse_time(expires).timestamp()))
        except ValueError:
            raise ApiError(400, {"stream_expires_at": ["Datetime has wrong format."]}) from None
    refresh_rate = request.query.get("refresh_rate")
    mjpeg: dict[str, object] = {"format": "mjpeg"}
    mjpeg_query = {**extra, "token": token}
    if refresh_rate is not None:
        try:
            rate = float(refresh_rate)
        except ValueError:
            raise ApiError(400, {"refresh_rate": ["A valid number is required."]}) from None
        mjpeg["refresh_rate"] = rate
        mjpeg_query["refresh_rate"] = str(rate)
    mjpeg["url"] = str((base / "stream.mjpeg").with_query(mjpeg_query))
    streams: list[dict[str, object]] = [mjpeg]
    if camera.type != "mjpeg":
        hls_query = {k: v for k, v in extra.items() if k == "expires_at"}
        hls_url = (base / "playlist.m3u8").with_query({**hls_query, "token": token})
        hls: dict[str, object] = {"format": "hls", "url": str(hls_url)}
        streams.insert(0, hls)
    snapshot_query = {k: v for k, v in extra.items() if k != "expires_at"}
    live_snapshot = None
    if camera.status == "online":
        snapshot_url = (base / "snapshot.jpg").with_query({**snapshot_query, "token": token})
        live_snapshot = str(snapshot_url)
    return {"streams": streams, "live_snapshot": live_snapshot}


def stored_snapshot_url(request: web.Request, camera_id: int, when: datetime) -> str:
    """Return the URL of the stored (CloudFront-like, unauthenticated) snapshot at ``when``."""
    return str(origin(request) / "snapshots" / str(camera_id) / f"{int(when.timestamp())}.jpg")


def _camera(request: web.Request) -> Camera:
    try:
        return request.app[WORLD_KEY].camera(int(request.match_info["camera_id"]))
    except (ValueError, NotFoundError):
        raise ApiError(404) from None


def _admit(request: web.Request) -> Camera:
    """Check the token and the camera; redirect an expired token to a fresh URL."""
    camera = _camera(request)
    tokens = request.app[LIVE_KEY]
    state = tokens.check(request.query.get("token", ""), camera.id)
    if state == "invalid":
        raise ApiError(401, "Invalid or expired stream token.")
    if state == "expired":
        fresh = request.url.update_query(token=tokens.issue(camera.id))
        raise web.HTTPMovedPermanently(location=str(fresh))
    expires = request.query.get("expires_at")
    if expires is not None and request.app[WORLD_KEY].now().timestamp() >= int(expires):
        raise ApiError(404, "The stream has expired.")
    if camera.status != "online":
        raise ApiError(502, "Camera is offline.")
    return camera


def source(world: World, camera: Camera) -> HlsSource:
    """Return the generated HLS source of a camera."""
    return HlsSource(camera.name, now=world.now)


async def playlist(request: web.Request) -> web.Response:
    """Serve the live sliding-window playlist; its segment URIs carry the same token."""
    camera = _admit(request)
    token = request.query["token"]
    text = source(request.app[WORLD_KEY], camera).playlist(
        None, count=LIVE_WINDOW, uri=lambda i: f"segment/{i}.ts?token={token}"
    )
    return web.Response(text=text, content_type="application/vnd.apple.mpegurl")


async def segment(request: web.Request) -> web.Response:
    """Serve one live MPEG-TS segment (recent ones only)."""
    camera = _admit(request)
    hls = source(request.app[WORLD_KEY], camera)
    try:
        index = int(request.match_info["index"])
    except ValueError:
        raise ApiError(404) from None
    newest = hls.index_at(request.app[WORLD_KEY].now())
    if not newest - SEGMENT_HISTORY <= index <= newest:
        raise ApiError(404, "Segment not available.")
    return web.Response(body=hls.segment(index), content_type="video/mp2t")


def _size(request: web.Request) -> tuple[int, int]:
    """Fit the 16:9 frame into ``max_width``/``max_height``."""
    width, height = FRAME_SIZE
    max_width = query_int(request, "max_width", minimum=1) or width
    max_height = query_int(request, "max_height", minimum=1) or height
    scale = min(1.0, max_width / width, max_height / height)
    return max(16, int(width * scale)), max(16, int(height * scale))


async def live_snapshot(request: web.Request) -> web.Response:
    """Serve a live JPEG drawn now."""
    camera = _admit(request)
    width, height = _size(request)
    frame = jpeg_frame(camera.name, request.app[WORLD_KEY].now(), width, height)
    return web.Response(body=frame, content_type="image/jpeg")


async def mjpeg(request: web.Request) -> web.StreamResponse:
    """Stream MJPEG until the client leaves, the camera drops or ``expires_at`` passes."""
    camera = _admit(request)
    world = request.app[WORLD_KEY]
    width, height = _size(request)
    try:
        rate = float(request.query.get("refresh_rate") or 1.0)
    except ValueError:
        raise ApiError(400, {"refresh_rate": ["A valid number is required."]}) from None
    interval = min(10.0, max(0.2, 1.0 / rate if rate > 0 else 10.0))
    expires = request.query.get("expires_at")
    response = web.StreamResponse(
        headers={"Content-Type": f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"}
    )
    await response.prepare(request)
    while camera.status == "online" and (expires is None or world.now().timestamp() < int(expires)):
        frame = jpeg_frame(camera.name, world.now(), width, height)
        head = (
            f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(frame)}\r\n\r\n"
        ).encode()
        try:
            await response.write(head + frame + b"\r\n")
        except ConnectionResetError:
            break
        await asyncio.sleep(interval)
    return response


async def stored_snapshot(request: web.Request) -> web.Response:
    """Serve a stored snapshot (no auth, like the CDN URLs in ``snapshot.url``)."""
    camera = _camera(request)
    try:
        when = datetime.fromtimestamp(int(request.match_info["epoch"]), UTC)
    except ValueError:
        raise ApiError(404) from None
    return web.Response(body=jpeg_frame(camera.name, when), content_type="image/jpeg")


def routes() -> list[web.RouteDef]:
    """Return the stream-server and snapshot-CDN routes."""
    return [
        web.get("/stream/{camera_id}/playlist.m3u8", playlist),
        web.get("/stream/{camera_id}/segment/{index}.ts", segment),
        web.get("/stream/{camera_id}/snapshot.jpg", live_snapshot),
        web.get("/stream/{camera_id}/stream.mjpeg", mjpeg),
        web.get("/snapshots/{camera_id}/{epoch}.jpg", stored_snapshot),
    ]
