"""Map Angelcam JSON (as decoded Nodes) to the normalized model."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

from ..decode import Node, each
from ..errors import PermissionDeniedError, RequestRejectedError
from ..model import (
    Account,
    ArrowClient,
    Broadcasting,
    Camera,
    CameraEvent,
    Capability,
    Clip,
    Incident,
    Message,
    NotificationMethod,
    NotificationRule,
    Permission,
    PlaybackControls,
    PlaybackPosition,
    PlaybackStream,
    Recording,
    RtsSettings,
    Segment,
    Site,
    Snapshot,
    Space,
    StreamUrl,
)

# Live formats and the capability each gives; fMP4 was `fmp4` in 2020 and `mp4` in 2026.
_LIVE_FORMATS = {"hls": Capability.LIVE_HLS, "mjpeg": Capability.LIVE_MJPEG}
_RECORDING_APP = "CRA"
_ARMING_PERMISSIONS = frozenset({"location.arming", "location.manage", "space.admin"})
# ISO 8601 durations as Angelcam writes them (PT5M, PT1H): days, hours, minutes, seconds.
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
# The spec's enums; a value outside them reads as UNKNOWN.
CAMERA_STATUSES = frozenset({"online", "offline", "unknown"})
ARROW_STATUSES = frozenset({"online", "offline", "not_paired"})
RECORDING_STATUSES = frozenset({"READY", "CONNECTING", "RECORDING", "STOPPING", "ERROR"})
CLIP_STATUSES = frozenset({"PENDING", "BUILDING", "READY", "ERROR"})
METHOD_TYPES = frozenset({"http", "email"})
MESSAGE_TYPES = (
    "my_incident",
    "shared_incident",
    "arming",
    "trigger_action",
    "open_incident_verification",
    "verify_incident",
    "close_incident",
    "arrow_status_online",
    "arrow_status_offline",
    "camera_status_online",
    "camera_status_offline",
)


def permission_from(item: Node) -> Permission:
    """AccessAssignmentObject -> Permission."""
    return Permission(
        permission=item.text("permission"),
        location_id=item.opt_ident("location_id"),
        camera_id=item.opt_ident("camera_id"),
    )


def space_from(node: Node) -> Space:
    """SpaceObject -> Space."""
    return Space(id=node.ident("id"), name=node.text("name"), is_default=node.flag("is_default"))


def choose_space(spaces: Sequence[Space], wanted: str | None) -> Space:
    """The wanted space, else the default one (else the first)."""
    if not spaces:
        # Every user owns a space; the API itself answers 403 for a user without one.
        raise PermissionDeniedError("angelcam: the user belongs to no space")
    if wanted is None:
        return next((s for s in spaces if s.is_default), spaces[0])
    space = next((s for s in spaces if s.id == wanted), None)
    if space is None:
        raise RequestRejectedError(
            f"angelcam: space {wanted} is not one of the user's spaces", 404, "not_found"
        )
    return space


def permissions_from(node: Node) -> tuple[Permission, ...]:
    """SpacePermissionsObject -> its assignments."""
    return tuple(each(node.array("assignments"), permission_from))


def can_arm(permissions: Iterable[Permission] | None, location_id: str) -> bool:
    """Whether the grants allow arming this location (None: permissions unknown, assume yes)."""
    if permissions is None:
        return True
    return any(
        grant.permission in _ARMING_PERMISSIONS
        and grant.camera_id is None
        and grant.location_id in {None, location_id}
        for grant in permissions
    )


def account_from(me: Node, space: Space | None) -> Account:
    """UserMeResponse (+ chosen space, if known) -> Account."""
    first = me.opt_text("first_name") or ""
    last = me.opt_text("last_name") or ""
    name = f"{first} {last}".strip() or me.text("email")
    return Account(
        vendor="angelcam",
        account_id=me.ident("id"),
        name=name,
        space_id=None if space is None else space.id,
        space_name=None if space is None else space.name,
    )


def page_of(node: Node) -> tuple[list[Node], str | None]:
    """A paginated list response -> (results, next URL)."""
    return node.array("results"), node.opt_text("next")


def location_from(
    node: Node, camera_ids: Sequence[str] = (), permissions: Iterable[Permission] | None = None
) -> Site:
    """LocationObject -> Site."""
    location_id = node.ident("id")
    allowed = can_arm(permissions, location_id)
    # Every location reports its next arming and disarming; arming needs the permission.
    capabilities = {Capability.ARMING_SCHEDULE} | ({Capability.ARMING} if allowed else set())
    return Site(
        id=location_id,
        name=node.text("name"),
        description=node.opt_text("description"),
        armed=node.flag("is_armed"),
        next_arming=node.opt_when("next_arming"),
        next_disarming=node.opt_when("next_disarming"),
        can_arm=allowed,
        camera_ids=tuple(camera_ids),
        capabilities=frozenset(capabilities),
    )


def applications_of(node: Node) -> tuple[str, ...]:
    """Application codes; the spec has `{code}` objects, older data plain strings."""
    return tuple(
        each(
            node.opt_array("applications"),
            lambda item: item.text("code") if isinstance(item.raw, dict) else item.as_str(),
        )
    )


def streams_of(node: Node) -> dict[str, str]:
    """Stream format -> URL (first one of each format)."""
    streams: dict[str, str] = {}
    for fmt, url in each(
        node.opt_array("streams"), lambda item: (item.text("format"), item.text("url"))
    ):
        streams.setdefault(fmt, url)
    return streams


def camera_from(node: Node, site_id: str | None = None) -> Camera:
    """CameraObject -> Camera."""
    status = node.choice("status", CAMERA_STATUSES)
    formats = tuple(streams_of(node))
    capabilities = {cap for fmt, cap in _LIVE_FORMATS.items() if fmt in formats}
    if node.has("live_snapshot") or node.has("snapshot"):
        capabilities.add(Capability.SNAPSHOT)
    if _RECORDING_APP in applications_of(node):
        capabilities |= {Capability.RECORDINGS, Capability.CLIPS}
    capabilities.add(Capability.EVENTS)
    return Camera(
        id=node.ident("id"),
        name=node.text("name"),
        online={"online": True, "offline": False}.get(status),
        status=status,
        capabilities=frozenset(capabilities),
        site_id=site_id,
        model=camera_model(codec := node.opt_text("type")),
        codec=codec,
        stream_formats=formats,
    )


CODEC_NAMES: Final = {"h264": "H.264", "h265": "H.265", "mjpeg": "MJPEG"}


def camera_model(codec: str | None) -> str:
    """The model a person reads: Angelcam names no hardware, only how the camera streams."""
    if codec is None:
        return "Cloud camera"
    return f"Cloud camera ({CODEC_NAMES.get(codec.lower(), codec)})"


def snapshot_from(
    account: Account,
    locations: Sequence[Node],
    cameras_by_location: Mapping[str, Sequence[Node]],
    permissions: Iterable[Permission] | None,
    fetched_at: datetime,
) -> Snapshot:
    """One full refresh (locations + their cameras) -> Snapshot; arming follows permissions."""
    grants = None if permissions is None else tuple(permissions)
    sites: dict[str, Site] = {}
    cameras: dict[str, Camera] = {}

    def site_of(location: Node) -> tuple[Site, list[Camera]]:
        location_id = location.ident("id")
        members = each(
            cameras_by_location.get(location_id, ()), lambda item: camera_from(item, location_id)
        )
        return location_from(location, [camera.id for camera in members], grants), members

    for site, members in each(locations, site_of):
        sites[site.id] = site
        # Arming is a location feature; cameras of an armable location show it too.
        extra = frozenset({Capability.ARMING}) if site.can_arm else frozenset()
        cameras.update(
            (camera.id, replace(camera, capabilities=camera.capabilities | extra))
            for camera in members
        )
    return Snapshot(account=account, sites=sites, cameras=cameras, fetched_at=fetched_at)


def token_expiry(url: str) -> datetime | None:
    """When a stream token expires, if it has Angelcam's `base64(json).signature` shape.

    The spec's example tokens decode to `{"time": <µs since epoch>, "timeout": <s>}`;
    anything else means "unknown" and the caller relies on the 301 refresh instead.
    """
    tokens = parse_qs(urlsplit(url).query).get("token")
    if not tokens:
        return None
    payload = tokens[0].split(".", 1)[0]
    try:
        data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False))
        issued = datetime.fromtimestamp(float(data["time"]) / 1_000_000, UTC)
        return issued + timedelta(seconds=float(data["timeout"]))
    except (ValueError, TypeError, KeyError, OverflowError, binascii.Error):
        return None


def stream_url_from(camera: Node, fmt: str, issued_at: datetime) -> StreamUrl | None:
    """The camera's stream URL of `fmt`, stamped with when we got it."""
    url = streams_of(camera).get(fmt)
    if url is None:
        return None
    return StreamUrl(url=url, format=fmt, issued_at=issued_at, expires_at=token_expiry(url))


