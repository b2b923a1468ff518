"""Named scenarios (demo, large, empty): the three vendors' states with deterministic credentials.

- ``empty``: credentials only; no NovaVMS sites/cameras, no OpenCamera devices.
- ``demo``: a small believable setup (2 NovaVMS sites, 6 cameras, past events; 2 OpenCamera
  devices, the second behaves like opencamd: only the live session is implemented).
- ``large``: at least 500 cameras across the vendors (NovaVMS alone has 480).

Background activity (motion events, a flapping camera) runs only when ``start_activity`` is
called (the demo does; tests drive events explicitly).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import random
from typing import Any, Final, Literal, get_args

from simulator import angelcam
from simulator.control import SimClock
from simulator.novavms import Event, Gateway, NovaState, Site, User, stable_id
from simulator.opencamera import OPENCAMD_ONLY, OpenCameraState

type ScenarioName = Literal["demo", "large", "empty"]
SCENARIOS: Final[tuple[str, ...]] = get_args(ScenarioName.__value__)
LARGE_NOVA_CAMERAS: Final = 480
LARGE_NOVA_SITES: Final = 12
LARGE_DEVICES: Final = 8


def secret(scenario: str, purpose: str, length: int = 32) -> str:
    """A deterministic credential (tests and the demo print them)."""
    return hashlib.sha256(f"camhub-sim:{scenario}:{purpose}".encode()).hexdigest()[:length]


@dataclass
class Scenario:
    """The states of one scenario, sharing a clock."""

    name: str
    clock: SimClock
    angelcam: angelcam.AngelcamState
    novavms: NovaState
    opencameras: list[OpenCameraState]
    _activity: asyncio.Task[None] | None = field(default=None, repr=False)

    def start_activity(self, interval: float = 20.0, seed: int = 0) -> None:
        """Start scheduled motion events and camera flapping (cancelled by ``stop_activity``)."""
        if self._activity is None:
            self._activity = asyncio.get_running_loop().create_task(
                self._run_activity(interval, random.Random(seed))
            )

    async def stop_activity(self) -> None:
        """Cancel the background activity, if any."""
        task, self._activity = self._activity, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run_activity(self, interval: float, rng: random.Random) -> None:
        while True:
            await asyncio.sleep(interval)
            self.activity_step(rng)

    def activity_step(self, rng: random.Random) -> None:
        """One tick of background life: motion events, sometimes a camera status flip."""
        self.angelcam.activity_step(rng)
        cameras = [c for c in self.novavms.live_cameras() if c.status in {"online", "offline"}]
        online = [c for c in cameras if c.status == "online"]
        if online:
            self.novavms.fire_event(rng.choice(online).id, rng.choice(("motion", "ai_tag")))
        if cameras and rng.random() < 0.25:
            flapping = rng.choice(cameras)
            target = "offline" if flapping.status == "online" else "online"
            self.novavms.set_camera_status(flapping.id, target)

    async def close(self) -> None:
        """Stop activity and release every state's resources."""
        await self.stop_activity()
        await self.novavms.close()
        for device in self.opencameras:
            await device.close()
        await self.angelcam.close()

    def credentials(self) -> dict[str, Any]:
        """Per-vendor credentials, without URLs."""
        return {
            "angelcam": self.angelcam.credentials(),
            "novavms": self.novavms.credentials(),
            "opencamera": [device.credentials() for device in self.opencameras],
        }


