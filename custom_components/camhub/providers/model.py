"""Normalized, vendor-neutral data the integration consumes (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final


class Capability(StrEnum):
    """What a camera (or, for the account-level ones, a Snapshot) offers.

    One table in the integration turns these into entities.
    """

    LIVE_HLS = "live_hls"
    LIVE_MJPEG = "live_mjpeg"
    LIVE_WEBRTC = "live_webrtc"
    SNAPSHOT = "snapshot"
    RECORDINGS = "recordings"
    CLIPS = "clips"
    CLIP_TRIGGER = "clip_trigger"
    ARMING = "arming"
    EVENTS = "events"
    FIRMWARE = "firmware"
    # Recorded video downloaded from the device (OpenCamera).
    VOD = "vod"
    # Events carry a snapshot or clip (NovaVMS).
    EVENT_MEDIA = "event_media"
    # The device reports itself: uptime, resolution, codecs (OpenCamera).
    DEVICE_INFO = "device_info"
    # The vendor names a camera's status beyond online/offline (NovaVMS).
    STATUS_DETAIL = "status_detail"
    # Sites: next arming and disarming (Angelcam).
    ARMING_SCHEDULE = "arming_schedule"
    # Camera: the Broadcasting service is active (its switch exists).
    BROADCASTING = "broadcasting"
    # Camera: its events can be acknowledged (NovaVMS).
    EVENT_ACK = "event_ack"
    # Account (Snapshot.capabilities): the incident TTL can be read and set (Angelcam RTS).
    INCIDENT_TTL = "incident_ttl"
    # Account: an unread-message count is kept (Angelcam RTS messages).
    UNREAD_MESSAGES = "unread_messages"
    # Account: its alert rules are read and can be enabled or disabled (NovaVMS).
    ALERT_RULES = "alert_rules"


class PushKind(StrEnum):
    """What a pushed webhook message is about."""

    INCIDENT = "incident"
    ARMING = "arming"
    CAMERA_STATUS = "camera_status"
    ARROW_STATUS = "arrow_status"
    GATEWAY_STATUS = "gateway_status"
    EVENT = "event"
    ALERT = "alert"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """Who we are logged in as: Angelcam user+space, NovaVMS organisation, OpenCamera device."""

    # The provider's key.
    vendor: str
    account_id: str
    name: str
    space_id: str | None = None
    space_name: str | None = None

    @property
    def unique_id(self) -> str:
        """Stable identity for a config entry: one per Angelcam space, organisation or device.

        An Angelcam space is named without its user: everyone invited to it sees the same
        cameras, so a second member's token must find the entry already there.
        """
        if self.space_id is None:
            return f"{self.vendor}:{self.account_id}"
        return f"{self.vendor}:space:{self.space_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Space:
    """An Angelcam space the user belongs to."""

    id: str
    name: str
    is_default: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Permission:
    """One permission grant: whole space (both ids None), one location, or one camera."""

    permission: str
    location_id: str | None
    camera_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A place holding cameras: Angelcam location, NovaVMS site."""

    id: str
    name: str
    armed: bool | None = None
    next_arming: datetime | None = None
    next_disarming: datetime | None = None
    can_arm: bool = False
    camera_ids: tuple[str, ...] = ()
    description: str | None = None
    capabilities: frozenset[Capability] = frozenset()

    def supports(self, capability: Capability) -> bool:
        """Whether the site offers the capability."""
        return capability in self.capabilities


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway:
    """A NovaVMS on-site gateway."""

    id: str
    name: str
    site_id: str | None
    online: bool
    status: str
    version: str | None = None
    last_heartbeat_at: datetime | None = None


# How an Arrow client's device is named (devices.py names it, the health reader parses it).
ARROW_DEVICE_PREFIX: Final = "Arrow client "


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrowClient:
    """An Angelcam Arrow client (e.g. an AngelBox) that connects cameras behind NAT."""

    id: str
    mac: str | None
    online: bool | None
    status: str | None = None
    # The cameras it connects; the API names them only in arrow_status pushes.
    camera_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Camera:
    """One camera with its online state and what it can do."""

    id: str
    name: str
    online: bool | None
    status: str
    capabilities: frozenset[Capability]
    site_id: str | None = None
    gateway_id: str | None = None
    # What a person calls the device ("Cloud camera (H.264)"), never a bare codec.
    model: str | None = None
    # The video codec the vendor names (h264, h265, mjpeg): it decides clip containers.
    codec: str | None = None
    firmware: str | None = None
    stream_formats: tuple[str, ...] = ()
    # NovaVMS: the stream tier viewers get now (`main` or a sub-stream).
    active_tier: str | None = None

    def supports(self, capability: Capability) -> bool:
        """Whether the camera offers the capability."""
        return capability in self.capabilities


