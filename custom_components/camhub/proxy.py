"""Short-lived playback sessions and the authenticated view that proxies their media.

Vendor playback URLs carry their access in the URL (a stream id, a signed storage URL, a
device token), so they never leave Home Assistant: the player gets
``/api/camhub/playback/<session>/<n>.<ext>`` paths instead. Playlists are rewritten so every
segment is one of those paths, signed for the requesting user with ``async_sign_path`` (a
player fetching segments cannot send an Authorization header). A session ends when it has
not been used for a while or its config entry is unloaded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from http import HTTPStatus
import logging
from pathlib import PurePosixPath
import re
import secrets
from typing import Final
from urllib.parse import urljoin, urlsplit

from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .data import CamHubConfigEntry
from .providers.errors import ProviderError, RequestRejectedError
from .providers.features import CloudRecordings
from .providers.interface import Connection
from .providers.model import MediaStream, PlaybackStream

_LOGGER = logging.getLogger(__name__)

URL_PREFIX: Final = "/api/camhub/playback"
# Home Assistant's frontend hands a player HLS only for exactly this type (any other
# spelling, even the registered application/vnd.apple.mpegurl, is "not supported").
HLS_MIME: Final = "application/x-mpegURL"
TS_MIME: Final = "video/mp2t"
MP4_MIME: Final = "video/mp4"
JPEG_MIME: Final = "image/jpeg"
# A session nobody fetched from for this long is over (the vendor drops idle streams too).
SESSION_IDLE: Final = timedelta(minutes=10)
# How long a signed path inside a playlist works: long enough to watch the playlist through.
SIGNED_FOR: Final = timedelta(hours=2)
MAX_SESSIONS: Final = 32
_URI_ATTRIBUTE: Final = re.compile(r'URI="([^"]+)"')
_PART_NAME: Final = re.compile(r"^(\d+)(\.[a-z0-9]{1,5})?$")
_PLAYLIST_TYPES: Final = frozenset(
    {"application/x-mpegurl", "application/vnd.apple.mpegurl", "audio/mpegurl"}
)

type Media = tuple[bytes, str]
type Fetch = Callable[[], Awaitable[Media]]
type Opener = Callable[[], AbstractAsyncContextManager[MediaStream]]

DATA_SESSIONS: HassKey[PlaybackSessions] = HassKey(f"{DOMAIN}_playback_sessions")


@dataclass(slots=True)
class Part:
    """One thing a session serves, opened as a stream; `url` when it is a vendor URL.

    Vendor media is passed through chunk by chunk: clip and footage downloads can be
    hours long.
    """

    open: Opener
    url: str | None = field(default=None, repr=False)
    extension: str = ".ts"


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def fetched(fetch: Fetch, extension: str = ".ts") -> Part:
    """A part whose body is produced whole (a local playlist, a VOD piece, event media)."""

    @asynccontextmanager
    async def open_whole() -> AsyncIterator[MediaStream]:
        body, content_type = await fetch()
        yield MediaStream(content_type=content_type, size=len(body), chunks=_once(body))

    return Part(open=open_whole, extension=extension)


@dataclass(slots=True, kw_only=True)
class PlaybackSession:
    """Media of one camera that a player may fetch through the proxy."""

    id: str
    entry_id: str
    connection: Connection = field(repr=False)
    camera_id: str
    last_used: datetime
    parts: list[Part] = field(default_factory=list)
    stream: PlaybackStream | None = None
    # Who steers `stream` (position, play/pause, speed): set when a recording stream opens.
    steer: CloudRecordings | None = field(default=None, repr=False)
    start: datetime | None = None
    recording_id: str | None = None
    # What part 0 is, as the player is told (HLS unless a single file or image is served).
    mime: str = HLS_MIME
    _by_url: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, part: Part) -> int:
        """Serve `part` (once per upstream URL, so re-read playlists do not grow the session)."""
        if part.url is not None and (known := self._by_url.get(part.url)) is not None:
            return known
        self.parts.append(part)
        if part.url is not None:
            self._by_url[part.url] = len(self.parts) - 1
        return len(self.parts) - 1

    def path(self, index: int = 0) -> str:
        """The unsigned proxy path of a part (part 0 is what a player opens)."""
        return f"{URL_PREFIX}/{self.id}/{index}{self.parts[index].extension}"

    def control_path(self, control: str) -> str:
        """The unsigned proxy path of a control (position, play, pause, speed)."""
        return f"{URL_PREFIX}/{self.id}/{control}"


def signed(hass: HomeAssistant, path: str) -> str:
    """`path` signed for the current user (or Home Assistant's content user)."""
    return async_sign_path(hass, path, SIGNED_FOR)


def media_fetch(connection: Connection, url: str) -> Fetch:
    """Fetch a vendor media URL through the entry's connection (errors mapped, URL never logged)."""

    async def fetch() -> Media:
        media = await connection.async_fetch_media(url)
        return media.content, media.content_type

    return fetch


def url_part(connection: Connection, url: str) -> Part:
    """A part served from a vendor URL (its extension kept for players that look at it)."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return Part(
        open=partial(connection.async_open_media, url),
        url=url,
        extension=suffix if suffix else ".ts",
    )


def vod_playlist(uris: list[str], durations: list[float]) -> str:
    """A complete (VOD) HLS playlist of the given segments."""
    target = max((int(d) + 1 for d in durations), default=1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for uri, duration in zip(uris, durations, strict=True):
        lines += [f"#EXTINF:{duration:.3f},", uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def add_vod(
    hass: HomeAssistant, session: PlaybackSession, segments: list[tuple[Part, float]]
) -> None:
    """Make the session a VOD playlist (part 0) of `segments` (part, seconds), in order."""

    async def playlist() -> Media:
        uris = [signed(hass, session.path(index + 1)) for index in range(len(segments))]
        text = vod_playlist(uris, [seconds for _, seconds in segments])
        return text.encode(), HLS_MIME

    session.add(fetched(playlist, ".m3u8"))
    for part, _ in segments:
        session.add(part)


def upstream_status(err: ProviderError) -> HTTPStatus:
    """What a player gets for failed vendor media: 404 when it is gone, else 502."""
    if isinstance(err, RequestRejectedError) and err.status in (
        HTTPStatus.NOT_FOUND,
        HTTPStatus.GONE,
    ):
        # The stream ended or the link expired: nothing more to fetch there.
        return HTTPStatus.NOT_FOUND
    return HTTPStatus.BAD_GATEWAY


def is_playlist(content_type: str, extension: str) -> bool:
    """Whether a served body is an HLS playlist (whose URIs must be rewritten)."""
    return content_type.lower() in _PLAYLIST_TYPES or extension == ".m3u8"


class PlaybackSessions:
    """The open sessions of this Home Assistant instance."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with none."""
        self.hass = hass
        self._sessions: dict[str, PlaybackSession] = {}

    @callback
    def create(
        self,
        entry: CamHubConfigEntry,
        camera_id: str,
        *,
        stream: PlaybackStream | None = None,
        steer: CloudRecordings | None = None,
        start: datetime | None = None,
        recording_id: str | None = None,
        mime: str = HLS_MIME,
    ) -> PlaybackSession:
        """A new session of a loaded entry's camera (the oldest go beyond the limit)."""
        self._purge()
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]
        session = PlaybackSession(
            id=secrets.token_urlsafe(24),
            entry_id=entry.entry_id,
            connection=entry.runtime_data.connection,
            camera_id=camera_id,
            last_used=dt_util.utcnow(),
            stream=stream,
            steer=steer,
            start=start,
            recording_id=recording_id,
            mime=mime,
        )
        self._sessions[session.id] = session
        return session

    @callback
    def get(self, session_id: str) -> PlaybackSession | None:
        """A live session (touched), or None if unknown, idle too long or its entry is gone."""
        self._purge()
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_used = dt_util.utcnow()
        return session

    def _alive(self, session: PlaybackSession, now: datetime) -> bool:
        entry: CamHubConfigEntry | None = self.hass.config_entries.async_get_entry(session.entry_id)
        return (
            now - session.last_used <= SESSION_IDLE
            and entry is not None
            and entry.state is ConfigEntryState.LOADED
            # A reloaded entry has a new connection: streams of the old one are gone.
            and entry.runtime_data.connection is session.connection
        )

    def _purge(self) -> None:
        now = dt_util.utcnow()
        for session_id in [s.id for s in self._sessions.values() if not self._alive(s, now)]:
            del self._sessions[session_id]

    def __len__(self) -> int:
        """How many sessions are open."""
        return len(self._sessions)