def build_novavms(name: str, now: Callable[[], datetime]) -> NovaState:
    """Populate the NovaVMS organisation of a scenario."""
    state = NovaState(org_id=stable_id(name, "org"), now=now, seed=name)
    if name == "empty":
        _keys(state, name, viewer_sites=())
        return state
    created = now() - timedelta(days=30)
    layout = (
        [("Headquarters", ["Lobby", "Parking", "Server room"]), ("Warehouse", ["Dock east"])]
        if name == "demo"
        else [
            (f"Site {s + 1:02d}", [f"Camera {s + 1:02d}-{c + 1:03d}" for c in range(per_site)])
            for s, per_site in enumerate(_split(LARGE_NOVA_CAMERAS, LARGE_NOVA_SITES))
        ]
    )
    for index, (site_name, cameras) in enumerate(layout):
        site = Site(
            id=stable_id(name, "site", index),
            name=site_name,
            timezone="Europe/Prague",
            created_at=created,
        )
        state.sites[site.id] = site
        gateway = Gateway(
            id=stable_id(name, "gateway", index),
            name=f"{site_name} gateway",
            site_id=site.id,
            local_ip=f"192.168.{index % 250}.2",
            last_heartbeat_at=created,
        )
        state.gateways[gateway.id] = gateway
        for number, camera_name in enumerate(cameras):
            camera = state.add_camera(
                camera_name,
                site.id,
                gateway.id,
                camera_id=stable_id(name, "camera", index, number),
            )
            camera.created_at = created
    if name == "demo":
        warehouse = list(state.sites)[1]
        yard = state.add_camera(
            "Yard",
            warehouse,
            None,
            camera_id=stable_id(name, "camera", "yard"),
            connection_mode="direct",
            camera_type="rtsp",
        )
        yard.created_at = created
        offline = state.add_camera(
            "Dock west",
            warehouse,
            list(state.gateways)[1],
            camera_id=stable_id(name, "camera", "w"),
        )
        offline.status, offline.created_at = "offline", created
        _history(state, now())
    _keys(state, name, viewer_sites=list(state.sites)[:1])
    return state


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _keys(state: NovaState, name: str, viewer_sites: list[str] | tuple[str, ...]) -> None:
    for role in ("admin", "operator"):
        state.add_key(f"Home Assistant ({role})", role, f"sk_live_{secret(name, role)}")
    state.add_key("Site viewer", "viewer", f"sk_live_{secret(name, 'viewer')}", viewer_sites)
    user = User(
        id=stable_id(name, "user", "ops"),
        email="ops@example.com",
        password=secret(name, "user-password", 16),
        display_name="Operations",
        role="operator",
    )
    state.users[user.email] = user


def _history(state: NovaState, now: datetime) -> None:
    """A few past events so the demo has something to show."""
    for minutes, (number, trigger) in zip(
        (90, 45, 10), ((0, "motion"), (1, "ai_tag"), (0, "manual")), strict=True
    ):
        camera = list(state.cameras.values())[number]
        event = Event(
            id=stable_id(state.seed, "event", minutes),
            camera_id=camera.id,
            trigger_type=trigger,
            triggered_at=now - timedelta(minutes=minutes),
            ai_status="skipped" if trigger == "manual" else "pending",
        )
        state.events[event.id] = event


def build_opencameras(name: str, now: Callable[[], datetime]) -> list[OpenCameraState]:
    """The OpenCamera devices of a scenario (one port each)."""
    count = {"empty": 0, "demo": 2, "large": LARGE_DEVICES}[name]
    devices = []
    for index in range(count):
        device = OpenCameraState(
            name=f"OpenCamera {index + 1}",
            uuid=stable_id(name, "opencamera", index),
            username="admin",
            password=secret(name, f"opencamera-{index}", 16),
            now=now,
        )
        if name == "demo" and index == 1:
            device.unsupported = set(OPENCAMD_ONLY)
        devices.append(device)
    return devices


def build(name: str, now: Callable[[], datetime] | None = None) -> Scenario:
    """Build scenario ``name`` on a shared clock (``now`` is followed when given)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; expected one of {SCENARIOS}")
    clock = now if isinstance(now, SimClock) else SimClock(base=now)
    return Scenario(
        name=name,
        clock=clock,
        angelcam=angelcam.build_state(name, now=clock),
        novavms=build_novavms(name, clock),
        opencameras=build_opencameras(name, clock),
    )
