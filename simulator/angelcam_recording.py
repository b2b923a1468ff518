"""Angelcam Cloud Recording state: recordings and their footage, playback streams, clips.

Footage is a list of spans per recording; an open span is still recording. Playback positions
and clip progress are computed from the simulated clock when read, so tests move time instead
of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
import secrets
from typing import Final, Literal
import uuid

from aiohttp import web

from simulator.angelcam_model import Camera, NotFoundError, World, lookup

type RecordingKind = Literal["continuous", "event"]

SPEEDS: Final = (1, 2, 4, 8, 16)
STREAM_IDLE: Final = timedelta(minutes=5)  # [inferred] a playback stream nobody polls expires
CLIP_PENDING: Final = timedelta(seconds=5)
CLIP_BUILDING: Final = timedelta(seconds=15)
MAX_TIMELINE: Final = timedelta(days=1)
MAX_CLIP: Final = timedelta(hours=3)
MIN_DURATION: Final = 30
MAX_DURATION: Final = 1800


@dataclass(slots=True)
class Span:
    """A continuous block of recorded video; ``end=None`` while recording."""

    start: datetime
    end: datetime | None = None


@dataclass(slots=True)
class Recording:
    """One recording configuration of a camera (continuous or event-only)."""

    id: str
    camera_id: int
    kind: RecordingKind = "continuous"
    retention: timedelta = timedelta(days=7)
    spans: list[Span] = field(default_factory=list)
    wanted: bool = False  # the user wants it recording (it pauses while the camera is offline)
    auto_stop: datetime | None = None
    deactivated_at: datetime | None = None

    def settle(self, now: datetime) -> None:
        """Apply a scheduled auto-stop whose time has come."""
        if self.auto_stop is not None and now >= self.auto_stop:
            self.close(self.auto_stop)
            self.wanted = False
            self.auto_stop = None

    def close(self, when: datetime) -> None:
        """End the open span at ``when``."""
        if self.spans and self.spans[-1].end is None:
            self.spans[-1].end = max(when, self.spans[-1].start)

    def open(self, when: datetime) -> None:
        """Start a new span at ``when`` unless one is open."""
        if not self.spans or self.spans[-1].end is not None:
            last_end = self.spans[-1].end if self.spans else None
            self.spans.append(Span(max(when, last_end) if last_end else when))

    def status(self, now: datetime, camera_online: bool) -> str:
        """RECORDING while a span is open, CONNECTING when wanted but offline, else READY."""
        self.settle(now)
        if self.spans and self.spans[-1].end is None:
            return "RECORDING"
        return "CONNECTING" if self.wanted and not camera_online else "READY"

    def footage(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """Return the retained spans as closed intervals (an open span ends now)."""
        self.settle(now)
        oldest = now - self.retention
        spans = []
        for span in self.spans:
            end = span.end or now
            if end > oldest and end > span.start:
                spans.append((max(span.start, oldest), end))
        return spans

    def between(
        self, now: datetime, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Return the footage inside ``start``..``end``."""
        return [(max(s, start), min(e, end)) for s, e in self.footage(now) if s < end and e > start]

    def covers(self, now: datetime, when: datetime) -> bool:
        """Whether there is footage at ``when``."""
        return any(s <= when < e for s, e in self.footage(now))


@dataclass(slots=True)
class PlaybackStream:
    """A playback session created by ``recording/{id}/stream/`` with its position."""

    id: str
    recording_id: str
    camera_id: int
    start: datetime
    end: datetime | None
    limit: datetime  # where footage ends for this stream
    indices: list[int]  # media segment indices listed in the playlist
    anchor_at: datetime
    anchor_position: datetime
    last_seen: datetime
    speed: int = 1
    paused: bool = False

    def position(self, now: datetime) -> datetime:
        """The recording time shown right now."""
        if self.paused:
            return self.anchor_position
        moved = self.anchor_position + (now - self.anchor_at) * self.speed
        return min(moved, self.limit)

    def _reanchor(self, now: datetime) -> None:
        self.anchor_position = self.position(now)
        self.anchor_at = now

    def pause(self, now: datetime) -> None:
        """Freeze the position."""
        self._reanchor(now)
        self.paused = True

    def play(self, now: datetime) -> None:
        """Resume from the frozen position."""
        self._reanchor(now)
        self.paused = False

    def set_speed(self, now: datetime, speed: int) -> None:
        """Play on at ``speed`` times real time."""
        self._reanchor(now)
        self.speed = speed


@dataclass(slots=True)
class Clip:
    """A clip request; it is processed in the background (PENDING, BUILDING, READY)."""

    id: str
    camera_id: int
    recording_id: str
    created_by: int
    created_at: datetime
    name: str
    start: datetime
    end: datetime
    sharing_token: str = field(default_factory=lambda: str(uuid.uuid4()))

    def status(self, now: datetime) -> str:
        """Processing state at ``now``."""
        age = now - self.created_at
        if age < CLIP_PENDING:
            return "PENDING"
        return "BUILDING" if age < CLIP_BUILDING else "READY"