@dataclass(frozen=True, slots=True, kw_only=True)
class Broadcasting:
    """An Angelcam camera's Broadcasting service: whether public broadcasting is on."""

    enabled: bool
    public_page: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRule:
    """A NovaVMS alert rule: what fires alerts, and whether it is enabled."""

    id: str
    name: str
    enabled: bool
    # motion, ai_person, ai_vehicle, camera_offline, ai_custom_tag (or "unknown").
    trigger_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything one coordinator poll needs, keyed by vendor id."""

    account: Account
    sites: Mapping[str, Site]
    cameras: Mapping[str, Camera]
    fetched_at: datetime
    gateways: Mapping[str, Gateway] = field(default_factory=dict)
    # OpenCamera: the device's own reports (system is None when the device answers 501).
    device: DeviceInfo | None = None
    system: SystemInfo | None = None
    # Angelcam: Arrow clients and cloud recordings, as far as they have been read yet.
    arrow_clients: Mapping[str, ArrowClient] = field(default_factory=dict)
    recordings: Mapping[str, tuple[Recording, ...]] = field(default_factory=dict)
    # Account-level controls and reads (INCIDENT_TTL, UNREAD_MESSAGES).
    capabilities: frozenset[Capability] = frozenset()
    incident_ttl: timedelta | None = None
    unread_messages: int | None = None
    # Camera id -> its broadcasting state (cameras with the Broadcasting service only).
    broadcasting: Mapping[str, Broadcasting] = field(default_factory=dict)
    # Rule id -> the rule (with ALERT_RULES: read, and the key may change them).
    alert_rules: Mapping[str, AlertRule] = field(default_factory=dict)

    def supports(self, capability: Capability) -> bool:
        """Whether the account offers the capability."""
        return capability in self.capabilities


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamUrl:
    """A live stream URL and how fresh it is; the URL holds a token so it stays out of repr."""

    url: str = field(repr=False)
    format: str
    issued_at: datetime
    expires_at: datetime | None = None
    camera_id: str | None = None

    def is_fresh(self, now: datetime, margin_seconds: float = 30.0) -> bool:
        """Whether the URL can still be handed to a player at `now`."""
        if self.expires_at is None:
            return True
        return (self.expires_at - now).total_seconds() > margin_seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """An Angelcam incident (alarm) with its lifecycle timestamps."""

    id: str
    created_at: datetime
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    event_count: int = 0
    camera_id: str | None = None
    site_id: str | None = None
    # The incident's own picture (a CDN URL, fetched without the API's token).
    snapshot_url: str | None = field(default=None, repr=False)

    @property
    def state(self) -> str:
        """`open`, `verified` or `closed`."""
        if self.closed_at is not None:
            return "closed"
        return "open" if self.verified_at is None else "verified"


@dataclass(frozen=True, slots=True, kw_only=True)
class RtsSettings:
    """Angelcam's Real Time Security settings of the space."""

    # An open incident closes when no event came for this long.
    incident_ttl: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class EventPicture:
    """A picture of what a camera reported, fetched once, soon after it is known."""

    camera_id: str
    # When the event happened (the picture entity's image_last_updated).
    taken_at: datetime
    fetch: Callable[[], Awaitable[bytes]]
    # What it pictures (an incident's or event's id): one picture is kept per key.
    key: str | None = None


