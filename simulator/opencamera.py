"""OpenCamera local-device simulator: one device per app (and port), following the Swagger file.

Layout: the scenario defines the devices; each ``OpenCameraState`` is one device served by its own
app on its own port (the integration configures host + port per device, as with real cameras).
The API lives under ``/api/v1`` (Swagger ``basePath``); the control API under ``/_sim/``.

Choices where ../shared/api/opencamera.md leaves room:

- ``POST /user/token/obtain``: Basic ``user:pass:device``; the device part may be empty, the
  device's uuid or its name (its meaning is undocumented), and plain ``user:pass`` is accepted too.
  A missing or unreadable header answers 401, wrong credentials 400 (as the spec lists).
- Tokens expire at ``valid_until`` (``token_lifetime``, default 1 h, by the injectable clock),
  written as an RFC 3339 date-time like the spec's example (its ``format: date`` contradicts it).
  Expired, unknown or logged-out tokens answer 401.
- Errors use go-swagger's ``{"code", "message"}``. Operations listed in ``unsupported`` (by
  operationId) answer 501 like opencamd; ``OPENCAMD_ONLY`` mimics opencamd (live session only).
- ``POST /media/live/session`` answers with a complete (non-trickle) aiortc answer that streams
  ``media.ClockVideoTrack`` (and silence if audio is offered). The simulator never contacts the
  configured STUN servers (no network); only host candidates are gathered.
- ``GET /media/vod/{start}/{end}`` takes ISO 8601 date-times or Unix seconds and answers
  ``video/mp2t`` (the spec says ``application/json``, which cannot carry video); at most
  ``VOD_MAX_SECONDS`` per request, nothing in the future.
- ``POST /system/upgrade``: ``img_file`` must be a firmware image made by ``firmware_image``
  (``OCFW`` magic, version line, payload); anything else (or empty) answers 400. The version then
  changes and the device "reboots" (uptime restarts).
- Not simulated: ``POST /user`` and ``PUT /user/reset`` only validate and store (one user).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import math
import secrets
from typing import Any, Final, NoReturn

import aiohttp
from aiohttp import web
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from simulator import media
from simulator.control import FaultInjector, RequestLog, discard_body, iso, make_app, utcnow

VENDOR: Final = "opencamera"
BASE: Final = "/api/v1"
TOKEN_HEADER: Final = "x-token"
FIRMWARE_MAGIC: Final = b"OCFW"
MAX_FIRMWARE_BYTES: Final = 64 * 1024 * 1024
VOD_MAX_SECONDS: Final = 120
OPERATIONS: Final = (
    "getDeviceInfo",
    "getSystemInfo",
    "upgradeSystem",
    "createUser",
    "tokenObtain",
    "tokenRefresh",
    "logoutUser",
    "resetPassword",
    "updateLiveConfig",
    "startLiveSession",
    "downloadVideos",
)
OPENCAMD_ONLY: Final = frozenset(OPERATIONS) - {"startLiveSession", "tokenObtain"}
ACCOUNT_KEY: Final = "opencamera.account"

type Json = dict[str, Any]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def firmware_image(version: str, payload: bytes = b"\0" * 1024) -> bytes:
    """Build a firmware image the simulated device accepts."""
    return FIRMWARE_MAGIC + b"\n" + version.encode() + b"\n" + payload


@contextlib.contextmanager
def loopback_ice() -> Iterator[None]:
    """Gather ICE host candidates on 127.0.0.1 only, while the block runs.

    The simulator serves loopback only, but aioice never offers 127.0.0.1 and lists the
    machine's interfaces instead (which Home Assistant's test plugin replaces with a fake
    10.10.10.10). Test peers use this too, so both ends meet on 127.0.0.1.
    """
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = _loopback_addresses
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original


def _loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def without_end_of_candidates(offer: RTCSessionDescription) -> RTCSessionDescription:
    """The offer without its ``a=end-of-candidates`` marks.

    A browser offers mDNS host candidates (``<uuid>.local``), which cannot be resolved here.
    At end-of-candidates aioice drops every ICE component that has no resolved remote
    candidate, and as the answerer it has not gathered yet: the answer would carry no
    candidate at all (``c=IN IP4 0.0.0.0``) and ICE would never start. A real device keeps
    its own candidates and learns the browser's address from its connectivity checks
    (peer-reflexive candidates); without the mark aioice does the same.
    """
    lines = offer.sdp.splitlines(keepends=True)
    kept = "".join(line for line in lines if line.strip() != "a=end-of-candidates")
    return RTCSessionDescription(sdp=kept, type=offer.type)


ERRORS: Final[dict[int, type[web.HTTPException]]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    501: web.HTTPNotImplemented,
}


def fail(status: int, message: str) -> NoReturn:
    """Raise an HTTP error with go-swagger's ``{"code", "message"}`` body."""
    body = json.dumps({"code": status, "message": message})
    raise ERRORS[status](text=body, content_type="application/json")


