"""CamHub actions: clips, playback streams, position, speed, event acknowledgement."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

if TYPE_CHECKING:
    # Home Assistant types schemas with probatio (from 2026.x); at run time voluptuous is
    # probatio there (homeassistant installs the shim) and itself on older releases.
    import probatio as vol
else:
    import voluptuous as vol

from .const import DOMAIN
from .data import CamHubConfigEntry
from .devices import camera_identifier
from .event import ATTR_EVENT_ID, camera_ack_signal
from .exceptions import translated_error
from .lib.media_ids import MediaId, Section
from .playback import (
    SPEEDS,
    async_open_recording,
    async_position,
    async_set_speed,
    position_data,
    sessions,
)
from .providers.errors import NotSupportedError, ProviderError, RequestRejectedError
from .providers.features import CloudRecordings
from .providers.model import Capability, Clip
from .proxy import PlaybackSession, signed
from .recordings import async_record_clip, media_library

SERVICE_TRIGGER_CLIP: Final = "trigger_clip"
SERVICE_CREATE_CLIP: Final = "create_clip"
SERVICE_PLAYBACK_STREAM: Final = "playback_stream"
SERVICE_PLAYBACK_POSITION: Final = "playback_position"
SERVICE_SET_PLAYBACK_SPEED: Final = "set_playback_speed"
SERVICE_ACKNOWLEDGE_EVENT: Final = "acknowledge_event"

ATTR_DURATION: Final = "duration"
ATTR_NOTE: Final = "note"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_NAME: Final = "name"
ATTR_RECORDING_ID: Final = "recording_id"
ATTR_STREAM_ID: Final = "stream_id"
ATTR_SPEED: Final = "speed"

# Manual triggers record 5-60 s and keep a note of up to 500 characters (NovaVMS's range).
TRIGGER_SECONDS: Final = (5, 60)
NOTE_LENGTH: Final = 500
CLIP_LONGEST: Final = timedelta(hours=3)
# A created clip is polled until it is ready: every few seconds (each poll is one
# metered request), for a few minutes at most.
CLIP_POLL: Final = timedelta(seconds=10)
CLIP_WAIT: Final = timedelta(minutes=3)

_CAMERA: dict[Any, Any] = {vol.Required(ATTR_ENTITY_ID): cv.comp_entity_ids}
TRIGGER_SCHEMA: Final = vol.Schema(
    {
        **_CAMERA,
        vol.Optional(ATTR_DURATION, default=15): vol.Coerce(int),
        vol.Optional(ATTR_NOTE): cv.string,
    }
)
CREATE_CLIP_SCHEMA: Final = vol.Schema(
    {
        **_CAMERA,
        vol.Required(ATTR_START): cv.datetime,
        vol.Required(ATTR_END): cv.datetime,
        vol.Required(ATTR_NAME): cv.string,
        vol.Optional(ATTR_RECORDING_ID): cv.string,
    }
)
PLAYBACK_STREAM_SCHEMA: Final = vol.Schema(
    {
        **_CAMERA,
        vol.Required(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_RECORDING_ID): cv.string,
    }
)
STREAM_SCHEMA: Final = vol.Schema({vol.Required(ATTR_STREAM_ID): cv.string})
SPEED_SCHEMA: Final = STREAM_SCHEMA.extend({vol.Required(ATTR_SPEED): vol.Coerce(int)})
ACKNOWLEDGE_SCHEMA: Final = vol.Schema({**_CAMERA, vol.Optional(ATTR_EVENT_ID): cv.string})


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _failed(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _utc(value: datetime) -> datetime:
    """A datetime from the action data; without a zone it is Home Assistant's local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


@dataclass(frozen=True, slots=True)
class _Target:
    """The kind of CamHub entity an action acts on, and the errors naming the wrong one."""

    # None: any entity on a camera's device.
    domain: str | None
    not_ours: str
    one: str


# Clip and playback actions take the camera (any entity of its device does); the event
# acknowledgement takes the camera's event entity, whose last event it marks.
_CAMERAS: Final = _Target(None, "not_camhub_camera", "one_camera")
_EVENTS: Final = _Target(Platform.EVENT, "not_camhub_event", "one_event_entity")


