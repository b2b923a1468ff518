"""Valid vendor JSON samples (shapes from the specs and notes) for mapping tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from custom_components.camhub.providers.angelcam import (
    map as amap,
    webhook as angelcam_webhook,
)
from custom_components.camhub.providers.decode import Node
from custom_components.camhub.providers.novavms import (
    client as novavms,
    webhook as novavms_webhook,
)
from custom_components.camhub.providers.opencamera import client as opencamera

NOW = datetime(2026, 1, 1, tzinfo=UTC)

CAMERA = {
    "id": 157,
    "name": "Parkside Office",
    "type": "h264",
    "snapshot": {"url": "https://cdn.example/s/157.jpg", "created_at": "2017-03-31T12:29:10.000Z"},
    "status": "online",
    "live_snapshot": "http://m1.example/stream/81/snapshot.jpg?token=abc.def",
    "streams": [
        {
            "format": "mjpeg",
            "url": "http://m1.example/stream/81/stream.mjpeg?token=abc",
            "refresh_rate": 0.1,
        },
        {"format": "hls", "url": "http://m1.example/stream/81/playlist.m3u8?token=abc"},
    ],
    "applications": [{"code": "LSA"}, {"code": "CRA"}],
    "low_latency_enabled": False,
    "audio_enabled": True,
    "enable_status_checks": True,
    "enable_periodical_snapshots": True,
    "tags": ["office"],
}
LOCATION = {
    "id": 1,
    "name": "My house",
    "description": None,
    "is_armed": True,
    "next_arming": "2025-06-28T23:03:00Z",
    "next_disarming": None,
    "cameras_count": 3,
}
INCIDENT = {
    "id": 1,
    "created_at": "2019-08-09T13:23:23.000Z",
    "verified_at": "2019-08-09T13:23:58.000Z",
    "closed_at": None,
    "first_event_occurred_at": "2019-08-09T13:23:20.000Z",
    "last_event_occurred_at": "2019-08-09T13:25:16.000Z",
    "event_count": 5,
    "incident_sharing_url": None,
    "snapshot": None,
}
MESSAGE = {
    "id": 3,
    "created_at": "2026-01-01T00:00:00Z",
    "title": "Motion detected",
    "type": "my_incident",
    "short_message": "Motion",
    "is_read": False,
}
METHOD = {
    "id": 85,
    "name": "camhub",
    "type": "http",
    "http_method": "POST",
    "url": "https://example.com/notify",
    "arrow_client": None,
    "signature_private_key": "CHDFXB3CLXSJ8",
}
RULE = {"id": 4, "notification_method": 85, "message_type": "arming", "allowed_cameras": [1]}
RECORDING = {
    "id": "df5fcd78-6114-4750-b23a-cec3c3febc5b",
    "status": "RECORDING",
    "retention": "P7D",
    "deactivated_at": None,
    "recording_start": "2024-05-02T10:32:11.000Z",
    "recording_end": "2024-05-07T16:58:07Z",
}
TIMELINE = {
    "start": "2017-01-01T00:00:00Z",
    "end": "2017-01-02T00:00:00Z",
    "segments": [{"start": "2017-01-01T00:00:18Z", "end": "2017-01-01T03:25:28Z"}],
}
PLAYBACK_NESTED = {
    "url": "https://rec.example/streams/df06/playlist.m3u8",
    "format": "hls",
    "stream_controls": {
        "base_url": "https://rec.example/recording/streams/df06/",
        "play": "https://rec.example/recording/streams/df06/play/",
        "pause": "https://rec.example/recording/streams/df06/pause/",
        "speed": "https://rec.example/recording/streams/df06/speed/",
    },
}
PLAYBACK_FLAT = {
    "url": "https://rec.example/streams/df06/playlist.m3u8",
    "base_url": "https://rec.example/recording/streams/df06/",
    "play": "https://rec.example/recording/streams/df06/play/",
    "pause": "https://rec.example/recording/streams/df06/pause/",
    "speed": "https://rec.example/recording/streams/df06/speed/",
}
CLIP = {
    "id": "b9aad334",
    "created_by": 1,
    "name": "Frontdoor",
    "status": "READY",
    "sharing_token": "cd13",
    "start": "2017-01-01T00:00:20.000Z",
    "end": "2017-01-01T00:25:20.000Z",
    "created_at": "2017-02-01T02:37:21.000Z",
    "download_url": "https://rust.example/clips/b9/download/?token=zzz",
}
EVENT = {
    "title": "Door open",
    "camera": 20,
    "site": None,
    "source": "smtp",
    "category": "motion_detected",
    "received_at": "2018-10-24T11:21:59.000Z",
    "occurred_at": "2018-10-24T11:21:39.000Z",
}
ME = {"id": 2929, "first_name": "John", "last_name": "Appleseed", "email": "john@example.com"}
PERMISSIONS = {
    "assignments": [
        {"permission": "camera.view", "location_id": 12, "camera_id": 345},
        {"permission": "location.arming", "location_id": 12, "camera_id": None},
    ]
}
ANGELCAM_PUSH_INCIDENT = {
    "user_name": "John",
    "user_email": "john@example.com",
    "title": "Motion detected",
    "short_description": "s",
    "long_description": "l",
    "incident_id": 9,
    "incident_category": "motion",
    "sensor_name": "Door",
    "incident_false_alarm": None,
}
NOVA_CAMERA = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Loading Dock East",
    "site_id": "b5e9f3a1",
    "gateway_id": "8f1a2b3c",
    "connection_mode": "gateway",
    "type": "onvif",
    "status": "online",
    "active_tier": "main",
}
NOVA_SITE = {"id": "b5e9f3a1", "name": "Warehouse", "org_id": "org-1"}
NOVA_GATEWAY = {
    "id": "8f1a2b3c",
    "name": "GW",
    "site_id": "b5e9f3a1",
    "status": "online",
    "version": "2.4.1",
    "local_ip": "192.168.1.2",
    "last_heartbeat_at": "2026-04-21T13:45:22Z",
}
NOVA_EVENT = {
    "id": "e1",
    "camera_id": "550e8400",
    "camera_name": "Dock",
    "camera_deleted": False,
    "trigger_type": "motion",
    "triggered_at": "2026-04-21T13:45:22Z",
    "summary": None,
    "tags": ["person"],
    "ai_status": "pending",
    "acknowledged": False,
    "starred": False,
    "snapshot_url": "https://storage.example/x.jpg?X-Goog-Signature=abc",
}
NOVA_ALERT = {
    "id": "a1",
    "rule_id": "r1",
    "rule_name": "Any motion",
    "event_id": "e1",
    "camera_id": "550e8400",
    "status": "new",
    "fired_at": "2026-04-21T13:45:22Z",
    "acknowledged_at": None,
}
NOVA_WEBHOOK = {
    "id": "w1",
    "name": "camhub",
    "url": "https://ha.example/api/webhook/x",
    "event_types": ["alert", "event"],
    "enabled": True,
    "secret": "whsec_live_abc",
}
NOVA_TRIGGER = {
    "event_id": "e2",
    "started_at": "2026-04-21T13:45:22Z",
    "expected_clip_duration_sec": 14,
}
NOVA_PUSH_ALERT = {
    "event_type": "alert",
    "timestamp": "2026-04-21T13:45:22Z",
    "webhook_id": "d1",
    "data": {"alert_id": "a1", "rule_id": "r1", "rule_name": "Any motion", "camera_id": "c1"},
}
OPENCAMERA_DEVICE = {
    "uuid": "0b7c6a52-1c3e-4a8e-9d55-3f1f0e0a7c11",
    "uptime": 1200,
    "resolution": "1920\u00d71080",
    "fps": 30,
    "video_codec": "H.264",
    "audio_codec": "G.711",
}
OPENCAMERA_SYSTEM = {
    "firmwareVersion": "1.0.3",
    "sdcard_free": 12,
    "sdcard_total": 32,
    "live_session_config": {"ice_servers": ["stun.l.google.com:19302"]},
}

type Mapper = Callable[[Node], Any]

# Every pure mapping function, each with a valid body it accepts.
MAPPERS: dict[str, tuple[Mapper, Any]] = {
    "angelcam.space": (amap.space_from, {"id": 1, "name": "Home", "is_default": True}),
    "angelcam.permissions": (amap.permissions_from, PERMISSIONS),
    "angelcam.account": (lambda n: amap.account_from(n, None), ME),
    "angelcam.page": (
        amap.page_of,
        {"count": 1, "next": None, "previous": None, "results": [CAMERA]},
    ),
    "angelcam.location": (amap.location_from, LOCATION),
    "angelcam.camera": (amap.camera_from, CAMERA),
    "angelcam.stream_url": (lambda n: amap.stream_url_from(n, "hls", NOW), CAMERA),
    "angelcam.live_snapshot": (amap.live_snapshot_url, CAMERA),
    "angelcam.incident": (amap.incident_from, INCIDENT),
    "angelcam.message": (amap.message_from, MESSAGE),
    "angelcam.method": (amap.method_from, METHOD),
    "angelcam.rule": (amap.rule_from, RULE),
    "angelcam.recording": (lambda n: amap.recording_from(n, "1"), RECORDING),
    "angelcam.timeline": (amap.segments_from, TIMELINE),
    "angelcam.playback_nested": (amap.playback_stream_from, PLAYBACK_NESTED),
    "angelcam.playback_flat": (amap.playback_stream_from, PLAYBACK_FLAT),
    "angelcam.position": (amap.position_from, {"current_time": "2024-01-16T00:00:59Z", "speed": 1}),
    "angelcam.clip": (lambda n: amap.clip_from(n, "1"), CLIP),
    "angelcam.event": (amap.camera_event_from, EVENT),
    "angelcam.push": (angelcam_webhook.push_from, ANGELCAM_PUSH_INCIDENT),
    "novavms.account": (
        lambda n: novavms.account_from(n.array("data"), "k"),
        {"data": [NOVA_SITE]},
    ),
    "novavms.site": (novavms.site_from, NOVA_SITE),
    "novavms.camera": (novavms.camera_from, NOVA_CAMERA),
    "novavms.gateway": (novavms.gateway_from, NOVA_GATEWAY),
    "novavms.event": (novavms.event_from, NOVA_EVENT),
    "novavms.alert": (novavms.alert_from, NOVA_ALERT),
    "novavms.webhook": (novavms.webhook_from, NOVA_WEBHOOK),
    "novavms.trigger": (lambda n: novavms.trigger_from(n, "c1"), NOVA_TRIGGER),
    "novavms.push": (novavms_webhook.push_from, NOVA_PUSH_ALERT),
    "opencamera.device": (opencamera.device_info_from, OPENCAMERA_DEVICE),
    "opencamera.system": (opencamera.system_info_from, OPENCAMERA_SYSTEM),
}
