"""Which cameras see motion now, and until when, from incidents and events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .model import CameraEvent, Incident

# Angelcam's default RTS incident TTL (an incident closes when no event came for this long),
# used until the account's own setting has been read.
ANGELCAM_INCIDENT_TTL = timedelta(minutes=5)
# NovaVMS events carry one timestamp; motion counts as ongoing this long after it.
NOVAVMS_EVENT_LENGTH = timedelta(seconds=60)
NOVAVMS_MOTION_KINDS = frozenset({"motion", "ai_tag"})


class MotionTracker:
    """Camera id -> the moment its motion ends."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}
        # The account's RTS incident TTL (Angelcam), once read.
        self.incident_ttl = ANGELCAM_INCIDENT_TTL
        # Incident id -> camera id, once resolved (a lookup can cost requests).
        self.incident_cameras: dict[str, str | None] = {}

    def until(self, camera_id: str) -> datetime | None:
        """When the camera's current motion ends (None: no motion known)."""
        return self._until.get(camera_id)

    def is_on(self, camera_id: str, now: datetime) -> bool:
        """Whether the camera sees motion at `now`."""
        until = self._until.get(camera_id)
        return until is not None and until > now

    def extend(self, camera_id: str, until: datetime) -> None:
        """Motion on the camera lasts at least until `until`."""
        current = self._until.get(camera_id)
        if current is None or until > current:
            self._until[camera_id] = until

    def end(self, camera_id: str) -> None:
        """Motion on the camera is over."""
        self._until.pop(camera_id, None)

    def apply_events(self, events: Iterable[CameraEvent]) -> None:
        """NovaVMS: motion and AI events turn motion on for the event's length."""
        for event in events:
            if event.camera_id is not None and event.kind in NOVAVMS_MOTION_KINDS:
                self.extend(event.camera_id, event.occurred_at + NOVAVMS_EVENT_LENGTH)

    def apply_incident(self, incident: Incident, camera_id: str) -> None:
        """Angelcam: an open incident keeps motion on for the TTL after its last event.

        A closed one ends only the motion it explains, not newer motion (say, pushed).
        """
        expiry = (incident.last_event_at or incident.created_at) + self.incident_ttl
        if incident.closed_at is None:
            self.extend(camera_id, expiry)
        elif (current := self._until.get(camera_id)) is not None and current <= expiry:
            self.end(camera_id)

    def keep_incidents(self, incident_ids: set[str]) -> None:
        """Forget resolved incidents that dropped off the newest page."""
        for incident_id in self.incident_cameras.keys() - incident_ids:
            del self.incident_cameras[incident_id]

    def cameras(self) -> set[str]:
        """Cameras with motion known."""
        return set(self._until)

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop cameras that no longer exist."""
        for camera_id in camera_ids:
            self._until.pop(camera_id, None)