def live_snapshot_url(camera: Node) -> str | None:
    """The live JPEG URL, else the stored snapshot URL."""
    if (url := camera.opt_text("live_snapshot")) is not None:
        return url
    snapshot = camera.opt("snapshot")
    return None if snapshot is None else snapshot.opt_text("url")


def arrow_client_from(node: Node) -> ArrowClient:
    """ArrowClientListObject (no status) or ArrowClientDetailObject -> ArrowClient."""
    # The list items carry no status at all: that is None, not UNKNOWN.
    status = node.choice("status", ARROW_STATUSES) if node.has("status") else None
    return ArrowClient(
        id=node.text("uuid"),
        mac=node.opt_text("mac"),
        online={"online": True, "offline": False}.get(status or ""),
        status=status,
    )


def incident_from(node: Node) -> Incident:
    """IncidentObject -> Incident."""
    count = node.opt_number("event_count")
    return Incident(
        id=node.ident("id"),
        created_at=node.when("created_at"),
        verified_at=node.opt_when("verified_at"),
        closed_at=node.opt_when("closed_at"),
        first_event_at=node.opt_when("first_event_occurred_at"),
        last_event_at=node.opt_when("last_event_occurred_at"),
        event_count=0 if count is None else int(count),
        snapshot_url=None
        if (snapshot := node.opt("snapshot")) is None
        else snapshot.opt_text("url"),
    )


