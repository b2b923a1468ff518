"""OpenCamera local device API client (token login, WebRTC, VOD, firmware upgrade)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
import re
from typing import Any, Final

import aiohttp
from aiohttp.payload import AsyncIterablePayload

from ..budget import RequestBudget
from ..decode import Node, format_datetime, parse_body, utcnow
from ..errors import AuthenticationError, NotSupportedError, RequestRejectedError
from ..http import DEFAULT_TIMEOUT, HttpCore
from ..model import (
    Account,
    Camera,
    Capability,
    DeviceInfo,
    MediaFile,
    MediaStream,
    Snapshot,
    SystemInfo,
)

API: Final = "api/v1/"
CHUNK_SIZE: Final = 64 * 1024
# Refresh the token this long before `valid_until` so no call races its expiry.
REFRESH_MARGIN: Final = timedelta(minutes=2)
UPGRADE_TIMEOUT: Final = 600.0
# The spec's example resolution uses U+00D7 (multiplication sign); accept that and `x`.
_RESOLUTION = re.compile(r"^\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*$")


def device_info_from(node: Node) -> DeviceInfo:
    """DeviceInfo -> DeviceInfo."""
    resolution = None
    text = node.opt_text("resolution")
    if text is not None:
        match = _RESOLUTION.match(text)
        if match is None:
            raise node.fail("expected WIDTHxHEIGHT", "resolution")
        resolution = (int(match.group(1)), int(match.group(2)))
    return DeviceInfo(
        uuid=node.text("uuid"),
        uptime=node.opt_integer("uptime"),
        resolution=resolution,
        fps=node.opt_integer("fps"),
        video_codec=node.opt_text("video_codec"),
        audio_codec=node.opt_text("audio_codec"),
    )


def system_info_from(node: Node) -> SystemInfo:
    """SystemInfo -> SystemInfo."""
    live = node.opt("live_session_config")
    return SystemInfo(
        firmware_version=node.opt_text("firmwareVersion"),
        sdcard_free_gb=node.opt_integer("sdcard_free"),
        sdcard_total_gb=node.opt_integer("sdcard_total"),
        ice_servers=() if live is None else live.text_list("ice_servers"),
    )


def answer_from(node: Node) -> str:
    """SDP `{type: answer, sdp}` -> the answer's SDP text."""
    if node.text("type") != "answer":
        raise node.fail("expected an answer", "type")
    return node.text("sdp")


def device_model(device: DeviceInfo) -> str:
    """The model a person reads: the API names no hardware, so the picture it gives."""
    if device.resolution is None:
        return "OpenCamera"
    width, height = device.resolution
    return f"OpenCamera {width}x{height}"


def snapshot_from(device: DeviceInfo, system: SystemInfo | None, fetched_at: datetime) -> Snapshot:
    """The device as the account's single camera."""
    # The card's recorded video and the /device report come with every device.
    capabilities = {Capability.LIVE_WEBRTC, Capability.VOD, Capability.DEVICE_INFO}
    if system is not None:
        capabilities.add(Capability.FIRMWARE)
    camera = Camera(
        id=device.uuid,
        name=f"OpenCamera {device.uuid[:8]}",
        online=True,
        status="online",
        capabilities=frozenset(capabilities),
        firmware=None if system is None else system.firmware_version,
        model=device_model(device),
        codec=device.video_codec,
    )
    return Snapshot(
        account=account_from(device),
        sites={},
        cameras={camera.id: camera},
        fetched_at=fetched_at,
        device=device,
        system=system,
    )


def _vod_path(start: datetime, end: datetime) -> str:
    return f"media/vod/{format_datetime(start)}/{format_datetime(end)}"


def account_from(device: DeviceInfo) -> Account:
    """The device is the account."""
    return Account(
        vendor="opencamera", account_id=device.uuid, name=f"OpenCamera {device.uuid[:8]}"
    )


async def file_chunks(
    path: Path, chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None
) -> AsyncIterator[bytes]:
    """Read a file chunk by chunk in a worker thread (never all of it, never in the loop).

    `progress` hears the size of each chunk once the upload asked for the next one, so
    it counts what was handed to the connection.
    """
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
            if progress is not None:
                progress(len(chunk))
    finally:
        await asyncio.to_thread(handle.close)