class RecordingStore:
    """Every camera's recordings, the live playback streams and the clips."""

    def __init__(self, world: World, segment_seconds: int = 2, max_segments: int = 30) -> None:
        """Create an empty store; playlists list at most ``max_segments`` media segments."""
        self.world = world
        self.segment_seconds = segment_seconds
        self.max_segments = max_segments
        self.recordings: dict[str, Recording] = {}
        self.streams: dict[str, PlaybackStream] = {}
        self.clips: dict[str, Clip] = {}

    def add(
        self,
        camera: Camera,
        *,
        kind: RecordingKind = "continuous",
        since: datetime | None = None,
        gaps: list[tuple[datetime, datetime]] | None = None,
        retention: timedelta = timedelta(days=7),
    ) -> Recording:
        """Give ``camera`` a recording, recording since ``since`` apart from ``gaps``."""
        recording = Recording(str(uuid.uuid4()), camera.id, kind, retention)
        if since is not None:
            cursor = since
            for gap_start, gap_end in sorted(gaps or []):
                recording.spans.append(Span(cursor, gap_start))
                cursor = gap_end
            recording.spans.append(Span(cursor, None if camera.status == "online" else cursor))
            recording.wanted = True
        if "CRA" not in camera.applications:
            camera.applications.append("CRA")
        self.recordings[recording.id] = recording
        return recording

    def of_camera(self, camera_id: int) -> list[Recording]:
        """Return a camera's recordings, continuous first."""
        return sorted(
            (r for r in self.recordings.values() if r.camera_id == camera_id),
            key=lambda r: (r.kind != "continuous", r.id),
        )

    def recording(self, recording_id: str) -> Recording:
        """Return a recording or raise ``NotFoundError``."""
        return lookup(self.recordings, recording_id, "recording")

    def forget_camera(self, camera_id: int) -> None:
        """Drop a removed camera's recordings, streams and clips."""
        for table in (self.recordings, self.streams, self.clips):
            for key in [k for k, v in table.items() if v.camera_id == camera_id]:
                del table[key]

    def on_camera_status(self, camera: Camera, *, online: bool) -> None:
        """Pause wanted recordings while the camera is offline; resume them when it is back."""
        now = self.world.now()
        for recording in self.of_camera(camera.id):
            recording.settle(now)
            if not recording.wanted:
                continue
            if online:
                recording.open(now)
            else:
                recording.close(now)

    def start(
        self, recording: Recording, *, start_from: datetime | None, stop_at: datetime | None
    ) -> None:
        """Start (or extend) recording; ``stop_at=None`` records until stopped."""
        now = self.world.now()
        recording.settle(now)
        begin = min(start_from, now) if start_from is not None else now
        recording.wanted = True
        if self.world.camera(recording.camera_id).status == "online":
            recording.open(begin)
        if stop_at is None:
            recording.auto_stop = None
        else:
            # Of several auto-stop requests the one ending later wins.
            recording.auto_stop = max(stop_at, recording.auto_stop or stop_at)

    def stop(self, recording: Recording) -> None:
        """Stop recording now."""
        now = self.world.now()
        recording.settle(now)
        recording.close(now)
        recording.wanted = False
        recording.auto_stop = None

    def open_stream(
        self, recording: Recording, start: datetime, end: datetime | None
    ) -> PlaybackStream:
        """Create a playback stream from ``start`` (to ``end`` or the end of the footage)."""
        now = self.world.now()
        footage = recording.footage(now)
        footage_end = footage[-1][1] if footage else start
        limit = min(end, footage_end) if end is not None else footage_end
        stream = PlaybackStream(
            id=secrets.token_hex(16),
            recording_id=recording.id,
            camera_id=recording.camera_id,
            start=start,
            end=end,
            limit=max(limit, start),
            indices=[],
            anchor_at=now,
            anchor_position=start,
            last_seen=now,
        )
        self._index(stream, recording)
        self.streams[stream.id] = stream
        return stream

    def _index(self, stream: PlaybackStream, recording: Recording) -> None:
        """List the media segments of the playlist: ``speed`` apart, gaps skipped."""
        seconds = self.segment_seconds
        footage = recording.footage(self.world.now())
        first = math.floor(stream.start.timestamp()) // seconds
        last = math.ceil(stream.limit.timestamp() / seconds)  # exclusive
        stream.indices = []
        for index in range(first, last, stream.speed):
            begin = datetime.fromtimestamp(index * seconds, UTC)
            end = begin + timedelta(seconds=seconds)
            if any(s < end and e > begin for s, e in footage):
                stream.indices.append(index)
                if len(stream.indices) == self.max_segments:
                    return

    def stream(self, stream_id: str) -> PlaybackStream:
        """Return a live playback stream (touching it) or raise ``NotFoundError``."""
        now = self.world.now()
        stream = self.streams.get(stream_id)
        if stream is None or now - stream.last_seen > STREAM_IDLE:
            self.streams.pop(stream_id, None)
            raise NotFoundError(f"stream {stream_id}")
        stream.last_seen = now
        return stream

    def set_speed(self, stream: PlaybackStream, speed: int) -> None:
        """Re-prepare the playlist at ``speed`` (the streamer does this on a speed request)."""
        stream.set_speed(self.world.now(), speed)
        self._index(stream, self.recording(stream.recording_id))

    def create_clip(
        self,
        camera: Camera,
        recording: Recording,
        *,
        user_id: int,
        name: str,
        start: datetime,
        end: datetime,
    ) -> Clip:
        """Queue a clip of ``start``..``end``."""
        clip = Clip(
            str(uuid.uuid4()), camera.id, recording.id, user_id, self.world.now(), name, start, end
        )
        self.clips[clip.id] = clip
        return clip

    def clips_of(self, camera_id: int) -> list[Clip]:
        """Return a camera's clips, newest first."""
        return sorted(
            (c for c in self.clips.values() if c.camera_id == camera_id),
            key=lambda c: c.created_at,
            reverse=True,
        )


RECORDING_KEY: Final = web.AppKey("angelcam_recording", RecordingStore)
