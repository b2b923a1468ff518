"""CamHub cameras' recordings, clips, events and recorded video in Home Assistant's media browser.

The tree and its identifiers are described in media_ids.py. Each level loads only what it
shows: a camera's recordings (one request), a day's timeline (one request, cached), the
clips or events of a camera (one request each). Playing opens a proxied playback session.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import re
from typing import Final

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .const import DOMAIN, NAME
from .data import CamHubConfigEntry
from .exceptions import translated_error
from .lib.media_ids import EventPart, MediaId, Section, need, parse
from .playback import (
    EVENT_MEDIA,
    async_open_clip,
    async_open_event_media,
    async_open_recording,
    async_open_vod,
)
from .providers.errors import NotSupportedError, ProviderError
from .providers.model import Camera, CameraEvent, Capability, Recording, Segment
from .proxy import PlaybackSession
from .recordings import MediaLibrary, day_bounds, media_library, retention_days
from .thumbnails import thumbnail_path

# Points offered inside a segment to start playing from (seeking opens a new stream).
POINT_STEP: Final = timedelta(minutes=15)
# Footage holes shorter than this are not worth showing.
MIN_GAP: Final = timedelta(seconds=2)
# An event without media of its own plays the recording from a little before it happened.
EVENT_LEAD: Final = timedelta(seconds=5)
# Devices with recorded video (VOD) do not say how far back their card reaches.
VOD_DAYS: Final = 7

type Children = list[BrowseMediaSource]


async def async_get_media_source(hass: HomeAssistant) -> CamHubMediaSource:
    """The CamHub media source."""
    return CamHubMediaSource(hass)


def _error[E: HomeAssistantError](
    cls: type[E], key: str, placeholders: dict[str, str] | None = None
) -> E:
    return cls(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _node(
    media_id: MediaId | None,
    title: str,
    *,
    media_class: MediaClass = MediaClass.DIRECTORY,
    content_type: str = MediaType.VIDEO,
    can_play: bool = False,
    can_expand: bool = True,
    children: Children | None = None,
    thumbnail: bool = False,
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=None if media_id is None else str(media_id),
        media_class=media_class,
        media_content_type=content_type,
        title=title,
        can_play=can_play,
        can_expand=can_expand,
        children=children,
        children_media_class=children[0].media_class if children else MediaClass.DIRECTORY,
        # The picture at that moment, through CamHub (see thumbnails.py).
        thumbnail=thumbnail_path(media_id) if thumbnail and media_id is not None else None,
    )


def _clock(when: datetime, *, seconds: bool = False) -> str:
    return dt_util.as_local(when).strftime("%H:%M:%S" if seconds else "%H:%M")


def _moment(seconds: int) -> datetime:
    return dt_util.utc_from_timestamp(seconds)


# What a camera can have to browse: cloud recordings (with their clips and events),
# events with media of their own, the device's recorded video.
MEDIA_CAPABILITIES: Final = (Capability.RECORDINGS, Capability.EVENT_MEDIA, Capability.VOD)


def offers_media(camera: Camera) -> bool:
    """Whether the camera has anything to browse (a cloud camera only with Cloud Recording)."""
    return any(camera.supports(capability) for capability in MEDIA_CAPABILITIES)


def gaps_and_segments(
    day: date, segments: list[Segment], now: datetime
) -> list[tuple[Segment, bool]]:
    """The day in order as (stretch, has footage); holes of at least MIN_GAP are gaps."""
    start, end = day_bounds(day)
    end = min(end, now)
    stretches: list[tuple[Segment, bool]] = []
    cursor = start
    for segment in segments:
        if segment.start - cursor >= MIN_GAP:
            stretches.append((Segment(start=cursor, end=segment.start), False))
        stretches.append((segment, True))
        cursor = max(cursor, segment.end)
    if segments and end - cursor >= MIN_GAP:
        stretches.append((Segment(start=cursor, end=end), False))
    return stretches


def segment_points(segment: Segment) -> list[datetime]:
    """Where a segment can be played from: its start, then every quarter hour inside it."""
    step = int(POINT_STEP.total_seconds())
    first = int(segment.start.timestamp())
    points = [first]
    points += range((first // step + 1) * step, int(segment.end.timestamp()), step)
    return [_moment(point) for point in points]


class CamHubMediaSource(MediaSource):
    """Browse and play what CamHub cameras recorded."""

    name = NAME

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve this Home Assistant's CamHub entries."""
        super().__init__(DOMAIN)
        self.hass = hass

    # -- lookups --------------------------------------------------------------------------

    def _entries(self) -> list[CamHubConfigEntry]:
        return self.hass.config_entries.async_loaded_entries(DOMAIN)

    def _entry[E: HomeAssistantError](self, media_id: MediaId, cls: type[E]) -> CamHubConfigEntry:
        entry: CamHubConfigEntry | None = self.hass.config_entries.async_get_entry(
            media_id.entry_id
        )
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            raise _error(cls, "entry_not_loaded")
        return entry

    @staticmethod
    def _camera[E: HomeAssistantError](
        entry: CamHubConfigEntry, camera_id: str, cls: type[E]
    ) -> Camera:
        camera = entry.runtime_data.coordinator.data.cameras.get(camera_id)
        if camera is None or not offers_media(camera):
            raise _error(cls, "camera_not_found")
        return camera

    @staticmethod
    async def _recording[E: HomeAssistantError](
        library: MediaLibrary, media_id: MediaId, cls: type[E]
    ) -> Recording:
        recording = await library.recording(need(media_id.camera_id), need(media_id.item))
        if recording is None:
            raise _error(cls, "recording_not_found")
        return recording

    @staticmethod
    async def _segment[E: HomeAssistantError](
        library: MediaLibrary, media_id: MediaId, cls: type[E]
    ) -> Segment:
        for segment in await library.timeline(need(media_id.item), need(media_id.day)):
            if int(segment.start.timestamp()) == media_id.start:
                return segment
        raise _error(cls, "no_footage")

    # -- browsing -------------------------------------------------------------------------

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """One level of the tree with its children."""
        if not item.identifier:
            children = [
                _node(MediaId(entry_id=entry.entry_id), entry.title)
                for entry in sorted(self._entries(), key=lambda e: e.title)
            ]
            return _node(None, NAME, media_class=MediaClass.APP, children=children)
        try:
            media_id = parse(item.identifier)
        except ValueError as err:
            raise _error(BrowseError, "invalid_media_id") from err
        entry = self._entry(media_id, BrowseError)
        try:
            return await self._browse(entry, media_id)
        except ProviderError as err:
            failure = translated_error(err, entry.runtime_data.connection.provider.name)
            raise _error(
                BrowseError, str(failure.translation_key), failure.translation_placeholders
            ) from err

    async def _browse(self, entry: CamHubConfigEntry, media_id: MediaId) -> BrowseMediaSource:
        coordinator = entry.runtime_data.coordinator
        if media_id.camera_id is None:
            cameras = sorted(coordinator.data.cameras.values(), key=lambda c: c.name)
            children = [
                _node(media_id.child(camera_id=camera.id), camera.name)
                for camera in cameras
                if offers_media(camera)
            ]
            return _node(media_id, entry.title, children=children)
        camera = self._camera(entry, media_id.camera_id, BrowseError)
        library = media_library(self.hass, entry)
        match media_id.section:
            case None:
                return _node(
                    media_id, camera.name, children=await self._sections(library, media_id, camera)
                )
            case Section.RECORDING:
                return await self._browse_recording(library, media_id)
            case Section.CLIPS:
                return await self._browse_clips(library, media_id)
            case Section.EVENTS:
                return await self._browse_events(camera, library, media_id)
            case _:
                return self._browse_vod(media_id)

    async def _sections(self, library: MediaLibrary, media_id: MediaId, camera: Camera) -> Children:
        if camera.supports(Capability.VOD):
            return [_node(media_id.child(section=Section.VOD), "Recorded video")]
        if camera.supports(Capability.EVENT_MEDIA):
            return [_node(media_id.child(section=Section.EVENTS), "Events")]
        recordings = await library.recordings(camera.id)
        children = [
            _node(
                media_id.child(section=Section.RECORDING, item=recording.id),
                _recording_title(index, recording),
            )
            for index, recording in enumerate(recordings, 1)
        ]
        if recordings:
            if camera.supports(Capability.CLIPS):
                children.append(_node(media_id.child(section=Section.CLIPS), "Clips"))
            children.append(_node(media_id.child(section=Section.EVENTS), "Events"))
        return children

    async def _browse_recording(
        self, library: MediaLibrary, media_id: MediaId
    ) -> BrowseMediaSource:
        recording = await self._recording(library, media_id, BrowseError)
        now = dt_util.utcnow()
        if media_id.day is None:
            days = [
                _node(media_id.child(day=day), f"{day.isoformat()} ({day:%A})")
                for day in retention_days(recording, now)
            ]
            return _node(media_id, recording.id, children=days)
        if media_id.start is None:
            segments = await library.timeline(recording.id, media_id.day)
            children = [
                self._stretch(media_id, stretch, footage=footage)
                for stretch, footage in gaps_and_segments(media_id.day, segments, now)
            ]
            return _node(media_id, media_id.day.isoformat(), children=children)
        segment = await self._segment(library, media_id, BrowseError)
        if media_id.at is not None:
            return _node(
                media_id,
                _clock(_moment(media_id.at), seconds=True),
                media_class=MediaClass.VIDEO,
                can_play=True,
                can_expand=False,
            )
        points = [
            _node(
                media_id.child(at=int(point.timestamp())),
                _clock(point, seconds=True),
                media_class=MediaClass.VIDEO,
                can_play=True,
                can_expand=False,
            )
            for point in segment_points(segment)
        ]
        return self._stretch(media_id, segment, footage=True, children=points)

    @staticmethod
    def _stretch(
        day_id: MediaId, stretch: Segment, *, footage: bool, children: Children | None = None
    ) -> BrowseMediaSource:
        span = day_span(need(day_id.day), stretch)
        if not footage:
            # A gap: shown so the day reads as a timeline, but there is nothing to play.
            gap_id = day_id.child(start=int(stretch.start.timestamp()))
            return _node(
                gap_id, f"No recording {span}", media_class=MediaClass.VIDEO, can_expand=False
            )
        return _node(
            day_id.child(start=int(stretch.start.timestamp())),
            span,
            media_class=MediaClass.VIDEO,
            can_play=True,
            children=children,
            thumbnail=True,
        )

    async def _browse_clips(self, library: MediaLibrary, media_id: MediaId) -> BrowseMediaSource:
        clips = await library.clips(need(media_id.camera_id))
        if media_id.item is not None:
            clips = [clip for clip in clips if clip.id == media_id.item]
        children = [
            _node(
                media_id.child(item=clip.id),
                f"{clip.name} ({dt_util.as_local(clip.start):%Y-%m-%d %H:%M})"
                + ("" if clip.ready else f" - {clip.status.lower()}"),
                media_class=MediaClass.VIDEO,
                can_play=clip.ready,
                can_expand=False,
                thumbnail=True,
            )
            for clip in clips
        ]
        if media_id.item is not None:
            if not children:
                raise _error(BrowseError, "clip_not_found")
            return children[0]
        return _node(media_id, "Clips", children=children)

    async def _browse_events(
        self, camera: Camera, library: MediaLibrary, media_id: MediaId
    ) -> BrowseMediaSource:
        with_media = camera.supports(Capability.EVENT_MEDIA)
        events = await library.events(need(media_id.camera_id))
        by_key = {_event_key(event): event for event in events}
        if media_id.item is None:
            children = [
                self._event_node(media_id.child(item=key), event, with_media=with_media)
                for key, event in by_key.items()
            ]
            return _node(media_id, "Events", children=children)
        event = by_key.get(media_id.item)
        if event is None:
            raise _error(BrowseError, "event_not_found")
        if not with_media:
            return self._event_node(media_id, event, with_media=with_media)
        # The list shows no clip: the event's detail (one request, cached) does.
        detail = await library.event(media_id.item) or event
        if media_id.part is not None:
            # A part the event lacks resolves to "no footage" when played.
            return _event_part(media_id, media_id.part, detail)
        node = self._event_node(media_id, detail, with_media=with_media)
        node.children = [_event_part(media_id, part, detail) for part in _event_parts(detail)]
        return node

    @staticmethod
    def _event_node(
        media_id: MediaId, event: CameraEvent, *, with_media: bool
    ) -> BrowseMediaSource:
        """An event with media of its own opens to its parts; another plays its recording."""
        when = f"{dt_util.as_local(event.occurred_at):%Y-%m-%d %H:%M:%S}"
        label = event.summary or event.title or event.kind
        # A recording has a picture at any moment; an event's own media may lack one.
        has_picture = not with_media or event.snapshot_url is not None
        if with_media:
            return _node(
                media_id,
                f"{when} {event.kind}: {label}",
                media_class=MediaClass.DIRECTORY,
                thumbnail=has_picture,
            )
        return _node(
            media_id,
            f"{when} {label}",
            media_class=MediaClass.VIDEO,
            can_play=True,
            can_expand=False,
            thumbnail=has_picture,
        )

    @staticmethod
    def _browse_vod(media_id: MediaId) -> BrowseMediaSource:
        now = dt_util.now()
        if media_id.day is None:
            days = [now.date() - timedelta(days=n) for n in range(VOD_DAYS)]
            children = [
                _node(media_id.child(day=day), f"{day.isoformat()} ({day:%A})") for day in days
            ]
            return _node(media_id, "Recorded video", children=children)
        hours = [hour for hour in range(24) if _vod_hour(media_id.day, hour) < now]
        if media_id.hour is not None:
            hours = [media_id.hour]
        children = [
            _node(
                media_id.child(hour=hour),
                f"{hour:02d}:00 - {(hour + 1) % 24:02d}:00",
                media_class=MediaClass.VIDEO,
                can_play=True,
                can_expand=False,
            )
            for hour in hours
        ]
        if media_id.hour is not None:
            return children[0]
        return _node(media_id, media_id.day.isoformat(), children=children)

    # -- playing --------------------------------------------------------------------------

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Open a playback session for a playable item and hand out its proxy path."""
        try:
            media_id = parse(item.identifier)
        except ValueError as err:
            raise _error(Unresolvable, "invalid_media_id") from err
        entry = self._entry(media_id, Unresolvable)
        if media_id.camera_id is None:
            raise _error(Unresolvable, "not_playable")
        camera = self._camera(entry, media_id.camera_id, Unresolvable)
        try:
            session = await self._open(entry, camera, media_id)
        except NotSupportedError as err:
            raise _error(Unresolvable, "no_footage") from err
        except ProviderError as err:
            failure = translated_error(err, entry.runtime_data.connection.provider.name)
            raise _error(
                Unresolvable, str(failure.translation_key), failure.translation_placeholders
            ) from err
        return PlayMedia(session.path(), session.mime)

    async def _open(
        self, entry: CamHubConfigEntry, camera: Camera, media_id: MediaId
    ) -> PlaybackSession:
        camera_id = need(media_id.camera_id)
        library = media_library(self.hass, entry)
        match media_id:
            case MediaId(section=Section.RECORDING, start=int(start)):
                recording = await self._recording(library, media_id, Unresolvable)
                at = _moment(start if media_id.at is None else media_id.at)
                return await async_open_recording(
                    self.hass, entry, camera_id, recording.id, start=at
                )
            case MediaId(section=Section.CLIPS, item=str(clip_id)):
                return await async_open_clip(self.hass, entry, camera_id, clip_id)
            case MediaId(section=Section.EVENTS, item=str(key), part=EventPart() as part):
                return await async_open_event_media(self.hass, entry, camera_id, key, part)
            case MediaId(section=Section.EVENTS, item=str(key), part=None) if (
                camera.supports(Capability.RECORDINGS) and key.isdigit()
            ):
                recordings = await library.recordings(camera_id)
                if not recordings:
                    raise _error(Unresolvable, "no_footage")
                at = _moment(int(key)) - EVENT_LEAD
                return await async_open_recording(
                    self.hass, entry, camera_id, recordings[0].id, start=at
                )
            case MediaId(section=Section.VOD, day=date() as day, hour=int(hour)):
                begin = dt_util.as_utc(_vod_hour(day, hour))
                end = min(begin + timedelta(hours=1), dt_util.utcnow())
                if end <= begin:
                    raise _error(Unresolvable, "no_footage")
                return await async_open_vod(self.hass, entry, camera_id, start=begin, end=end)
        raise _error(Unresolvable, "not_playable")


def _vod_hour(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=dt_util.get_default_time_zone())


def _event_parts(event: CameraEvent) -> list[EventPart]:
    """The media an event has: its snapshot and its clip, when named."""
    return [part for part, pick in EVENT_MEDIA.items() if pick(event) is not None]


def _event_part(event_id: MediaId, part: EventPart, event: CameraEvent) -> BrowseMediaSource:
    if part is EventPart.SNAPSHOT:
        return _node(
            event_id.child(part=part),
            "Snapshot",
            media_class=MediaClass.IMAGE,
            content_type=MediaType.IMAGE,
            can_play=True,
            can_expand=False,
            thumbnail=True,
        )
    length = "" if event.clip_duration is None else f" ({event.clip_duration:.0f} s)"
    return _node(
        event_id.child(part=part),
        f"Clip{length}",
        media_class=MediaClass.VIDEO,
        can_play=True,
        can_expand=False,
        thumbnail=event.snapshot_url is not None,
    )


def _event_key(event: CameraEvent) -> str:
    return event.id or str(int(event.occurred_at.timestamp()))


_PERIOD: Final = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
_PERIOD_UNITS: Final = ("year", "month", "week", "day", "hour", "minute", "second")


def readable_period(text: str) -> str:
    """An ISO 8601 period as a person says it: P7D -> "7 days", P1M -> "1 month"."""
    match = _PERIOD.match(text.strip().upper())
    if match is None or not any(match.groups()):
        return text
    parts = [
        f"{int(value)} {unit}{'' if int(value) == 1 else 's'}"
        for value, unit in zip(match.groups(), _PERIOD_UNITS, strict=True)
        if value is not None
    ]
    return " ".join(parts)


def _day_clock(day: date, when: datetime) -> str:
    local = dt_util.as_local(when)
    if local.date() == day:
        return f"{local:%H:%M:%S}"
    # The day's end is the next midnight: "24:00:00" reads as this day's end.
    return "24:00:00"


def day_span(day: date, stretch: Segment) -> str:
    """A stretch of a day as it reads on that day's timeline (clipped to the day)."""
    first, last = day_bounds(day)
    start, end = max(stretch.start, first), min(stretch.end, last)
    if start == first and end == last:
        return "Whole day (00:00 - 24:00)"
    return f"{_day_clock(day, start)} - {_day_clock(day, end)}"


def _recording_title(index: int, recording: Recording) -> str:
    kept = f", kept {readable_period(recording.retention)}" if recording.retention else ""
    return f"Recording {index} ({recording.status.lower()}{kept})"
