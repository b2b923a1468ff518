"""Event pictures: captured when a push or poll reports them, kept on disk, shown and served.

A push that reports an incident or an event with a picture starts a capture at once (so the
picture shows the event, not whatever the camera sees when someone looks); a poll's incidents
and events that were not pictured yet (by key) are captured the same way. Captured pictures
are files under ``.storage/camhub_pictures/<entry>/``, indexed in a Home Assistant Store, so
they survive a restart:

- each camera's latest picture is its "Last event" image entity;
- an incident's picture is served at ``/api/camhub/incident/<entry>/<picture>.jpg`` for the
  ``camhub_incident`` event's ``image_url``. The URL carries a signature of its own that is
  valid for 24 hours, across restarts (Home Assistant's signed paths are not: their secret
  lives in memory); an authenticated request (the companion apps send one) needs none.

An incident's picture is kept for 48 hours; other pictures only while they are the camera's
latest. Deleting the entry deletes its pictures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import hashlib
import hmac
from http import HTTPStatus
import logging
from pathlib import Path
import secrets
import shutil
from typing import Any, Final

from aiohttp import web
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.http import KEY_AUTHENTICATED, HomeAssistantView
from homeassistant.helpers.storage import STORAGE_DIR, Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .data import CamHubConfigEntry
from .providers.errors import ProviderError
from .providers.model import EventPicture

_LOGGER = logging.getLogger(__name__)

URL_PREFIX: Final = "/api/camhub/incident"
STORAGE_KEY: Final = f"{DOMAIN}.pictures"
STORAGE_VERSION: Final = 1
# How long an incident picture's URL works without Home Assistant authentication.
SIGNED_FOR: Final = timedelta(hours=24)
# How long an incident's picture is kept (a camera's latest picture is kept regardless).
KEPT_FOR: Final = timedelta(hours=48)
# Seconds the index may wait before it is written (events come in bursts).
SAVE_DELAY: Final = 10
QUERY_EXPIRES: Final = "expires"
QUERY_SIGNATURE: Final = "signature"

DATA_PICTURES: HassKey[Pictures] = HassKey(f"{DOMAIN}_pictures")


def picture_signal(entry_id: str, camera_id: str) -> str:
    """Dispatcher signal: the camera has a new latest picture."""
    return f"{DOMAIN}_{entry_id}_picture_{camera_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPicture:
    """A captured picture's index entry."""

    id: str
    camera_id: str
    taken_at: datetime
    # An incident's picture: its URL was handed out, so it is kept KEPT_FOR.
    incident: bool
    # What it pictures (EventPicture.key): a second picture of it is not fetched.
    key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As stored."""
        return {
            "id": self.id,
            "camera_id": self.camera_id,
            "taken_at": self.taken_at.isoformat(),
            "incident": self.incident,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredPicture | None:
        """As stored; None for an entry this version cannot read."""
        taken_at = dt_util.parse_datetime(str(data.get("taken_at")))
        picture_id, camera_id = data.get("id"), data.get("camera_id")
        if taken_at is None or not isinstance(picture_id, str) or not isinstance(camera_id, str):
            return None
        return cls(
            id=picture_id,
            camera_id=camera_id,
            taken_at=taken_at,
            incident=data.get("incident") is True,
            key=key if isinstance(key := data.get("key"), str) else None,
        )


def _signature(secret: str, path: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


class Pictures:
    """Every entry's captured pictures (one instance per Home Assistant)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Empty until async_load."""
        self.hass = hass
        self._store = Store[dict[str, Any]](hass, STORAGE_VERSION, STORAGE_KEY, private=True)
        self._secret = ""
        self._index: dict[str, dict[str, StoredPicture]] = {}
        self._captures: dict[str, dict[str, asyncio.Task[bytes | None]]] = {}
        # What the running captures will store (an incident may claim one meanwhile).
        self._pending: dict[str, dict[str, StoredPicture]] = {}

    async def async_load(self) -> None:
        """Read the index (and the URL signing secret, made once)."""
        stored = await self._store.async_load() or {}
        self._secret = str(stored.get("secret") or secrets.token_hex(32))
        entries = stored.get("entries")
        for entry_id, pictures in (entries if isinstance(entries, dict) else {}).items():
            index = self._index.setdefault(str(entry_id), {})
            for data in pictures if isinstance(pictures, list) else ():
                picture = StoredPicture.from_dict(data) if isinstance(data, dict) else None
                if picture is not None:
                    index[picture.id] = picture
        if "secret" not in stored:
            # At once: URLs signed with it are handed out from now on.
            await self._store.async_save(self._stored())

    def _stored(self) -> dict[str, Any]:
        return {
            "secret": self._secret,
            "entries": {
                entry_id: [picture.as_dict() for picture in index.values()]
                for entry_id, index in self._index.items()
            },
        }

    @callback
    def _async_schedule_save(self) -> None:
        """Save the index soon: a burst of events writes it once (and at shutdown, surely)."""
        self._store.async_delay_save(self._stored, SAVE_DELAY)

    def directory(self, entry_id: str) -> Path:
        """Where the entry's pictures are."""
        return Path(self.hass.config.path(STORAGE_DIR, f"{DOMAIN}_pictures", entry_id))

    def _file(self, entry_id: str, picture_id: str) -> Path:
        return self.directory(entry_id) / f"{picture_id}.jpg"

    def latest(self, entry_id: str, camera_id: str) -> StoredPicture | None:
        """The camera's newest picture."""
        pictures = [p for p in self._index.get(entry_id, {}).values() if p.camera_id == camera_id]
        return max(pictures, key=lambda p: p.taken_at, default=None)

    @callback
    def async_capture(
        self, entry: CamHubConfigEntry, picture: EventPicture, *, incident: bool
    ) -> str:
        """Start fetching the picture now; its id (the capture goes on in the background).

        What is pictured already (the same key: a pushed incident the poll lists too, an
        alert about a pushed event) is not fetched again; an incident keeps that picture. A
        poll's picture no newer than the camera's latest is not fetched either: pruning would
        drop it at once, and the next poll would fetch it again.
        """
        entry_id = entry.entry_id
        if picture.key is not None and (known := self._keyed(entry_id, picture.key)) is not None:
            if incident and not known.incident:
                self._claim(entry_id, known)
            return known.id
        latest = self.latest(entry_id, picture.camera_id)
        if not incident and latest is not None and latest.taken_at >= picture.taken_at:
            return latest.id
        stored = StoredPicture(
            id=secrets.token_urlsafe(16),
            camera_id=picture.camera_id,
            taken_at=picture.taken_at,
            incident=incident,
            key=picture.key,
        )
        self._pending.setdefault(entry_id, {})[stored.id] = stored
        self._captures.setdefault(entry_id, {})[stored.id] = entry.async_create_background_task(
            self.hass,
            self._async_capture(entry_id, stored.id, picture),
            f"{DOMAIN} event picture",
            eager_start=True,
        )
        return stored.id

    def _keyed(self, entry_id: str, key: str) -> StoredPicture | None:
        """The picture (being) taken of `key`."""
        for pictures in (self._pending.get(entry_id, {}), self._index.get(entry_id, {})):
            for picture in pictures.values():
                if picture.key == key:
                    return picture
        return None

    @callback
    def _claim(self, entry_id: str, picture: StoredPicture) -> None:
        """An incident's URL names the picture now: it is kept KEPT_FOR."""
        claimed = replace(picture, incident=True)
        if picture.id in (pending := self._pending.get(entry_id, {})):
            pending[picture.id] = claimed
            return
        self._index[entry_id][picture.id] = claimed
        self._async_schedule_save()

    async def _async_capture(
        self, entry_id: str, picture_id: str, picture: EventPicture
    ) -> bytes | None:
        try:
            try:
                body = await picture.fetch()
            except ProviderError as err:
                _LOGGER.debug("Event picture unavailable: %s", err)
                return None
            await self.hass.async_add_executor_job(self._write, entry_id, picture_id, body)
            stored = self._pending[entry_id][picture_id]
            self._index.setdefault(entry_id, {})[picture_id] = stored
            await self._async_prune(entry_id)
            async_dispatcher_send(self.hass, picture_signal(entry_id, stored.camera_id))
            return body
        finally:
            self._captures.get(entry_id, {}).pop(picture_id, None)
            self._pending.get(entry_id, {}).pop(picture_id, None)

    def _write(self, entry_id: str, picture_id: str, body: bytes) -> None:
        path = self._file(entry_id, picture_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    async def _async_prune(self, entry_id: str) -> None:
        """Keep each camera's latest picture and recent incidents' pictures; save the index."""
        index = self._index.get(entry_id, {})
        latest = {p.camera_id: p for p in sorted(index.values(), key=lambda p: p.taken_at)}
        oldest = dt_util.utcnow() - KEPT_FOR
        dropped = [
            p.id
            for p in index.values()
            if latest[p.camera_id] is not p and not (p.incident and p.taken_at >= oldest)
        ]
        for picture_id in dropped:
            del index[picture_id]
        await self.hass.async_add_executor_job(self._delete, entry_id, dropped)
        self._async_schedule_save()

    def _delete(self, entry_id: str, picture_ids: list[str]) -> None:
        for picture_id in picture_ids:
            self._file(entry_id, picture_id).unlink(missing_ok=True)

    def _delete_all(self, entry_id: str) -> None:
        shutil.rmtree(self.directory(entry_id), ignore_errors=True)

    async def async_read(self, entry_id: str, picture_id: str) -> bytes | None:
        """The picture, waiting for its capture if it is still running; None if there is none."""
        capture = self._captures.get(entry_id, {}).get(picture_id)
        if capture is not None:
            # wait() neither cancels the capture nor raises when an unload cancelled it.
            await asyncio.wait({capture})
            return None if capture.cancelled() else capture.result()
        if picture_id not in self._index.get(entry_id, {}):
            return None
        path = self._file(entry_id, picture_id)
        try:
            return await self.hass.async_add_executor_job(path.read_bytes)
        except OSError as err:
            _LOGGER.warning("Event picture %s could not be read: %s", path.name, err.strerror)
            return None

    def url(self, entry_id: str, picture_id: str) -> str:
        """The picture's path, signed for SIGNED_FOR from now."""
        path = f"{URL_PREFIX}/{entry_id}/{picture_id}.jpg"
        expires = int((dt_util.utcnow() + SIGNED_FOR).timestamp())
        signature = _signature(self._secret, path, expires)
        return f"{path}?{QUERY_EXPIRES}={expires}&{QUERY_SIGNATURE}={signature}"

    def signed(self, path: str, query: Mapping[str, str]) -> bool:
        """Whether the query signs `path` and has not expired."""
        try:
            expires = int(query.get(QUERY_EXPIRES, ""))
        except ValueError:
            return False
        expected = _signature(self._secret, path, expires)
        given = query.get(QUERY_SIGNATURE, "")
        return hmac.compare_digest(expected, given) and dt_util.utcnow().timestamp() < expires

    @callback
    def async_stop_captures(self, entry_id: str) -> None:
        """An unloading entry's captures stop (the pictures taken stay)."""
        self._pending.pop(entry_id, None)
        for task in self._captures.pop(entry_id, {}).values():
            task.cancel()

    async def async_remove_entry(self, entry_id: str) -> None:
        """A deleted entry's pictures go too."""
        self.async_stop_captures(entry_id)
        self._index.pop(entry_id, None)
        await self.hass.async_add_executor_job(self._delete_all, entry_id)
        await self._store.async_save(self._stored())


def pictures(hass: HomeAssistant) -> Pictures:
    """The pictures of this Home Assistant (loaded in async_setup)."""
    return hass.data[DATA_PICTURES]


async def async_remove_pictures(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's pictures, also when CamHub was never set up since the start.

    Home Assistant removes an entry it did not load (a disabled one) without setting up
    the integration first.
    """
    store = hass.data.get(DATA_PICTURES)
    if store is None:
        store = Pictures(hass)
        await store.async_load()
    await store.async_remove_entry(entry_id)


class IncidentPictureView(HomeAssistantView):
    """GET an incident's picture: authenticated, or by its signed URL."""

    url = URL_PREFIX + "/{entry_id}/{image}"
    name = f"api:{DOMAIN}:incident_image"
    # Checked in get(): a valid signature stands in for authentication.
    requires_auth = False

    def __init__(self, store: Pictures) -> None:
        """Serve `store`'s pictures."""
        self.store = store

    async def get(self, request: web.Request, entry_id: str, image: str) -> web.StreamResponse:
        """The JPEG once captured; 401 without authentication, 404 when there is none."""
        if not request.get(KEY_AUTHENTICATED) and not self.store.signed(
            request.path, request.query
        ):
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        body = await self.store.async_read(entry_id, image.removesuffix(".jpg"))
        if body is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=body, content_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
        )


async def async_setup_pictures(hass: HomeAssistant) -> None:
    """Load the index and register the view (once)."""
    store = hass.data[DATA_PICTURES] = Pictures(hass)
    await store.async_load()
    hass.http.register_view(IncidentPictureView(store))
