"""Motion bookkeeping from incidents and events (pure, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.camhub.providers.model import CameraEvent, Incident
from custom_components.camhub.providers.motion import (
    ANGELCAM_INCIDENT_TTL,
    NOVAVMS_EVENT_LENGTH,
    MotionTracker,
)

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _incident(closed: datetime | None = None, last: datetime | None = T0) -> Incident:
    return Incident(id="9", created_at=T0, last_event_at=last, closed_at=closed)


def test_events_turn_motion_on_for_their_length() -> None:
    tracker = MotionTracker()
    tracker.apply_events(
        [
            CameraEvent(kind="motion", occurred_at=T0, camera_id="a"),
            CameraEvent(kind="manual", occurred_at=T0, camera_id="b"),
            CameraEvent(kind="ai_tag", occurred_at=T0, camera_id=None),
        ]
    )
    assert tracker.until("a") == T0 + NOVAVMS_EVENT_LENGTH
    assert tracker.is_on("a", T0 + NOVAVMS_EVENT_LENGTH - timedelta(seconds=1))
    assert not tracker.is_on("a", T0 + NOVAVMS_EVENT_LENGTH)
    assert tracker.cameras() == {"a"}


def test_extend_never_shortens() -> None:
    tracker = MotionTracker()
    tracker.extend("a", T0 + timedelta(minutes=5))
    tracker.extend("a", T0)
    assert tracker.until("a") == T0 + timedelta(minutes=5)


def test_incident_lifecycle() -> None:
    tracker = MotionTracker()
    tracker.apply_incident(_incident(last=None), "a")
    assert tracker.until("a") == T0 + ANGELCAM_INCIDENT_TTL
    tracker.apply_incident(_incident(closed=T0 + timedelta(minutes=1)), "a")
    assert tracker.until("a") is None
    # A closed incident does not end newer motion it does not explain.
    tracker.extend("a", T0 + timedelta(hours=1))
    tracker.apply_incident(_incident(closed=T0 + timedelta(minutes=1)), "a")
    assert tracker.until("a") == T0 + timedelta(hours=1)
    tracker.apply_incident(_incident(closed=T0), "b")
    assert tracker.until("b") is None


def test_forgetting() -> None:
    tracker = MotionTracker()
    tracker.extend("a", T0)
    tracker.incident_cameras.update({"1": "a", "2": None})
    tracker.keep_incidents({"2"})
    assert tracker.incident_cameras == {"2": None}
    tracker.forget(["a", "z"])
    assert tracker.cameras() == set()
