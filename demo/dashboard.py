"""Build the demo's Lovelace dashboard from the CamHub entities Home Assistant reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _domain(entity_id: str) -> str:
    return entity_id.split(".", 1)[0]


def build_dashboard(states: Iterable[Mapping[str, Any]], camhub_ids: set[str]) -> dict[str, Any]:
    """A two-view dashboard: an overview with snapshots, panels and sensors, and live views."""
    ours = sorted((s for s in states if s["entity_id"] in camhub_ids), key=lambda s: s["entity_id"])

    def ids(domain: str, device_class: str | None = None) -> list[str]:
        return [
            s["entity_id"]
            for s in ours
            if _domain(s["entity_id"]) == domain
            and (device_class is None or s["attributes"].get("device_class") == device_class)
        ]

    cameras = ids("camera")
    motion = ids("binary_sensor", "motion")
    online = ids("binary_sensor", "connectivity")
    overview: list[dict[str, Any]] = [
        {
            "type": "picture-entity",
            "entity": camera,
            "camera_view": "auto",
            "show_state": True,
            "show_name": True,
        }
        for camera in cameras
    ]
    overview.extend(
        {"type": "alarm-panel", "entity": panel, "states": ["arm_away"]}
        for panel in ids("alarm_control_panel")
    )
    for title, entities in (
        ("Motion", motion),
        ("Online", online),
        ("Record a clip", ids("button")),
        # Account and camera controls: incident timeout, broadcasting, alert rules.
        ("Settings", ids("select") + ids("switch")),
    ):
        if entities:
            overview.append({"type": "entities", "title": title, "entities": entities})
    incidents = motion + ids("event")
    if incidents:
        overview.append(
            {
                "type": "logbook",
                "title": "Recent incidents",
                "entities": incidents,
                "hours_to_show": 24,
            }
        )
    live = [
        {"type": "picture-entity", "entity": camera, "camera_view": "live", "show_state": False}
        for camera in cameras
    ]
    # Each camera's "Last event" picture; its state is the event's time.
    events = [
        {"type": "picture-entity", "entity": image, "show_state": True, "show_name": True}
        for image in ids("image")
    ]
    views = [
        {"title": "Cameras", "path": "cameras", "icon": "mdi:cctv", "cards": overview},
        {"title": "Live", "path": "live", "icon": "mdi:video", "cards": live},
    ]
    if events:
        views.append({"title": "Events", "path": "events", "icon": "mdi:history", "cards": events})
    return {"title": "CamHub", "views": views}