def media_picture(
    fetch_media: Callable[[str], Awaitable[MediaFile]],
    url: str,
    *,
    camera_id: str,
    taken_at: datetime,
    key: str | None,
) -> EventPicture:
    """The picture at a media URL the vendor named (signed or on a CDN: no API request)."""

    async def fetch() -> bytes:
        return (await fetch_media(url)).content

    return EventPicture(camera_id=camera_id, taken_at=taken_at, fetch=fetch, key=key)


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraEvent:
    """Something a camera saw or did: motion, AI tag, manual trigger, vendor event."""

    kind: str
    occurred_at: datetime
    camera_id: str | None
    id: str | None = None
    title: str | None = None
    site_id: str | None = None
    source: str | None = None
    acknowledged: bool | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    snapshot_url: str | None = field(default=None, repr=False)
    # NovaVMS event detail only: the signed clip URL and the clip's length in seconds.
    clip_url: str | None = field(default=None, repr=False)
    clip_duration: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """A NovaVMS alert fired by an alert rule."""

    id: str
    rule_id: str | None
    rule_name: str | None
    event_id: str | None
    camera_id: str | None
    status: str
    fired_at: datetime
    acknowledged_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """An Angelcam RTS message (the polling fallback for webhooks)."""

    id: str
    type: str
    title: str
    created_at: datetime
    is_read: bool
    short_message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFile:
    """A downloaded media body (image, HLS playlist, video segment) and its MIME type."""

    content: bytes = field(repr=False)
    content_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaStream:
    """A media body being downloaded: its MIME type, size if known, and its chunks.

    Only valid inside the `async with` that opened it.
    """

    content_type: str
    size: int | None
    chunks: AsyncIterator[bytes] = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Recording:
    """A cloud recording of one camera (continuous or event-only)."""

    id: str
    camera_id: str
    status: str
    retention: str | None
    deactivated_at: datetime | None
    start: datetime | None
    end: datetime | None

    @property
    def active(self) -> bool:
        """Whether the recording service is still active."""
        return self.deactivated_at is None


def primary_recording(recordings: Iterable[Recording]) -> Recording | None:
    """The recording a camera's status shows: the first active one, else the first."""
    found = tuple(recordings)
    return next((r for r in found if r.active), found[0] if found else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A stretch of recorded footage."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackControls:
    """URLs that steer a recorded stream (no auth needed on the streamer host)."""

    base_url: str
    play: str
    pause: str
    speed: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackStream:
    """A recorded-footage stream and, when offered, its controls."""

    url: str = field(repr=False)
    format: str
    controls: PlaybackControls | None = None
    info_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackPosition:
    """Where a recorded stream is and how fast it plays."""

    position: datetime | None
    speed: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Clip:
    """A clip cut from a recording (built asynchronously)."""

    id: str
    camera_id: str
    name: str
    status: str
    start: datetime
    end: datetime
    created_at: datetime | None = None
    download_url: str | None = field(default=None, repr=False)

    @property
    def ready(self) -> bool:
        """Whether the clip can be downloaded."""
        return self.status == "READY"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClipTrigger:
    """The answer to a manual clip trigger."""

    camera_id: str
    event_id: str | None
    started_at: datetime | None
    expected_duration: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationMethod:
    """An Angelcam HTTP notification method (our webhook target)."""

    id: str
    name: str
    type: str
    url: str | None = field(default=None, repr=False)
    http_method: str | None = None
    signature_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationRule:
    """An Angelcam rule sending one message type to one method."""

    id: str
    method_id: str
    message_type: str
    allowed_cameras: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook:
    """A NovaVMS webhook; its secret is only known right after creation."""

    id: str
    name: str
    url: str = field(repr=False)
    event_types: tuple[str, ...]
    enabled: bool
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PushMessage:
    """A verified webhook delivery, normalized."""

    # The provider's key.
    vendor: str
    kind: PushKind
    sent_at: datetime | None
    title: str | None = None
    camera_id: str | None = None
    online: bool | None = None
    armed: bool | None = None
    incident_id: str | None = None
    delivery_id: str | None = None
    event: CameraEvent | None = None
    alert: Alert | None = None
    affected_camera_ids: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """An OpenCamera device's identity and media settings."""

    uuid: str
    uptime: int | None
    resolution: tuple[int, int] | None
    fps: int | None
    video_codec: str | None
    audio_codec: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo:
    """An OpenCamera device's firmware, storage and live-session settings."""

    firmware_version: str | None
    sdcard_free_gb: int | None
    sdcard_total_gb: int | None
    ice_servers: tuple[str, ...]
