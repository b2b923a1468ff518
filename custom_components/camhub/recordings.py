"""What cameras recorded, fetched when first shown and cached per entry (requests are metered)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import date, datetime, timedelta
from typing import Any, Final, cast
from weakref import WeakKeyDictionary

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .data import CamHubConfigEntry
from .offered import offered
from .providers.errors import NotSupportedError
from .providers.features import CloudRecordings
from .providers.interface import Connection
from .providers.model import CameraEvent, Clip, Recording, Segment

# A camera's recordings rarely change; its clips and events do.
RECORDINGS_TTL: Final = timedelta(minutes=10)
CLIPS_TTL: Final = timedelta(seconds=30)
EVENTS_TTL: Final = timedelta(minutes=1)
# A day that has not ended yet keeps growing; a past day's timeline never changes.
OPEN_DAY_TTL: Final = timedelta(minutes=1)
# Past days kept per entry (a week of a handful of recordings).
TIMELINE_DAYS_KEPT: Final = 64
# Used when a recording names no retention and no start.
DEFAULT_RETENTION: Final = timedelta(days=7)
EVENT_LIMIT: Final = 50
# Thumbnails kept per entry (a JPEG of some tens of kB each).
THUMBNAILS_KEPT: Final = 200

DATA_LIBRARIES: HassKey[WeakKeyDictionary[Connection, MediaLibrary]] = HassKey(
    f"{DOMAIN}_media_libraries"
)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23 or 25 h long on DST changes)."""
    start = dt_util.start_of_local_day(day)
    end = dt_util.start_of_local_day(day + timedelta(days=1))
    return dt_util.as_utc(start), dt_util.as_utc(end)


def retention_days(recording: Recording, now: datetime) -> list[date]:
    """The local days that can hold footage of the recording, newest first."""
    retention = dt_util.parse_duration(recording.retention or "") or DEFAULT_RETENTION
    oldest = now - retention
    if recording.start is not None:
        oldest = max(oldest, recording.start)
    newest = now if recording.end is None else min(now, recording.end)
    first, last = dt_util.as_local(oldest).date(), dt_util.as_local(newest).date()
    return [last - timedelta(days=n) for n in range((last - first).days + 1)]


class _Entry[T]:
    __slots__ = ("expires", "value")

    def __init__(self, value: T, expires: datetime | None) -> None:
        self.value = value
        self.expires = expires


class TtlCache:
    """Values by key until they expire; concurrent misses share one fetch."""

    def __init__(self, now: Callable[[], datetime], max_entries: int = 256) -> None:
        """Start empty; the oldest entries go once `max_entries` is reached."""
        self._now = now
        self._max = max_entries
        self._values: OrderedDict[Hashable, _Entry[object]] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[object]] = {}

    def _fresh(self, key: Hashable) -> _Entry[object] | None:
        entry = self._values.get(key)
        if entry is not None and (entry.expires is None or entry.expires > self._now()):
            self._values.move_to_end(key)
            return entry
        return None

    def peek(self, key: Hashable) -> object | None:
        """The cached value if there is one still fresh (nothing is fetched)."""
        entry = self._fresh(key)
        return None if entry is None else entry.value

    async def get[T](
        self, key: Hashable, ttl: timedelta | None, fetch: Callable[[], Awaitable[T]]
    ) -> T:
        """The cached value, else the fetched one (kept `ttl`, None: until evicted)."""
        # A key is always filled by the same fetch, so what it holds is that fetch's T.
        if (entry := self._fresh(key)) is not None:
            return cast("T", entry.value)
        if (pending := self._pending.get(key)) is not None:
            return cast("T", await pending)
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await fetch()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as err:
            future.set_exception(err)
            # Waiters re-raise it; nobody else must see "exception never retrieved".
            future.exception()
            raise
        else:
            future.set_result(value)
            self._store(key, value, ttl)
            return value
        finally:
            del self._pending[key]

    def _store(self, key: Hashable, value: object, ttl: timedelta | None) -> None:
        self._values[key] = _Entry(value, None if ttl is None else self._now() + ttl)
        self._values.move_to_end(key)
        while len(self._values) > self._max:
            self._values.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        """Drop one value (it changed on our side)."""
        self._values.pop(key, None)