@dataclass(kw_only=True)
class Token:
    """An issued access token."""

    value: str
    valid_until: datetime


@dataclass(kw_only=True)
class OpenCameraState:
    """One simulated OpenCamera device."""

    name: str
    uuid: str
    username: str
    password: str
    now: Callable[[], datetime] = utcnow
    firmware_version: str = "1.0.1"
    sdcard_free: int = 12
    sdcard_total: int = 32
    ice_servers: list[str] = field(default_factory=lambda: ["stun.l.google.com:19302"])
    # The spec's example uses the multiplication sign U+00D7, not "x"; clients must split on both.
    resolution: str = "1920\u00d71080"
    fps: int = 30
    video_codec: str = "H.264"
    audio_codec: str = "G.711"
    token_lifetime: timedelta = timedelta(hours=1)
    unsupported: set[str] = field(default_factory=set)
    user: Json | None = None
    booted_at: datetime | None = None
    tokens: dict[str, Token] = field(default_factory=dict)
    upgrades: list[str] = field(default_factory=list)
    peers: set[RTCPeerConnection] = field(default_factory=set)
    _closing: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        """Boot the device now unless a boot time was given."""
        if self.booted_at is None:
            self.booted_at = self.now() - timedelta(hours=5)

    @property
    def device(self) -> str:
        """The value of the Basic auth device part this device answers to."""
        return self.uuid

    def device_info(self) -> Json:
        """The ``DeviceInfo`` document (uptime in seconds since the last boot)."""
        booted = self.booted_at or self.now()
        return {
            "uuid": self.uuid,
            "uptime": max(0, math.floor((self.now() - booted).total_seconds())),
            "resolution": self.resolution,
            "fps": self.fps,
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
        }

    def system_info(self) -> Json:
        """The ``SystemInfo`` document."""
        live = {"ice_servers": list(self.ice_servers)}
        sdcard = {"sdcard_free": self.sdcard_free, "sdcard_total": self.sdcard_total}
        return {"firmwareVersion": self.firmware_version, **sdcard, "live_session_config": live}

    def obtain(self, username: str, password: str, device: str) -> Token:
        """Issue a token for valid credentials (400 otherwise, as the spec lists)."""
        if (
            not secrets.compare_digest(username, self.username)
            or not secrets.compare_digest(password, self.password)
            or device not in {"", self.uuid, self.name}
        ):
            fail(400, "invalid username/password supplied")
        token = Token(
            value=base64.b64encode(secrets.token_bytes(24)).decode(),
            valid_until=self.now() + self.token_lifetime,
        )
        self.tokens[token.value] = token
        return token

    def check(self, value: str | None) -> Token:
        """Return a live token or raise 401."""
        token = self.tokens.get(value or "")
        if token is None or token.valid_until <= self.now():
            fail(401, "access token is missing or invalid")
        return token

    def upgrade(self, image: bytes) -> str:
        """Install a firmware image (400 when empty or not an image)."""
        magic, _, rest = image.partition(b"\n")
        version, _, payload = rest.partition(b"\n")
        if magic != FIRMWARE_MAGIC or not payload:
            fail(400, "invalid firmware image")
        try:
            text = version.decode("ascii").strip()
        except UnicodeDecodeError:
            fail(400, "invalid firmware version")
        if not text or len(text) > 32:
            fail(400, "invalid firmware version")
        self.firmware_version = text
        self.upgrades.append(text)
        self.booted_at = self.now()
        return text

    async def answer(self, offer: RTCSessionDescription) -> RTCSessionDescription:
        """Answer a complete SDP offer with a peer connection streaming generated video."""
        # No ICE servers on purpose: the simulator runs without network beyond 127.0.0.1.
        peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.peers.add(peer)

        @peer.on("connectionstatechange")
        def state_changed() -> None:
            if peer.connectionState == "failed" and peer in self.peers:
                # A peer that went away without closing: release its transports and track.
                self.peers.discard(peer)
                task = asyncio.get_running_loop().create_task(peer.close())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

        with loopback_ice():
            await peer.setRemoteDescription(without_end_of_candidates(offer))
        kinds = {t.kind for t in peer.getTransceivers()}
        if "video" in kinds:
            peer.addTrack(media.ClockVideoTrack(self.name, now=self.now))
        if "audio" in kinds:
            peer.addTrack(AudioStreamTrack())
        # aiortc gathers every candidate inside setLocalDescription: the answer is complete.
        with loopback_ice():
            await peer.setLocalDescription(await peer.createAnswer())
        local: RTCSessionDescription = peer.localDescription
        return local

    async def close(self) -> None:
        """Close every peer connection and wait for their connection attempts to end."""
        peers, self.peers = list(self.peers), set()
        await asyncio.gather(*(peer.close() for peer in peers), *self._closing)
        # aiortc runs each connection attempt in a task of its own that only notices the
        # close on its next step; wait (bounded) so no task outlives the device.
        attempts = [
            task
            for task in asyncio.all_tasks()
            if "RTCPeerConnection.__connect" in repr(task.get_coro())
        ]
        if attempts:
            await asyncio.wait(attempts, timeout=5)
        # aioice keeps one mDNS lock per thread, bound to the event loop that first resolved a
        # browser's .local candidate: a device on the next loop (the next test) would fail on
        # it. Once no peer uses mDNS any more, the next loop starts afresh.
        mdns = aioice.ice._mdns  # noqa: SLF001 - no public way to reset it
        if not getattr(mdns, "subscribers", None):
            vars(mdns).clear()

    def credentials(self) -> Json:
        """What a user types into the integration for this device."""
        return {
            "name": self.name,
            "uuid": self.uuid,
            "username": self.username,
            "password": self.password,
            "device": self.device,
        }