def duration_from(node: Node) -> timedelta:
    """An ISO 8601 duration (PT5M) -> timedelta; years and months are not used by Angelcam."""
    match = _DURATION.fullmatch(node.as_str())
    if match is None or match.group(0) == "P":
        raise node.fail("expected an ISO 8601 duration such as PT5M")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def rts_settings_from(node: Node) -> RtsSettings:
    """RTSSettingsObject -> RtsSettings."""
    return RtsSettings(incident_ttl=duration_from(node.field("incident_ttl")))


def broadcasting_from(node: Node) -> Broadcasting:
    """BroadcastingResponse -> Broadcasting (the streams are not used)."""
    return Broadcasting(
        enabled=node.flag("enabled"), public_page=bool(node.opt_flag("public_page"))
    )


def unread_count_from(node: Node) -> int:
    """`{unread_count}` -> a count (the spec types it as a number)."""
    count = node.number("unread_count")
    if count < 0 or count != int(count):
        raise node.fail("expected a count", "unread_count")
    return int(count)


def message_from(node: Node) -> Message:
    """MessageObject -> Message."""
    return Message(
        id=node.ident("id"),
        type=node.choice("type", MESSAGE_TYPES),
        title=node.opt_text("title") or "",
        created_at=node.when("created_at"),
        is_read=node.flag("is_read"),
        short_message=node.opt_text("short_message"),
    )


def method_from(node: Node) -> NotificationMethod:
    """Http/EmailNotificationMethodObject -> NotificationMethod."""
    return NotificationMethod(
        id=node.ident("id"),
        name=node.opt_text("name") or "",
        type=node.choice("type", METHOD_TYPES),
        url=node.opt_text("url"),
        http_method=node.opt_text("http_method"),
        signature_key=node.opt_text("signature_private_key"),
    )


def rule_from(node: Node) -> NotificationRule:
    """NotificationRuleObject -> NotificationRule."""
    method = node.field("notification_method")
    # Some answers embed the method object instead of its id.
    method_id = method.ident("id") if isinstance(method.raw, dict) else method.as_id()
    return NotificationRule(
        id=node.ident("id"),
        method_id=method_id,
        message_type=node.choice("message_type", MESSAGE_TYPES),
        allowed_cameras=tuple(each(node.opt_array("allowed_cameras"), Node.as_id)),
    )


def recording_from(node: Node, camera_id: str) -> Recording:
    """RecordingResponse -> Recording."""
    return Recording(
        id=node.ident("id"),
        camera_id=camera_id,
        status=node.choice("status", RECORDING_STATUSES),
        retention=node.opt_text("retention"),
        deactivated_at=node.opt_when("deactivated_at"),
        start=node.opt_when("recording_start"),
        end=node.opt_when("recording_end"),
    )


def segments_from(node: Node) -> list[Segment]:
    """RecordingTimelineResponse -> its segments."""
    return each(
        node.opt_array("segments"),
        lambda item: Segment(start=item.when("start"), end=item.when("end")),
    )


def playback_stream_from(node: Node) -> PlaybackStream:
    """RecordingStreamResponse, nested `stream_controls` (spec) or flat (guide example)."""
    controls_node = node.opt("stream_controls")
    source = controls_node if controls_node is not None else node
    controls = None
    if source.has("base_url"):
        controls = PlaybackControls(
            base_url=source.text("base_url"),
            play=source.text("play"),
            pause=source.text("pause"),
            speed=source.text("speed"),
        )
    return PlaybackStream(
        url=node.text("url"),
        format=node.opt_text("format") or "hls",
        controls=controls,
        info_url=node.opt_text("stream_info"),
    )


def position_from(node: Node) -> PlaybackPosition:
    """Stream info: the schema says `current_position`, the example `current_time`."""
    position = node.opt_when("current_position")
    if position is None:
        position = node.opt_when("current_time")
    return PlaybackPosition(position=position, speed=node.opt_number("speed"))


def clip_from(node: Node, camera_id: str) -> Clip:
    """ClipObject -> Clip."""
    return Clip(
        id=node.ident("id"),
        camera_id=camera_id,
        name=node.opt_text("name") or "",
        status=node.choice("status", CLIP_STATUSES),
        start=node.when("start"),
        end=node.when("end"),
        created_at=node.opt_when("created_at"),
        download_url=node.opt_text("download_url"),
    )


def camera_event_from(node: Node) -> CameraEvent:
    """EventObject -> CameraEvent (Angelcam events carry no id)."""
    return CameraEvent(
        kind=node.text("category"),
        occurred_at=node.when("occurred_at"),
        camera_id=node.opt_ident("camera"),
        site_id=node.opt_ident("site"),
        title=node.opt_text("title"),
        source=node.opt_text("source"),
    )