class MediaLibrary:
    """One entry's recordings, timelines, clips and events, each fetched when first shown."""

    def __init__(
        self, connection: Connection, now: Callable[[], datetime] = dt_util.utcnow
    ) -> None:
        """Cache for `connection`; `now` decides which days are still open."""
        self.connection = connection
        self._now = now
        self._cache = TtlCache(now, max_entries=TIMELINE_DAYS_KEPT * 4)
        # Pictures of past moments: they never change, so only the count bounds them.
        self.thumbnails = TtlCache(now, max_entries=THUMBNAILS_KEPT)
        # Recordings we started for manual clips, and when their auto-stop comes.
        self._clip_stops: dict[str, datetime] = {}

    async def recordings(self, camera_id: str) -> list[Recording]:
        """The camera's cloud recordings; none without Cloud Recording (no error)."""
        if (client := self.connection.recordings) is None:
            return []

        async def fetch() -> list[Recording]:
            try:
                return await client.async_fetch_recordings(camera_id)
            except NotSupportedError:
                return []

        return await self._cache.get(("recordings", camera_id), RECORDINGS_TTL, fetch)

    async def recording(self, camera_id: str, recording_id: str) -> Recording | None:
        """One of the camera's recordings, if it has it."""
        return next((r for r in await self.recordings(camera_id) if r.id == recording_id), None)

    def clip_recording(self, recordings: list[Recording]) -> Recording | None:
        """The recording a manual clip goes to; None when every one records continuously.

        One we started for an earlier clip and that still runs is extended; else an
        idle one is started. A recording running on its own is never given a duration:
        Angelcam would stop it when that duration ends.
        """
        now = self._now()
        active = [r for r in recordings if r.active]
        ours = [r for r in active if self._clip_stops.get(r.id, now) > now]
        idle = [r for r in active if r.status != "RECORDING"]
        return next(iter(ours + idle), None)

    def clip_started(self, camera_id: str, recording_id: str, until: datetime) -> None:
        """A clip recording was started (or extended) until `until`."""
        self._clip_stops[recording_id] = until
        # Its status changed: the next listing asks again.
        self._cache.forget(("recordings", camera_id))

    async def timeline(self, recording_id: str, day: date) -> list[Segment]:
        """The day's segments (the client splits a 25-hour day into 24-hour calls)."""
        client = self.connection.recordings
        if client is None:
            return []
        start, end = day_bounds(day)
        now = self._now()
        is_open = end > now
        ttl = OPEN_DAY_TTL if is_open else None
        until = min(end, now) if is_open else end
        if until <= start:
            return []
        return await self._cache.get(
            ("timeline", recording_id, day),
            ttl,
            lambda: client.async_fetch_timeline(recording_id, start, until),
        )

    async def clips(self, camera_id: str) -> list[Clip]:
        """The camera's cloud clips, newest first; none without Cloud Recording."""
        if (client := self.connection.recordings) is None:
            return []

        async def fetch() -> list[Clip]:
            try:
                clips = await client.async_fetch_clips(camera_id)
            except NotSupportedError:
                return []
            return sorted(clips, key=lambda clip: clip.start, reverse=True)

        return await self._cache.get(("clips", camera_id), CLIPS_TTL, fetch)

    def clips_changed(self, camera_id: str) -> None:
        """A clip was created: the next listing asks again."""
        self._cache.forget(("clips", camera_id))

    def events_changed(self, camera_id: str) -> None:
        """The camera recorded something on request: the next listing asks again."""
        self._cache.forget(("events", camera_id))

    async def event(self, event_id: str) -> CameraEvent | None:
        """An event in full with its media; None where events carry no media of their own."""
        log = self.connection.events
        if log is None:
            return None

        async def fetch() -> CameraEvent | None:
            try:
                return await log.async_fetch_event(event_id)
            except NotSupportedError:
                return None

        return await self._cache.get(("event", event_id), EVENTS_TTL, fetch)

    async def events(self, camera_id: str) -> list[CameraEvent]:
        """The camera's newest events (one page), newest first."""
        log = self.connection.events

        async def fetch() -> list[CameraEvent]:
            if log is None:
                return []
            # Bounded in time where the vendor pages by time (every page of the range).
            since = self._now() - DEFAULT_RETENTION
            found = await log.async_fetch_camera_events(camera_id, since=since, limit=EVENT_LIMIT)
            return sorted(found, key=lambda event: event.occurred_at, reverse=True)

        return await self._cache.get(("events", camera_id), EVENTS_TTL, fetch)


def media_library(hass: HomeAssistant, entry: CamHubConfigEntry) -> MediaLibrary:
    """The library of a loaded entry; a reloaded entry has a new connection and starts afresh."""
    libraries = hass.data.setdefault(DATA_LIBRARIES, WeakKeyDictionary())
    connection = entry.runtime_data.connection
    if (library := libraries.get(connection)) is None:
        library = libraries[connection] = MediaLibrary(connection)
    return library


async def async_record_clip(
    hass: HomeAssistant, entry: CamHubConfigEntry, camera_id: str, seconds: int
) -> dict[str, Any]:
    """Start (or extend) a cloud recording for at least `seconds`.

    Returns what was recorded (the keys of a NovaVMS trigger's response, plus the
    recording). Provider errors propagate for the caller to translate; a camera with
    no active recording raises the translated `no_recording`.
    """
    client: CloudRecordings = offered(entry.runtime_data.connection.recordings, "cloud recording")
    library = media_library(hass, entry)
    recordings = await library.recordings(camera_id)
    running = next((recording for recording in recordings if recording.active), None)
    if running is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_recording")
    # The vendor records for a minimum time (Angelcam 30 s): a shorter clip is cut from that.
    seconds = max(seconds, client.min_record_seconds)
    started = dt_util.utcnow()
    target = library.clip_recording(recordings)
    if target is not None:
        await client.async_start_recording(target.id, seconds)
        library.clip_started(camera_id, target.id, started + timedelta(seconds=seconds))
    # Without a target it records continuously already: the clip is in that footage.
    return {
        "event_id": None,
        "started_at": started.isoformat(),
        "expected_duration": seconds,
        "recording_id": (target or running).id,
        "already_recording": target is None,
    }
