"""The whole Angelcam simulator state and the scenario events tests and the demo drive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import hashlib
import random
from typing import Any

from simulator.angelcam_http import RateLimiter
from simulator.angelcam_live import StreamTokens
from simulator.angelcam_model import Broadcasting, Camera, CameraType, World, as_clock
from simulator.angelcam_recording import RecordingStore
from simulator.angelcam_recording_api import PlaybackOptions
from simulator.angelcam_rts import Event, Incident, Rts
from simulator.angelcam_webhooks import WebhookDispatcher


class AngelcamState:
    """Accounts, cameras, RTS, recordings, webhooks, rate limits: one simulated Angelcam."""

    def __init__(
        self, now: Callable[[], datetime] | None = None, *, secret: bytes = b"angelcam-sim"
    ) -> None:
        """Create an empty Angelcam on the clock ``now`` (real time when ``None``)."""
        self.clock = as_clock(now)
        self.world = World(self.clock, secret)
        self.webhooks = WebhookDispatcher(self.clock)
        self.rts = Rts(self.world, self.webhooks)
        self.recordings = RecordingStore(self.world)
        self.tokens = StreamTokens(self.world)
        self.rate_limiter = RateLimiter(self.clock)
        self.playback = PlaybackOptions()
        self.scenario = "custom"

    def now(self) -> datetime:
        """Return the simulated time."""
        return self.clock.now()

    def tick(self) -> None:
        """Apply everything due by now (delayed arming)."""
        self.rts.tick()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and apply what became due."""
        moved = self.clock.advance(seconds)
        self.tick()
        return moved

    # Scenario events -----------------------------------------------------------------------

    def set_camera_online(self, camera_id: int, *, online: bool) -> bool:
        """Take a camera online/offline (recordings pause meanwhile); return whether it changed."""
        camera = self.world.camera(camera_id)
        changed = self.rts.set_camera_status(camera, online=online)
        if changed:
            self.recordings.on_camera_status(camera, online=online)
        return changed

    def fire_motion(
        self, camera_id: int, *, title: str = "Motion detected", source: str = "http"
    ) -> tuple[Event, Incident | None]:
        """Fire a motion event on a camera; in an armed location it becomes an incident."""
        return self.rts.fire_motion(self.world.camera(camera_id), title=title, source=source)

    def set_arming(self, location_id: int, *, armed: bool, invoker: str = "My Angelcam") -> bool:
        """Arm or disarm a location "from outside" (another app, a schedule)."""
        location = self.world.location(location_id)
        location.pending = None
        return self.rts.set_arming(location, armed=armed, invoker=invoker)

    def set_arrow_online(self, uuid: str, *, online: bool) -> bool:
        """Take an Arrow client (and the cameras behind it) online or offline."""
        client = self.world.arrow_client(uuid)
        changed = self.rts.set_arrow_status(client, online=online)
        if changed:
            for camera in self.world.cameras_in(client.space_id):
                if camera.arrow_client == uuid:
                    self.recordings.on_camera_status(camera, online=online)
        return changed

    def add_camera(
        self,
        name: str,
        location_id: int,
        *,
        camera_type: CameraType = "h264",
        recording: bool = False,
        arrow_client: str | None = None,
        tags: list[str] | None = None,
        history_since: datetime | None = None,
        broadcasting: bool = False,
    ) -> Camera:
        """Connect a camera; ``recording``/``broadcasting`` give it those services."""
        location = self.world.location(location_id)
        camera_id = self.world.next_id("camera")
        camera = Camera(
            id=camera_id,
            space_id=location.space_id,
            location_id=location.id,
            name=name,
            type=camera_type,
            tags=list(tags or []),
            arrow_client=arrow_client,
            event_api_hash=hashlib.sha256(self.world.secret + str(camera_id).encode()).hexdigest()[
                :32
            ],
            snapshot_at=self.now(),
            broadcasting=Broadcasting() if broadcasting else None,
        )
        self.world.cameras[camera.id] = camera
        if recording:
            self.recordings.add(camera, since=history_since or self.now())
        return camera

    def remove_camera(self, camera_id: int) -> None:
        """Delete a camera with its recordings, clips and streams."""
        self.world.camera(camera_id)
        del self.world.cameras[camera_id]
        self.recordings.forget_camera(camera_id)

    def activity_step(self, rng: random.Random) -> None:
        """One random background event for the demo: motion, or a camera dropping/returning."""
        cameras = sorted(self.world.cameras.values(), key=lambda c: c.id)
        if not cameras:
            return
        camera = rng.choice(cameras)
        if camera.status != "online" or rng.random() < 0.1:
            self.set_camera_online(camera.id, online=camera.status != "online")
        else:
            self.fire_motion(camera.id)

    async def close(self) -> None:
        """Stop webhook deliveries in flight and close their HTTP session."""
        await self.webhooks.close()

    def credentials(self) -> dict[str, Any]:
        """Return the scenario's logins (the demo prints them; tests use them)."""
        users = [
            {
                "user_id": user.id,
                "email": user.email,
                "personal_access_token": user.personal_access_token,
                "bearer_token": user.bearer_token,
                "space_ids": [m.space_id for m in self.world.memberships_of(user.id)],
            }
            for user in sorted(self.world.users.values(), key=lambda u: u.id)
        ]
        return {**users[0], "users": users} if users else {"users": []}