def _camera_of(
    hass: HomeAssistant, entity_id: str, target: _Target = _CAMERAS
) -> tuple[CamHubConfigEntry, str]:
    """The loaded entry and vendor camera id behind a CamHub entity of a camera's device."""
    registered = er.async_get(hass).async_get(entity_id)
    if (
        registered is None
        or registered.platform != DOMAIN
        or registered.config_entry_id is None
        or target.domain not in (None, registered.domain)
    ):
        raise _invalid(target.not_ours, entity_id=entity_id)
    entry: CamHubConfigEntry | None = hass.config_entries.async_get_entry(
        registered.config_entry_id
    )
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded")
    device = dr.async_get(hass).async_get(registered.device_id or "")
    identifiers = device.identifiers if device is not None else set()
    for camera_id in entry.runtime_data.coordinator.data.cameras:
        if camera_identifier(entry, camera_id) in identifiers:
            return entry, camera_id
    raise _invalid(target.not_ours, entity_id=entity_id)


def _one_camera(
    hass: HomeAssistant, call: ServiceCall, target: _Target = _CAMERAS
) -> tuple[CamHubConfigEntry, str]:
    entity_ids: list[str] = call.data[ATTR_ENTITY_ID]
    if len(entity_ids) != 1:
        raise _invalid(target.one)
    return _camera_of(hass, entity_ids[0], target)


def _vendor_name(entry: CamHubConfigEntry) -> str:
    return entry.runtime_data.connection.provider.name


def _unsupported(entry: CamHubConfigEntry) -> ServiceValidationError:
    return _invalid("unsupported_camera", vendor=_vendor_name(entry))


def _recordings(entry: CamHubConfigEntry) -> CloudRecordings:
    """The entry's cloud recordings; a camera of a vendor without them is the wrong target."""
    recordings = entry.runtime_data.connection.recordings
    if recordings is None:
        raise _unsupported(entry)
    return recordings


