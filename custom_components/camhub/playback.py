"""Open proxied playback sessions for recorded media and steer cloud playback streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from http import HTTPStatus
from operator import attrgetter
from pathlib import Path
import shutil
import tempfile
from typing import Any, Final, Literal

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes

from .data import CamHubConfigEntry
from .lib.media_ids import EventPart, need
from .offered import offered
from .providers.errors import (
    NotSupportedError,
    PermissionDeniedError,
    ProviderError,
    RequestRejectedError,
)
from .providers.features import CloudRecordings, EventLog, RecordedVideo
from .providers.interface import Connection
from .providers.model import CameraEvent, PlaybackPosition, PlaybackStream
from .proxy import (
    DATA_SESSIONS,
    JPEG_MIME,
    MP4_MIME,
    TS_MIME,
    Fetch,
    Media,
    Part,
    PlaybackProxyView,
    PlaybackSession,
    PlaybackSessions,
    add_vod,
    fetched,
    media_fetch,
    url_part,
)

SPEEDS: Final = (1, 2, 4, 8, 16)
# Recorded video (VOD) is fetched in pieces of this length (one device call each).
VOD_PIECE: Final = timedelta(minutes=1)
# An event clip whose detail names no length is listed as this long.
UNKNOWN_CLIP_SECONDS: Final = 30.0
EVENT_MEDIA: Final[dict[EventPart, Callable[[CameraEvent], str | None]]] = {
    EventPart.SNAPSHOT: attrgetter("snapshot_url"),
    EventPart.CLIP: attrgetter("clip_url"),
}


def sessions(hass: HomeAssistant) -> PlaybackSessions:
    """The session store (created with the proxy view in async_setup)."""
    return hass.data[DATA_SESSIONS]


async def async_open_recording(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    camera_id: str,
    recording_id: str,
    *,
    start: datetime,
    end: datetime | None = None,
) -> PlaybackSession:
    """A new cloud playback stream from `start`; seeking opens another one."""
    connection = entry.runtime_data.connection
    client = offered(connection.recordings, "cloud recording")
    stream = await client.async_playback_stream(recording_id, start, end)
    if stream.format != "hls":
        raise NotSupportedError(f"playback format {stream.format} is not HLS")
    session = sessions(hass).create(
        entry, camera_id, stream=stream, steer=client, start=start, recording_id=recording_id
    )
    session.add(url_part(connection, stream.url))
    return session


async def async_open_clip(
    hass: HomeAssistant, entry: CamHubConfigEntry, camera_id: str, clip_id: str
) -> PlaybackSession:
    """A cloud clip as a one-segment playlist (its download URL is fetched fresh)."""
    connection = entry.runtime_data.connection
    clip = await offered(connection.recordings, "cloud clips").async_fetch_clip(camera_id, clip_id)
    if not clip.ready or clip.download_url is None:
        raise NotSupportedError("the clip is not ready")
    part = url_part(connection, clip.download_url)
    camera = entry.runtime_data.coordinator.data.cameras.get(camera_id)
    if part.extension == ".mp4" or (camera is not None and camera.codec == "mjpeg"):
        # Angelcam cuts MJPEG cameras' clips as MP4: a file a browser plays as it is.
        part.extension = ".mp4"
        session = sessions(hass).create(entry, camera_id, start=clip.start, mime=MP4_MIME)
        session.add(part)
        return session
    # Other clips are one MPEG-TS file: browsers play that only as an HLS segment.
    session = sessions(hass).create(entry, camera_id, start=clip.start)
    add_vod(hass, session, [(part, (clip.end - clip.start).total_seconds())])
    return session


def event_media_fetch(
    connection: Connection,
    log: EventLog,
    event: CameraEvent,
    pick: Callable[[CameraEvent], str | None],
) -> Fetch:
    """Fetch an event's snapshot or clip; a refused signed URL is read again with the event.

    Signed storage URLs expire (400) or stop matching (403); one fresh read of the event
    gives a new one, so a session outlives the URL it started with.
    """
    url = need(pick(event))

    async def fetch() -> Media:
        nonlocal url
        try:
            return await media_fetch(connection, url)()
        except (RequestRejectedError, PermissionDeniedError):
            url = pick(await log.async_fetch_event(need(event.id))) or url
            return await media_fetch(connection, url)()

    return fetch


async def async_open_event_media(
    hass: HomeAssistant, entry: CamHubConfigEntry, camera_id: str, event_id: str, part: EventPart
) -> PlaybackSession:
    """An event's snapshot (one image) or clip (a one-segment playlist)."""
    connection = entry.runtime_data.connection
    log = offered(connection.events, "events")
    event = await log.async_fetch_event(event_id)
    if event.camera_id not in (None, camera_id):
        raise NotSupportedError("the event belongs to another camera")
    pick = EVENT_MEDIA[part]
    if pick(event) is None:
        raise NotSupportedError(f"the event has no {part}")
    fetch = event_media_fetch(connection, log, event, pick)
    if part is EventPart.SNAPSHOT:
        session = sessions(hass).create(entry, camera_id, start=event.occurred_at, mime=JPEG_MIME)
        session.add(fetched(fetch, ".jpg"))
    else:
        session = sessions(hass).create(entry, camera_id, start=event.occurred_at)
        seconds = event.clip_duration or UNKNOWN_CLIP_SECONDS
        add_vod(hass, session, [(fetched(fetch), seconds)])
    return session