STATE_KEY: Final = web.AppKey("opencamera_state", OpenCameraState)


def state_of(request: web.Request) -> OpenCameraState:
    """The device behind this app."""
    return request.app[STATE_KEY]


def operation(name: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Wrap a handler: x-token auth (unless ``auth=False``), then the 501 switch."""

    def wrap(handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            state = state_of(request)
            try:
                if auth:
                    state.check(request.headers.get(TOKEN_HEADER))
                    request[ACCOUNT_KEY] = state.username
                if name in state.unsupported:
                    fail(501, f"operation {name} has not yet been implemented")
            except web.HTTPException:
                await discard_body(request)  # a refused firmware upload is still read
                raise
            return await handler(request)

        return wrapped

    return wrap


async def json_or_400(request: web.Request) -> Any:
    """Parse the JSON body or answer 400."""
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        fail(400, "body must be JSON")


@operation("tokenObtain", auth=False)
async def token_obtain(request: web.Request) -> web.Response:
    """POST /user/token/obtain with Basic ``user:pass:device``."""
    state = state_of(request)
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if scheme.lower() != "basic" or ":" not in decoded:
        fail(401, "basic authorization required")
    username, _, rest = decoded.partition(":")
    password, _, device = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    token = state.obtain(username, password, device)
    request[ACCOUNT_KEY] = username
    return web.json_response({"access_token": token.value, "valid_until": iso(token.valid_until)})


@operation("tokenRefresh")
async def token_refresh(request: web.Request) -> web.Response:
    """POST /user/token/refresh: the same token gets a later expiry."""
    state = state_of(request)
    token = state.check(request.headers.get(TOKEN_HEADER))
    token.valid_until = state.now() + state.token_lifetime
    return web.json_response({"valid_until": iso(token.valid_until)})


@operation("logoutUser")
async def logout(request: web.Request) -> web.Response:
    """GET /user/logout: the token stops working."""
    state_of(request).tokens.pop(request.headers.get(TOKEN_HEADER, ""), None)
    return web.Response()


@operation("createUser")
async def create_user(request: web.Request) -> web.Response:
    """POST /user: only one user is supported."""
    body = await json_or_400(request)
    if not isinstance(body, dict):
        fail(400, "user must be an object")
    state_of(request).user = body
    return web.Response()


@operation("resetPassword")
async def reset_password(request: web.Request) -> web.Response:
    """PUT /user/reset: the body is a bare JSON string, the new password."""
    body = await json_or_400(request)
    if not isinstance(body, str | int) or isinstance(body, bool) or not str(body):
        fail(400, "password must be a string")
    state_of(request).password = str(body)
    return web.Response()


@operation("getDeviceInfo")
async def device_info(request: web.Request) -> web.Response:
    """GET /device."""
    return web.json_response(state_of(request).device_info())


@operation("getSystemInfo")
async def system_info(request: web.Request) -> web.Response:
    """GET /system."""
    return web.json_response(state_of(request).system_info())


@operation("updateLiveConfig")
async def live_config(request: web.Request) -> web.Response:
    """PUT /media/live/config."""
    body = await json_or_400(request)
    servers = body.get("ice_servers") if isinstance(body, dict) else None
    if not isinstance(servers, list) or not all(isinstance(s, str) and s for s in servers):
        fail(400, "ice_servers must be a list of strings")
    state_of(request).ice_servers = list(servers)
    return web.Response()


@operation("startLiveSession")
async def live_session(request: web.Request) -> web.Response:
    """POST /media/live/session: SDP offer in, complete SDP answer out."""
    state = state_of(request)
    body = await json_or_400(request)
    if (
        not isinstance(body, dict)
        or body.get("type") != "offer"
        or not isinstance(body.get("sdp"), str)
        or not body["sdp"].startswith("v=0")
    ):
        fail(400, "body must be an SDP offer {type: offer, sdp}")
    try:
        answer = await state.answer(RTCSessionDescription(sdp=body["sdp"], type="offer"))
    except ValueError as exc:
        fail(400, f"unusable SDP offer: {exc}")
    token = state.check(request.headers.get(TOKEN_HEADER))
    return web.json_response(
        {"type": answer.type, "sdp": answer.sdp, "valid_until": iso(token.valid_until)}
    )


def parse_moment(value: str) -> datetime:
    """Read a VOD bound: Unix seconds or an ISO 8601 date-time (UTC when naive)."""
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        fail(400, f"invalid time {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@operation("downloadVideos")
async def vod(request: web.Request) -> web.Response:
    """GET /media/vod/{start}/{end}: the recording of that range as MPEG-TS."""
    state = state_of(request)
    start = parse_moment(request.match_info["start"])
    end = parse_moment(request.match_info["end"])
    if end <= start or end > state.now():
        fail(400, "the range must be non-empty and in the past")
    if (end - start).total_seconds() > VOD_MAX_SECONDS:
        fail(400, f"the range must not exceed {VOD_MAX_SECONDS} seconds")
    source = media.HlsSource(state.name, now=state.now)
    return web.Response(
        body=source.range(start, end, max_seconds=VOD_MAX_SECONDS), content_type="video/mp2t"
    )


@operation("upgradeSystem")
async def upgrade(request: web.Request) -> web.Response:
    """POST /system/upgrade: multipart ``img_file``, read as a stream."""
    state = state_of(request)
    if not request.content_type.startswith("multipart/"):
        fail(400, "multipart/form-data with img_file required")
    reader = await request.multipart()
    image = b""
    async for part in reader:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name != "img_file":
            continue
        chunks = bytearray()
        while chunk := await part.read_chunk():
            chunks += chunk
            if len(chunks) > MAX_FIRMWARE_BYTES:
                fail(400, "firmware image too large")
        image = bytes(chunks)
    if not image:
        fail(400, "img_file is missing or empty")
    state.upgrade(image)
    return web.Response()


def _control_routes(state: OpenCameraState) -> list[web.RouteDef]:
    async def unsupported(request: web.Request) -> web.Response:
        body = await request.json()
        names = body.get("operations") if isinstance(body, dict) else None
        if not isinstance(names, list) or not set(names) <= set(OPERATIONS):
            raise web.HTTPBadRequest(text=f"operations must be a list of {OPERATIONS}")
        state.unsupported = set(names)
        return web.json_response({"unsupported": sorted(state.unsupported)})

    async def status(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "firmware_version": state.firmware_version,
                "upgrades": state.upgrades,
                "tokens": len(state.tokens),
                "peers": len(state.peers),
                "unsupported": sorted(state.unsupported),
            }
        )

    return [web.post("/_sim/unsupported", unsupported), web.get("/_sim/status", status)]


def _account_of(request: web.Request) -> str | None:
    account: str | None = request.get(ACCOUNT_KEY)
    return account


def create_app(state: OpenCameraState, log: RequestLog, faults: FaultInjector) -> web.Application:
    """Build the app of one device; peer connections close when it shuts down."""
    routes = [
        web.get(f"{BASE}/device", device_info),
        web.get(f"{BASE}/system", system_info),
        web.post(f"{BASE}/system/upgrade", upgrade),
        web.post(f"{BASE}/user", create_user),
        web.post(f"{BASE}/user/token/obtain", token_obtain),
        web.post(f"{BASE}/user/token/refresh", token_refresh),
        web.get(f"{BASE}/user/logout", logout),
        web.put(f"{BASE}/user/reset", reset_password),
        web.put(f"{BASE}/media/live/config", live_config),
        web.post(f"{BASE}/media/live/session", live_session),
        web.get(f"{BASE}/media/vod/{{start}}/{{end}}", vod),
    ]
    app = make_app(
        VENDOR,
        log,
        faults,
        account_of=_account_of,
        routes=routes,
        control=_control_routes(state),
        clock=state.now,
    )
    app[STATE_KEY] = state

    async def close_peers(_: web.Application) -> None:
        await state.close()

    app.on_shutdown.append(close_peers)
    return app