def _check_range(start: datetime, end: datetime | None, longest: timedelta | None = None) -> None:
    if start >= dt_util.utcnow():
        raise _invalid("start_in_future")
    if end is not None and end <= start:
        raise _invalid("end_before_start")
    if end is not None and longest is not None and end - start > longest:
        raise _invalid("range_too_long", hours=str(int(longest.total_seconds() // 3600)))


async def _provider[T](vendor_name: str, call: Awaitable[T]) -> T:
    """Await a provider call; its failures become translated errors."""
    try:
        return await call
    except ProviderError as err:
        raise translated_error(err, vendor_name) from err


async def _async_sleep(hass: HomeAssistant, delay: timedelta) -> None:
    """Wait on Home Assistant's timers (tests move them with the clock)."""
    done = asyncio.Event()

    @callback
    def wake(_now: datetime) -> None:
        done.set()

    cancel = async_call_later(hass, delay, wake)
    try:
        await done.wait()
    finally:
        cancel()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _clip_data(entry: CamHubConfigEntry, clip: Clip) -> dict[str, Any]:
    """A clip as response data: a media-source id to play it, never its tokenised URL."""
    media_id = MediaId(
        entry_id=entry.entry_id, camera_id=clip.camera_id, section=Section.CLIPS, item=clip.id
    )
    return {
        "id": clip.id,
        "name": clip.name,
        "status": clip.status,
        "start": clip.start.isoformat(),
        "end": clip.end.isoformat(),
        "created_at": _iso(clip.created_at),
        "media_content_id": f"media-source://{DOMAIN}/{media_id}",
    }


def _stream_data(hass: HomeAssistant, session: PlaybackSession, start: datetime) -> dict[str, Any]:
    """A playback session as response data: signed proxy paths only."""
    return {
        ATTR_STREAM_ID: session.id,
        "url": signed(hass, session.path()),
        "format": "hls",
        ATTR_RECORDING_ID: session.recording_id,
        ATTR_START: start.isoformat(),
        "controls": {
            control: signed(hass, session.control_path(control))
            for control in ("position", "play", "pause", "speed")
        },
    }


class CamHubServices:
    """The handlers, bound to one Home Assistant instance."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve `hass`."""
        self.hass = hass

    async def trigger_clip(self, call: ServiceCall) -> ServiceResponse:
        """Record a clip now: a trigger on the camera, or a cloud recording.

        Every target is checked before anything is recorded.
        """
        duration: int = call.data[ATTR_DURATION]
        note: str | None = call.data.get(ATTR_NOTE)
        low, high = TRIGGER_SECONDS
        if not low <= duration <= high:
            raise _invalid("invalid_duration", min=str(low), max=str(high))
        if note is not None and len(note) > NOTE_LENGTH:
            raise _invalid("note_too_long", max=str(NOTE_LENGTH))
        targets = [_camera_of(self.hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]]
        for entry, camera_id in targets:
            if not self._takes_trigger(entry, camera_id) and (
                entry.runtime_data.connection.recordings is None
            ):
                raise _unsupported(entry)
        triggered: dict[str, Any] = {}
        for entity_id, (entry, camera_id) in zip(call.data[ATTR_ENTITY_ID], targets, strict=True):
            clip_trigger = entry.runtime_data.connection.clip_trigger
            if clip_trigger is not None and self._takes_trigger(entry, camera_id):
                trigger = await _provider(
                    _vendor_name(entry), clip_trigger.async_trigger_clip(camera_id, duration, note)
                )
                media_library(self.hass, entry).events_changed(camera_id)
                triggered[entity_id] = {
                    "event_id": trigger.event_id,
                    "started_at": _iso(trigger.started_at),
                    "expected_duration": trigger.expected_duration,
                }
            else:
                # A camera without cloud recording answers `no_recording`, as it says why.
                triggered[entity_id] = await _provider(
                    _vendor_name(entry), async_record_clip(self.hass, entry, camera_id, duration)
                )
        return {"triggered": triggered}

    @staticmethod
    def _takes_trigger(entry: CamHubConfigEntry, camera_id: str) -> bool:
        camera = entry.runtime_data.coordinator.data.cameras[camera_id]
        return entry.runtime_data.connection.clip_trigger is not None and camera.supports(
            Capability.CLIP_TRIGGER
        )

    async def create_clip(self, call: ServiceCall) -> ServiceResponse:
        """Cut a cloud clip; with a response asked for, wait until it is ready."""
        entry, camera_id = _one_camera(self.hass, call)
        client = _recordings(entry)
        vendor_name = _vendor_name(entry)
        start, end = _utc(call.data[ATTR_START]), _utc(call.data[ATTR_END])
        _check_range(start, end, CLIP_LONGEST)
        clip = await _provider(
            vendor_name,
            client.async_create_clip(
                camera_id,
                name=call.data[ATTR_NAME],
                start=start,
                end=end,
                recording_id=call.data.get(ATTR_RECORDING_ID),
            ),
        )
        media_library(self.hass, entry).clips_changed(camera_id)
        if not call.return_response:
            return None
        waited = timedelta()
        while not clip.ready:
            if clip.status == "ERROR":
                raise _failed("clip_failed", name=clip.name)
            if waited >= CLIP_WAIT:
                raise _failed("clip_timeout", name=clip.name)
            await _async_sleep(self.hass, CLIP_POLL)
            waited += CLIP_POLL
            clip = await _provider(vendor_name, client.async_fetch_clip(camera_id, clip.id))
        return {"clip": _clip_data(entry, clip)}

    async def playback_stream(self, call: ServiceCall) -> ServiceResponse:
        """Open a playback stream from `start`; returns its URL and control URLs."""
        entry, camera_id = _one_camera(self.hass, call)
        _recordings(entry)
        vendor = _vendor_name(entry)
        start = _utc(call.data[ATTR_START])
        end = _utc(call.data[ATTR_END]) if ATTR_END in call.data else None
        _check_range(start, end)
        library = media_library(self.hass, entry)
        recordings = await _provider(vendor, library.recordings(camera_id))
        wanted = call.data.get(ATTR_RECORDING_ID)
        if wanted is not None:
            recordings = [r for r in recordings if r.id == wanted]
            if not recordings:
                raise _invalid("recording_not_found")
        if not recordings:
            raise _invalid("no_recording")
        for recording in recordings:
            try:
                session = await async_open_recording(
                    self.hass, entry, camera_id, recording.id, start=start, end=end
                )
            except NotSupportedError:
                # The vendor answers 404 when this recording has no footage at `start`.
                continue
            except ProviderError as err:
                raise translated_error(err, vendor) from err
            return _stream_data(self.hass, session, start)
        raise _invalid("no_footage")

    async def acknowledge_event(self, call: ServiceCall) -> ServiceResponse:
        """Mark an event of the camera acknowledged: the one given, or the entity's last.

        One request to the vendor; the event entity shows it without a poll.
        """
        entry, camera_id = _one_camera(self.hass, call, _EVENTS)
        event_ack = entry.runtime_data.connection.event_ack
        camera = entry.runtime_data.coordinator.data.cameras[camera_id]
        if event_ack is None or not camera.supports(Capability.EVENT_ACK):
            raise _unsupported(entry)
        event_id: str | None = call.data.get(ATTR_EVENT_ID)
        if not event_id:
            state = self.hass.states.get(call.data[ATTR_ENTITY_ID][0])
            last = state.attributes.get(ATTR_EVENT_ID) if state is not None else None
            if not isinstance(last, str) or not last:
                raise _invalid("no_event_to_acknowledge")
            event_id = last
        vendor = _vendor_name(entry)
        try:
            await event_ack.async_acknowledge_event(event_id)
        except ProviderError as err:
            if isinstance(err, RequestRejectedError) and err.status == HTTPStatus.NOT_FOUND:
                raise _invalid("unknown_event", vendor=vendor, event_id=event_id) from err
            raise translated_error(err, vendor) from err
        async_dispatcher_send(self.hass, camera_ack_signal(entry.entry_id, camera_id), event_id)
        return None

    def _session(self, call: ServiceCall) -> PlaybackSession:
        session = sessions(self.hass).get(call.data[ATTR_STREAM_ID])
        if session is None:
            # Unknown, idle too long, or its entry was unloaded.
            raise _invalid("stream_not_found")
        return session

    async def playback_position(self, call: ServiceCall) -> ServiceResponse:
        """Where the playback stream is now, and its speed."""
        session = self._session(call)
        vendor_name = session.connection.provider.name
        return position_data(await _provider(vendor_name, async_position(session)))

    async def set_playback_speed(self, call: ServiceCall) -> ServiceResponse:
        """Play the stream at 1, 2, 4, 8 or 16 times real time."""
        speed: int = call.data[ATTR_SPEED]
        if speed not in SPEEDS:
            raise _invalid("invalid_speed", speeds=", ".join(map(str, SPEEDS)))
        session = self._session(call)
        await _provider(session.connection.provider.name, async_set_speed(session, speed))
        return None


type Handler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the CamHub actions (once, from async_setup)."""
    handlers = CamHubServices(hass)
    table: list[tuple[str, Handler, Any, SupportsResponse]] = [
        (SERVICE_TRIGGER_CLIP, handlers.trigger_clip, TRIGGER_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_CREATE_CLIP, handlers.create_clip, CREATE_CLIP_SCHEMA, SupportsResponse.OPTIONAL),
        (
            SERVICE_PLAYBACK_STREAM,
            handlers.playback_stream,
            PLAYBACK_STREAM_SCHEMA,
            SupportsResponse.ONLY,
        ),
        (
            SERVICE_PLAYBACK_POSITION,
            handlers.playback_position,
            STREAM_SCHEMA,
            SupportsResponse.ONLY,
        ),
        (
            SERVICE_SET_PLAYBACK_SPEED,
            handlers.set_playback_speed,
            SPEED_SCHEMA,
            SupportsResponse.NONE,
        ),
        (
            SERVICE_ACKNOWLEDGE_EVENT,
            handlers.acknowledge_event,
            ACKNOWLEDGE_SCHEMA,
            SupportsResponse.NONE,
        ),
    ]
    for name, handler, schema, response in table:
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=response
        )
