"""What a connection may offer besides polling: one typed protocol per feature (HA-free).

A connection sets a feature to None when its vendor lacks it; nothing checks these with
isinstance. The signatures are the clients' own, so a client usually is the feature.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from .model import (
    CameraEvent,
    Clip,
    ClipTrigger,
    PlaybackPosition,
    PlaybackStream,
    Recording,
    Segment,
    Site,
    Snapshot,
    StreamUrl,
)


class CameraImages(Protocol):
    """A still image of a camera."""

    async def async_camera_image(self, camera_id: str) -> bytes:
        """The camera's current image."""
        ...


class LiveStreams(Protocol):
    """Live stream URLs that expire and can be refreshed."""

    async def async_stream_url(
        self, camera_id: str, fmt: str = "hls", *, fresh: bool = False
    ) -> StreamUrl:
        """A live stream URL of the format; `fresh` skips any cached one."""
        ...

    async def async_refresh_stream_url(self, stream: StreamUrl) -> StreamUrl:
        """The stream's current URL (follows the vendor's redirect)."""
        ...


class WebRTCOffers(Protocol):
    """A WebRTC answer to a browser's offer."""

    async def async_webrtc_offer(self, camera_id: str, sdp: str) -> str:
        """The SDP answer to `sdp` for the camera."""
        ...


class Arming(Protocol):
    """Arming and disarming a site."""

    async def async_arm(self, site_id: str) -> None:
        """Arm the site."""
        ...

    async def async_disarm(self, site_id: str) -> None:
        """Disarm the site."""
        ...

    async def async_fetch_site(self, site_id: str) -> Site:
        """The site as the vendor reports it now."""
        ...


class ClipTriggers(Protocol):
    """A clip recorded on demand."""

    async def async_trigger_clip(
        self, camera_id: str, duration: int = 10, note: str | None = None
    ) -> ClipTrigger:
        """Record a clip of `duration` seconds now."""
        ...


class CloudRecordings(Protocol):
    """Cloud recordings: timeline, playback, clips and recording on demand."""

    @property
    def min_record_seconds(self) -> int:
        """The shortest recording the vendor starts on demand."""
        ...

    async def async_fetch_recordings(self, camera_id: str) -> list[Recording]:
        """The camera's recordings."""
        ...

    async def async_fetch_timeline(
        self, recording_id: str, start: datetime, end: datetime
    ) -> list[Segment]:
        """Recorded stretches between `start` and `end`."""
        ...

    async def async_start_recording(
        self, recording_id: str, duration_seconds: int | None = None
    ) -> None:
        """Start recording, for `duration_seconds` or until stopped."""
        ...

    async def async_fetch_clips(self, camera_id: str) -> list[Clip]:
        """The camera's clips."""
        ...

    async def async_fetch_clip(self, camera_id: str, clip_id: str) -> Clip:
        """One clip."""
        ...

    async def async_create_clip(
        self,
        camera_id: str,
        *,
        name: str,
        start: datetime,
        end: datetime,
        recording_id: str | None = None,
    ) -> Clip:
        """Cut a clip from the recording."""
        ...

    async def async_playback_stream(
        self, recording_id: str, start: datetime, end: datetime | None = None
    ) -> PlaybackStream:
        """A stream of recorded footage from `start`."""
        ...

    async def async_playback_position(self, stream: PlaybackStream) -> PlaybackPosition:
        """Where the recorded stream is and how fast it plays."""
        ...

    async def async_playback_control(
        self, stream: PlaybackStream, action: Literal["play", "pause"]
    ) -> None:
        """Play or pause the recorded stream."""
        ...

    async def async_playback_speed(self, stream: PlaybackStream, speed: int) -> None:
        """Set the recorded stream's speed."""
        ...

    async def async_recording_snapshot(self, recording_id: str, at: datetime) -> bytes:
        """A still image of the recording at `at`."""
        ...


class EventLog(Protocol):
    """A camera's past events."""

    async def async_fetch_camera_events(
        self, camera_id: str, *, since: datetime, limit: int
    ) -> list[CameraEvent]:
        """The camera's newest events (at most `limit`), newest first."""
        ...

    async def async_fetch_event(self, event_id: str) -> CameraEvent:
        """One event in full (only for cameras with EVENT_MEDIA)."""
        ...


class EventAcknowledgement(Protocol):
    """A camera event marked as seen (for cameras with EVENT_ACK)."""

    async def async_acknowledge_event(self, event_id: str) -> None:
        """Mark the event acknowledged."""
        ...


class RecordedVideo(Protocol):
    """Recorded video downloaded from the device."""

    async def async_fetch_vod(self, start: datetime, end: datetime) -> bytes:
        """The video between `start` and `end`, read whole (seconds of it, for a still)."""
        ...

    async def async_download_vod(self, start: datetime, end: datetime, destination: Path) -> int:
        """Write the video between `start` and `end` to `destination`; the bytes written."""
        ...


class FirmwareInstaller(Protocol):
    """A firmware image installed on the device."""

    async def async_upgrade_firmware(self, image: Path, progress: Callable[[int], None]) -> None:
        """Upload and install `image`; `progress` hears the bytes sent."""
        ...


class LiveConfig(Protocol):
    """The device's live-session settings (ICE servers)."""

    def ice_servers(self, snapshot: Snapshot) -> tuple[str, ...] | None:
        """The configured servers; None when the device cannot change them."""
        ...

    async def async_set_ice_servers(self, servers: list[str]) -> dict[str, str]:
        """Validate and store the servers; form errors by field (empty: stored)."""
        ...


class IncidentTtl(Protocol):
    """The account's incident TTL: how long an incident stays open after its last event."""

    async def async_set_incident_ttl(self, snapshot: Snapshot, ttl: timedelta) -> Snapshot:
        """Set the TTL; `snapshot` with what the vendor answered (no poll needed)."""
        ...


class BroadcastControl(Protocol):
    """A camera's public broadcasting, started and stopped."""

    async def async_set_broadcasting(
        self, snapshot: Snapshot, camera_id: str, *, enabled: bool
    ) -> Snapshot:
        """Start or stop broadcasting; `snapshot` with the camera's new state."""
        ...


class AlertRuleControl(Protocol):
    """The account's alert rules, enabled and disabled."""

    async def async_set_alert_rule(
        self, snapshot: Snapshot, rule_id: str, *, enabled: bool
    ) -> Snapshot:
        """Enable or disable the rule; `snapshot` with the rule as the vendor answered."""
        ...