def rewrite_playlist(hass: HomeAssistant, session: PlaybackSession, base: str, text: str) -> str:
    """Point every URI of a vendor playlist at the proxy (signed for the current user)."""

    def proxied(uri: str) -> str:
        index = session.add(url_part(session.connection, urljoin(base, uri)))
        return signed(hass, session.path(index))

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append(proxied(stripped))
        elif stripped.startswith("#") and "URI=" in stripped:
            lines.append(_URI_ATTRIBUTE.sub(lambda match: f'URI="{proxied(match[1])}"', line))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _log_failure(session: PlaybackSession, err: ProviderError) -> None:
    # The provider's messages carry no secrets; the URL is not part of them.
    _LOGGER.debug("Playback media of camera %s failed: %s", session.camera_id, err)


def _failed(session: PlaybackSession, err: ProviderError) -> web.Response:
    """Answer a player whose vendor media failed (404 when gone, else 502)."""
    _log_failure(session, err)
    return web.Response(status=upstream_status(err))


type Control = Callable[[web.Request, PlaybackSession], Awaitable[web.Response]]


class PlaybackProxyView(HomeAssistantView):
    """Serves session parts and controls; needs a logged-in user or a signed path."""

    url = URL_PREFIX + "/{session_id}/{name}"
    name = "api:camhub:playback"
    requires_auth = True

    def __init__(
        self,
        sessions: PlaybackSessions,
        get_controls: dict[str, Control],
        post_controls: dict[str, Control],
    ) -> None:
        """Serve `sessions`; controls are looked up by name (GET position, POST play...)."""
        self._sessions = sessions
        self._get_controls = get_controls
        self._post_controls = post_controls

    def _session(self, session_id: str) -> PlaybackSession:
        session = self._sessions.get(session_id)
        if session is None:
            raise web.HTTPNotFound
        return session

    async def get(self, request: web.Request, session_id: str, name: str) -> web.StreamResponse:
        """A part of the session (playlists rewritten), or the position control."""
        session = self._session(session_id)
        if (control := self._get_controls.get(name)) is not None:
            return await control(request, session)
        match = _PART_NAME.match(name)
        if match is None or int(match[1]) >= len(session.parts):
            raise web.HTTPNotFound
        part = session.parts[int(match[1])]
        return await self._stream(request, session, part)

    def _playlist(self, session: PlaybackSession, part: Part, body: bytes) -> web.Response:
        text = body.decode("utf-8", "replace")
        if part.url is not None:
            text = rewrite_playlist(self._sessions.hass, session, part.url, text)
        return web.Response(text=text, content_type=HLS_MIME, headers={"Cache-Control": "no-store"})

    async def _stream(
        self, request: web.Request, session: PlaybackSession, part: Part
    ) -> web.StreamResponse:
        """Pass media through chunk by chunk (playlists are read whole and rewritten)."""
        response: web.StreamResponse | None = None
        try:
            async with part.open() as media:
                if is_playlist(media.content_type, part.extension):
                    body = b"".join([chunk async for chunk in media.chunks])
                    return self._playlist(session, part, body)
                response = web.StreamResponse(headers={"Content-Type": media.content_type})
                response.content_length = media.size
                await response.prepare(request)
                async for chunk in media.chunks:
                    await response.write(chunk)
        except ProviderError as err:
            if response is None:
                return _failed(session, err)
            # The headers are out: cut the connection so the player sees a short body.
            _log_failure(session, err)
            response.force_close()
            return response
        await response.write_eof()
        return response

    async def post(self, request: web.Request, session_id: str, name: str) -> web.Response:
        """A control of the session: play, pause or speed."""
        session = self._session(session_id)
        if (control := self._post_controls.get(name)) is None:
            raise web.HTTPNotFound
        return await control(request, session)
