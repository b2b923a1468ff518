"""Thumbnails of media-browser items: the picture at that moment, fetched through CamHub.

A browsed item carries ``/api/camhub/thumbnail/<token>.jpg``, the token being its media-source
identifier (base64url). The view needs Home Assistant authentication (the frontend fetches
thumbnails that start with ``/`` with the user's token), asks the vendor for the image and
hands back only the bytes: vendor URLs and their tokens never reach the browser.

A cloud recording's picture is drawn at any instant (Angelcam: one metered request each),
so thumbnails are cached for good (that moment does not change) and are skipped, not
queued, when the account's request budget runs low: polling, snapshots and user actions
come first. Events with media of their own (NovaVMS) carry their own snapshot.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from http import HTTPStatus
import logging
from typing import Final

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .data import CamHubConfigEntry
from .lib.media_ids import EventPart, MediaId, Section, need, parse
from .playback import EVENT_MEDIA, event_media_fetch
from .providers.budget import RequestBudget
from .providers.errors import ProviderError
from .providers.features import CloudRecordings, EventLog
from .providers.interface import Connection
from .providers.model import CameraEvent, Capability
from .recordings import MediaLibrary, media_library

_LOGGER = logging.getLogger(__name__)

URL_PREFIX: Final = "/api/camhub/thumbnail"
# Thumbnails need this much of the minute left, so the next poll still fits (twice what
# the Angelcam poll keeps in reserve for itself).
MINUTE_KEPT: Final = 10
# And this share of the day, for snapshots, streams and actions.
DAY_KEPT_SHARE: Final = 0.25


def thumbnail_path(media_id: MediaId) -> str:
    """Where the thumbnail of a browsed item is served (it names the item, nothing secret)."""
    token = base64.urlsafe_b64encode(str(media_id).encode()).rstrip(b"=").decode()
    return f"{URL_PREFIX}/{token}.jpg"


def _media_id(token: str) -> MediaId:
    """The item a thumbnail path names (ValueError if it names none)."""
    text = token.removesuffix(".jpg")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return parse(raw.decode())
    except (binascii.Error, UnicodeDecodeError) as err:
        raise ValueError("not a thumbnail token") from err


def budget_allows(budget: RequestBudget) -> bool:
    """Whether a thumbnail may spend one request of the account's budget now."""
    minute, today, daily = budget.remaining_minute, budget.remaining_today, budget.daily_limit
    # A window the vendor does not meter leaves nothing to keep.
    return (minute is None or minute > MINUTE_KEPT) and (
        today is None or daily is None or today > daily * DAY_KEPT_SHARE
    )


async def _recording_moment(library: MediaLibrary, media_id: MediaId) -> datetime | None:
    """The instant a recorded item shows: a segment or point, a clip's or event's start."""
    camera_id = media_id.camera_id or ""
    match media_id:
        case MediaId(section=Section.RECORDING, start=int(start)):
            return dt_util.utc_from_timestamp(start if media_id.at is None else media_id.at)
        case MediaId(section=Section.CLIPS, item=str(clip_id)):
            clip = next((c for c in await library.clips(camera_id) if c.id == clip_id), None)
            return None if clip is None else clip.start
        case MediaId(section=Section.EVENTS, item=str(key)) if key.isdigit():
            return dt_util.utc_from_timestamp(int(key))
    return None


async def _recording_image(
    connection: Connection, recordings: CloudRecordings, library: MediaLibrary, media_id: MediaId
) -> bytes | None:
    at = await _recording_moment(library, media_id)
    if at is None:
        return None
    camera_id = media_id.camera_id or ""
    recording_id = media_id.item if media_id.section is Section.RECORDING else None
    if recording_id is None:
        listed = await library.recordings(camera_id)
        if not listed:
            return None
        # Clips and events are cut from the camera's continuous recording (listed first).
        recording_id = listed[0].id
    key = ("thumbnail", recording_id, int(at.timestamp()))
    if isinstance(cached := library.thumbnails.peek(key), bytes):
        return cached
    if not budget_allows(connection.budget):
        return None
    return await library.thumbnails.get(
        key, None, lambda: recordings.async_recording_snapshot(recording_id, at)
    )


async def _event_image(
    connection: Connection, log: EventLog, library: MediaLibrary, media_id: MediaId
) -> bytes | None:
    if media_id.section is not Section.EVENTS or media_id.item is None:
        return None
    events: list[CameraEvent] = await library.events(media_id.camera_id or "")
    event = next((e for e in events if e.id == media_id.item), None)
    pick = EVENT_MEDIA[EventPart.SNAPSHOT]
    if event is None or pick(event) is None:
        return None
    fetch = event_media_fetch(connection, log, event, pick)

    async def image() -> bytes:
        body, _ = await fetch()
        return body

    return await library.thumbnails.get(("thumbnail", "event", event.id), None, image)


async def async_thumbnail(
    hass: HomeAssistant, entry: CamHubConfigEntry, media_id: MediaId
) -> bytes | None:
    """The picture of a browsed item, or None when it has none (or not now)."""
    connection = entry.runtime_data.connection
    camera = entry.runtime_data.coordinator.data.cameras[need(media_id.camera_id)]
    library = media_library(hass, entry)
    if connection.recordings is not None and camera.supports(Capability.RECORDINGS):
        return await _recording_image(connection, connection.recordings, library, media_id)
    if connection.events is not None and camera.supports(Capability.EVENT_MEDIA):
        return await _event_image(connection, connection.events, library, media_id)
    return None


class ThumbnailView(HomeAssistantView):
    """GET a media item's thumbnail (authenticated); 404 when there is none."""

    url = URL_PREFIX + "/{token}"
    name = f"api:{DOMAIN}:thumbnail"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve thumbnails of the entries loaded in `hass`."""
        self.hass = hass

    async def get(self, request: web.Request, token: str) -> web.Response:
        """The JPEG of the item the token names."""
        try:
            media_id = _media_id(token)
        except ValueError:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        entry: CamHubConfigEntry | None = self.hass.config_entries.async_get_entry(
            media_id.entry_id
        )
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
            or media_id.camera_id not in entry.runtime_data.coordinator.data.cameras
        ):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        try:
            body = await async_thumbnail(self.hass, entry, media_id)
        except ProviderError as err:
            _LOGGER.debug("Thumbnail of camera %s unavailable: %s", media_id.camera_id, err)
            body = None
        if body is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=body,
            content_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=86400"},
        )


@callback
def async_setup_thumbnails(hass: HomeAssistant) -> None:
    """Register the view once."""
    hass.http.register_view(ThumbnailView(hass))