class OpenCameraClient:
    """One OpenCamera device; logs in with Basic `user:pass:device` and uses X-Token."""

    vendor: Final = "opencamera"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        url: str,
        username: str,
        password: str,
        device: str = "",
        budget: RequestBudget | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._username = username
        self._password = password
        self._device = device
        self._now = now
        self._token: str | None = None
        self.valid_until: datetime | None = None
        self.budget = budget or RequestBudget.unlimited(clock=lambda: now().timestamp())
        self._http = HttpCore(
            session,
            vendor="opencamera",
            base_url=url.rstrip("/") + "/" + API,
            budget=self.budget,
            secrets=lambda: (self._password, self._token),
            timeout=timeout,
            clock=lambda: now().timestamp(),
        )
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OpenCameraClient(username={self._username!r})"

    # -- token ---------------------------------------------------------------------------------

    async def async_login(self) -> None:
        """Obtain a token; the spec answers 400 for a bad username/password."""
        # Three parts, not two: the spec's basicAuth encodes `username:password:device`.
        raw = f"{self._username}:{self._password}:{self._device}".encode()
        auth = f"Basic {base64.b64encode(raw).decode()}"
        try:
            response = await self._http.request(
                "POST", "user/token/obtain", credentials={"Authorization": auth}
            )
        except RequestRejectedError as err:
            if err.status == 400:
                raise AuthenticationError(str(err)) from None
            raise
        node = response.json()
        self._token = node.text("access_token")
        self.valid_until = node.when("valid_until")

    async def _refresh(self) -> None:
        response = await self._http.request("POST", "user/token/refresh", credentials=self._auth())
        self.valid_until = response.json().when("valid_until")

    async def _ensure_token(self, *, refresh: bool = False) -> None:
        """Log in, or refresh when asked or near valid_until (a refused refresh logs in)."""
        async with self._lock:
            if self._token is None:
                await self.async_login()
                return
            if (
                not refresh
                and self.valid_until is not None
                and self.valid_until - self._now() > REFRESH_MARGIN
            ):
                return
            try:
                await self._refresh()
            except AuthenticationError:
                await self.async_login()

    def _auth(self) -> dict[str, str]:
        return {"X-Token": self._token or ""}

    async def _authorized[T](self, send: Callable[[], Awaitable[T]]) -> T:
        """Send with a valid token; one fresh login and resend if the device answers 401.

        `send` builds its request anew each time (headers, upload stream), so the
        resend carries the new token and a fresh body.
        """
        await self._ensure_token()
        try:
            return await send()
        except AuthenticationError:
            await self.async_login()
            return await send()

    async def _call(self, method: str, path: str, **kwargs: Any) -> bytes:
        """A request with a valid token, read whole."""

        async def send() -> bytes:
            response = await self._http.request(method, path, credentials=self._auth(), **kwargs)
            return response.body

        return await self._authorized(send)

    async def _json(self, method: str, path: str, **kwargs: Any) -> Node:
        return parse_body(await self._call(method, path, **kwargs), f"opencamera {method} {path}")

    async def async_logout(self) -> None:
        """End the session on the device."""
        if self._token is not None:
            await self._http.request("GET", "user/logout", credentials=self._auth())
            self._token = None
            self.valid_until = None

    # -- device ----------------------------------------------------------------------------------

    async def async_fetch_device_info(self) -> DeviceInfo:
        """Identity and media settings."""
        return device_info_from(await self._json("GET", "device"))

    async def async_fetch_system_info(self) -> SystemInfo:
        """Firmware, SD card and live-session settings."""
        return system_info_from(await self._json("GET", "system"))

    async def async_fetch_account(self) -> Account:
        """The device identity (its uuid)."""
        return account_from(await self.async_fetch_device_info())

    async def async_fetch_snapshot_state(self) -> Snapshot:
        """One refresh: device info, plus system info when the device implements it."""
        device = await self.async_fetch_device_info()
        try:
            system: SystemInfo | None = await self.async_fetch_system_info()
        except NotSupportedError:
            system = None
        return snapshot_from(device, system, self._now())

    async def async_update_live_config(self, ice_servers: Sequence[str]) -> None:
        """Set the ICE servers the device uses for live sessions."""
        await self._call("PUT", "media/live/config", json={"ice_servers": list(ice_servers)})

    async def async_webrtc_offer(self, sdp: str) -> str:
        """Send a complete (non-trickle) SDP offer; return the device's SDP answer."""
        return answer_from(
            await self._json("POST", "media/live/session", json={"type": "offer", "sdp": sdp})
        )

    async def async_fetch_media(self, url: str) -> MediaFile:
        """Download media from a URL: with our token on this device, without it elsewhere.

        The token only ever goes to the device's own origin (HttpCore's rule), never to
        a URL it names on another host. Messages name the host only, never the URL.
        """
        if not self._http.on_origin(url):
            return await self._http.fetch_media(url)

        async def send() -> MediaFile:
            return await self._http.fetch_media(url, credentials=self._auth())

        return await self._authorized(send)

    @asynccontextmanager
    async def async_open_media(self, url: str) -> AsyncIterator[MediaStream]:
        """Stream media from a URL: with our token on this device, without it elsewhere.

        The token is made valid first; a 401 is not retried here (the body may be
        half consumed), it raises AuthenticationError.
        """
        credentials = None
        if self._http.on_origin(url):
            await self._ensure_token()
            credentials = self._auth()
        async with self._http.open_media(url, credentials=credentials) as media:
            yield media

    async def async_fetch_vod(self, start: datetime, end: datetime) -> bytes:
        """Recorded video for [start, end], read whole: for a few seconds (a still), not hours."""
        return await self._call("GET", _vod_path(start, end))

    async def async_download_vod(self, start: datetime, end: datetime, destination: Path) -> int:
        """Stream recorded video for [start, end] into `destination`; returns bytes written."""
        path = _vod_path(start, end)

        async def send() -> int:
            written = 0
            async with self._http.open("GET", path, credentials=self._auth()) as response:
                handle = await asyncio.to_thread(destination.open, "wb")
                try:
                    async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                        await asyncio.to_thread(handle.write, chunk)
                        written += len(chunk)
                finally:
                    await asyncio.to_thread(handle.close)
            return written

        return await self._authorized(send)

    async def async_upgrade_firmware(
        self, image: Path, progress: Callable[[int], None] | None = None
    ) -> None:
        """Upload a firmware image as multipart `img_file`, streamed from disk.

        The token is refreshed first (one cheap call): a long upload must not outlive it,
        and an upload refused for its token would be abandoned mid-body. `progress` hears
        the bytes sent, chunk by chunk (a resent upload starts counting again).
        """
        await self._ensure_token(refresh=True)

        async def send() -> None:
            with aiohttp.MultipartWriter("form-data") as form:
                part = form.append_payload(
                    AsyncIterablePayload(file_chunks(image, progress=progress))
                )
                part.set_content_disposition("form-data", name="img_file", filename=image.name)
                await self._http.request(
                    "POST",
                    "system/upgrade",
                    data=form,
                    credentials=self._auth(),
                    request_timeout=UPGRADE_TIMEOUT,
                )

        await self._authorized(send)