def _vod_piece(
    hass: HomeAssistant, vod: RecordedVideo, start: datetime, end: datetime
) -> Callable[[], Awaitable[Media]]:
    async def fetch() -> Media:
        # The device's video is written to a file (it can be large); read it back once.
        directory = Path(await hass.async_add_executor_job(tempfile.mkdtemp))
        try:
            await vod.async_download_vod(start, end, directory / "piece.ts")
            body = await hass.async_add_executor_job((directory / "piece.ts").read_bytes)
        finally:
            await hass.async_add_executor_job(partial(shutil.rmtree, directory, ignore_errors=True))
        return body, TS_MIME

    return fetch


async def async_open_vod(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    camera_id: str,
    *,
    start: datetime,
    end: datetime,
) -> PlaybackSession:
    """Recorded video of [start, end) as a playlist of one-minute pieces."""
    vod = offered(entry.runtime_data.connection.vod, "recorded video")
    pieces: list[tuple[Part, float]] = []
    cursor = start
    while cursor < end:
        until = min(cursor + VOD_PIECE, end)
        fetch = _vod_piece(hass, vod, cursor, until)
        pieces.append((fetched(fetch), (until - cursor).total_seconds()))
        cursor = until
    session = sessions(hass).create(entry, camera_id, start=start)
    add_vod(hass, session, pieces)
    return session


def _stream(session: PlaybackSession) -> tuple[CloudRecordings, PlaybackStream]:
    if session.steer is None or session.stream is None:
        raise NotSupportedError("only cloud playback streams can be steered")
    return session.steer, session.stream


async def async_position(session: PlaybackSession) -> PlaybackPosition:
    """Where the playback stream is now and how fast it plays."""
    client, stream = _stream(session)
    return await client.async_playback_position(stream)


async def async_set_speed(session: PlaybackSession, speed: int) -> None:
    """Play at 1, 2, 4, 8 or 16 times real time (the vendor re-prepares the playlist)."""
    client, stream = _stream(session)
    await client.async_playback_speed(stream, speed)


async def async_control(session: PlaybackSession, action: Literal["play", "pause"]) -> None:
    """Resume or pause the playback stream."""
    client, stream = _stream(session)
    await client.async_playback_control(stream, action)


def position_data(position: PlaybackPosition) -> dict[str, Any]:
    """A position as JSON-ready data (actions and the position URL answer the same)."""
    when = position.position
    return {"position": None if when is None else when.isoformat(), "speed": position.speed}


def _json(data: object, status: int = HTTPStatus.OK) -> web.Response:
    return web.Response(body=json_bytes(data), status=status, content_type="application/json")


async def _answer(call: Awaitable[object]) -> web.Response:
    """Run a control; provider failures answer 502 or 501 with a short code."""
    try:
        result = await call
    except NotSupportedError:
        return _json({"error": "unsupported"}, HTTPStatus.NOT_IMPLEMENTED)
    except ProviderError:
        return _json({"error": "upstream_failed"}, HTTPStatus.BAD_GATEWAY)
    if isinstance(result, PlaybackPosition):
        return _json(position_data(result))
    return _json({"ok": True})


async def _get_position(_request: web.Request, session: PlaybackSession) -> web.Response:
    return await _answer(async_position(session))


async def _post_play(_request: web.Request, session: PlaybackSession) -> web.Response:
    return await _answer(async_control(session, "play"))


async def _post_pause(_request: web.Request, session: PlaybackSession) -> web.Response:
    return await _answer(async_control(session, "pause"))


async def _post_speed(request: web.Request, session: PlaybackSession) -> web.Response:
    try:
        speed = (await request.json()).get("speed")
    except (ValueError, AttributeError):
        speed = None
    if speed not in SPEEDS or isinstance(speed, bool):
        return _json({"error": "invalid_speed"}, HTTPStatus.BAD_REQUEST)
    return await _answer(async_set_speed(session, speed))


CONTROLS: Final = ("position", "play", "pause", "speed")


def async_setup_proxy(hass: HomeAssistant) -> None:
    """Create the session store and register the proxy view (once per instance)."""
    store = hass.data[DATA_SESSIONS] = PlaybackSessions(hass)
    hass.http.register_view(
        PlaybackProxyView(
            store,
            get_controls={"position": _get_position},
            post_controls={"play": _post_play, "pause": _post_pause, "speed": _post_speed},
        )
    )
