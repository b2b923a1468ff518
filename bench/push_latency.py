"""Print CamHub's webhook-to-state latency at 6, 200 and 500 cameras, and what push saves polling.

Run: PYTHONPATH=. .venv/bin/python bench/push_latency.py  (a few minutes)
One real Home Assistant, served over HTTP on a free 127.0.0.1 port that is set as its external
URL, sets up six entries: a NovaVMS organisation and an Angelcam space of 6, 200 and 500
cameras each (one simulator stack per entry, grown by simulator.populate). Every push channel
registers that URL with its simulator, which then delivers signed camera_status pushes over
real HTTP. Latency is timed with time.perf_counter from the simulator's status change (which
starts its delivery at once) to the state_changed event of the camera's online binary_sensor,
over PUSHES deliveries per entry flipping cameras offline and online in turn. The entries take
turns push by push, so the machine's load (it is shared) falls on every size alike; the state
writes each push caused are counted too (a push should write one camera's entities, whatever
the size). Angelcam deliveries carry no id: the same camera's same status twice in one second
is one JWT, which CamHub takes for a replay, so such a repeat waits, untimed, for the next
second. Rate limits are left on: Angelcam's registration waits, in real time, for the client's
20-a-minute budget to have room after setup (the wait is printed). Then, per entry, the
coordinator's planned interval and its measured requests per poll give the polling requests a
day (polling.requests_per_day) before any push and after verified pushes made it push_healthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
import statistics
import time

from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.ha_harness import WriteCounter, grown_entries, running_hass, serve
from custom_components.camhub.const import DOMAIN
from custom_components.camhub.coordinator import CamHubCoordinator
from custom_components.camhub.providers.polling import requests_per_day
from custom_components.camhub.push import PushChannel
from simulator.stack import SimulatorStack

SIZES = (6, 200, 500)
PUSHES = 600
# Untimed flips first, so every entry is push healthy and warm.
WARMUP_PUSHES = 12
PUSH_TIMEOUT = 5.0
# Angelcam's first registration waits up to a minute for room in the minute's budget.
REGISTER_TIMEOUT = 150.0


@dataclass(frozen=True, kw_only=True)
class Pusher:
    """How one vendor's simulator is made to push a camera status change."""

    set_online: Callable[[str, bool], object]
    drain: Callable[[], Awaitable[None]]
    now: Callable[[], datetime]
    # Deliveries without an id: one body signed twice in a second is one token (a replay).
    same_second_is_replay: bool


def novavms_pusher(stack: SimulatorStack) -> Pusher:
    """NovaVMS camera_status pushes."""
    state = stack.novavms.state
    return Pusher(
        set_online=lambda camera, online: state.set_camera_status(
            camera, "online" if online else "offline"
        ),
        drain=state.drain,
        now=state.now,
        same_second_is_replay=False,
    )


def angelcam_pusher(stack: SimulatorStack) -> Pusher:
    """Angelcam camera_status_online/offline notifications."""
    state = stack.angelcam.state
    return Pusher(
        set_online=lambda camera, online: state.set_camera_online(int(camera), online=online),
        drain=state.webhooks.drain,
        now=state.now,
        same_second_is_replay=True,
    )


class Subject:
    """One entry under test, how its simulator pushes, its polling plan before any push."""

    def __init__(self, label: str, entry: MockConfigEntry, pusher: Pusher) -> None:
        """Not set up yet."""
        self.label = label
        self.entry = entry
        self.pusher = pusher
        self.interval_before: timedelta | None = None

    @property
    def coordinator(self) -> CamHubCoordinator:
        """The entry's coordinator."""
        coordinator: CamHubCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    @property
    def channel(self) -> PushChannel:
        """The entry's push channel."""
        push: PushChannel | None = self.entry.runtime_data.push
        if push is None:
            raise SystemExit(f"{self.label}: no push channel")
        return push


class StateWatch:
    """Times the state_changed event that brings an entity to an expected state."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to every state change from now on."""
        self._waiting: dict[str, tuple[str, asyncio.Future[float]]] = {}
        self.close = hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    def expect(self, entity_id: str, state: str) -> asyncio.Future[float]:
        """A future set to time.perf_counter() when `entity_id` turns `state`."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[entity_id] = (state, future)
        return future

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        now = time.perf_counter()
        waiting = self._waiting.get(event.data["entity_id"])
        new_state = event.data["new_state"]
        if waiting is None or new_state is None or new_state.state != waiting[0]:
            return
        if not waiting[1].done():
            waiting[1].set_result(now)


def online_sensors(hass: HomeAssistant, subject: Subject) -> dict[str, str]:
    """Camera id -> entity id of its online binary_sensor, for cameras online now."""
    registry = er.async_get(hass)
    sensors = {}
    for camera_id in subject.coordinator.data.cameras:
        entity_id = registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{subject.entry.unique_id}:{camera_id}:online"
        )
        state = hass.states.get(entity_id) if entity_id else None
        if entity_id and state is not None and state.state == STATE_ON:
            sensors[camera_id] = entity_id
    if not sensors:
        raise SystemExit(f"{subject.label}: no online camera to flip")
    return sensors


class Flipper:
    """Flips one entry's cameras in turn (offline, then online) and times each push."""

    def __init__(self, hass: HomeAssistant, watch: StateWatch, subject: Subject) -> None:
        """Start with the entry's cameras that are online now."""
        self.hass = hass
        self.watch = watch
        self.subject = subject
        self.sensors = online_sensors(hass, subject)
        self.cameras = list(self.sensors)
        self.entities = {
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), subject.entry.entry_id)
        }
        self.samples: list[float] = []
        self.writes: list[int] = []
        self._number = 0
        self._signed_in: dict[tuple[str, bool], int] = {}

    async def push(self, counter: WriteCounter, *, timed: bool = True) -> None:
        """One status change of the next camera, delivered and applied."""
        subject, pusher = self.subject, self.subject.pusher
        number, self._number = self._number, self._number + 1
        camera = self.cameras[(number // 2) % len(self.cameras)]
        online = number % 2 == 1
        last = self._signed_in.get((camera, online))
        if pusher.same_second_is_replay and last is not None:
            await asyncio.sleep(max(0.0, last + 1 - pusher.now().timestamp()))
        changed = self.watch.expect(self.sensors[camera], STATE_ON if online else STATE_OFF)
        accepted = subject.channel.accepted
        written = counter.of(self.entities)
        start = time.perf_counter()
        pusher.set_online(camera, online)
        try:
            async with asyncio.timeout(PUSH_TIMEOUT):
                sample = await changed - start
        except TimeoutError:
            raise SystemExit(
                f"{subject.label}: push {number} did not change {self.sensors[camera]}"
            ) from None
        await pusher.drain()
        await self.hass.async_block_till_done()
        if subject.channel.accepted - accepted != 1:
            raise SystemExit(f"{subject.label}: push {number} not taken")
        # Signed by now: a later delivery of the same body must come in a later second.
        self._signed_in[(camera, online)] = int(pusher.now().timestamp())
        if timed:
            self.samples.append(sample)
            self.writes.append(counter.of(self.entities) - written)


async def registered(subjects: list[Subject], base: str) -> float:
    """Wait until every push channel registered a URL under `base`; return the seconds."""
    start = time.perf_counter()
    while True:
        waiting = [s.label for s in subjects if not (s.channel.url or "").startswith(base)]
        if not waiting:
            return time.perf_counter() - start
        if time.perf_counter() - start > REGISTER_TIMEOUT:
            raise SystemExit(f"push not registered in {REGISTER_TIMEOUT:.0f} s: {waiting}")
        await asyncio.sleep(0.25)


async def set_up(hass: HomeAssistant, subject: Subject) -> None:
    """Set the entry up and note the interval it plans without push."""
    subject.entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(subject.entry.entry_id):
        raise SystemExit(f"{subject.label}: setup failed ({subject.entry.state})")
    if subject.coordinator.push_healthy:
        raise SystemExit(f"{subject.label}: push healthy before any push")
    subject.interval_before = subject.coordinator.update_interval


def p99(samples: list[float]) -> float:
    """The 99th percentile, in milliseconds."""
    ms = [sample * 1000 for sample in samples]
    return statistics.quantiles(ms, n=100, method="inclusive")[98]


def latency_row(vendor: str, flipper: Flipper) -> str:
    """One line of latency figures in milliseconds, and the state writes per push."""
    ms = sorted(sample * 1000 for sample in flipper.samples)
    writes = statistics.mean(flipper.writes)
    return (
        f"{vendor:9s} {len(flipper.subject.coordinator.data.cameras):7d}  {len(ms):6d}  "
        f"{statistics.median(ms):6.2f}  {p99(flipper.samples):6.2f}  {ms[-1]:6.2f}  "
        f"{len(flipper.entities):8d}  {writes:7.1f}"
    )


def polling_row(subject: Subject) -> str:
    """Interval and polling requests a day without and with healthy push."""
    coordinator = subject.coordinator
    before, after = subject.interval_before, coordinator.update_interval
    if before is None or after is None or not coordinator.push_healthy:
        raise SystemExit(f"{subject.label}: push not healthy or no polling interval")
    cost = coordinator.poll_cost
    unhealthy = requests_per_day(cost, before)
    healthy = requests_per_day(cost, after)
    return (
        f"{subject.label:17s} {len(coordinator.data.cameras):7d}  {cost:8.1f}  "
        f"{before.total_seconds():8.0f}  {unhealthy:7.0f}  {after.total_seconds():8.0f}  "
        f"{healthy:7.0f}  {unhealthy - healthy:7.0f}"
    )


async def main() -> None:
    """Set everything up, push, print both tables."""
    async with AsyncExitStack() as stacks:
        subjects = [
            Subject(
                # "novavms 200": the vendor and size its unique id ends with.
                f"{vendor} {entry.unique_id.rsplit(':', 1)[1]}",
                entry,
                novavms_pusher(stack) if vendor == "novavms" else angelcam_pusher(stack),
            )
            for vendor, stack, entry in await grown_entries(stacks, SIZES)
        ]
        hass = await stacks.enter_async_context(running_hass())
        for subject in subjects:
            await set_up(hass, subject)
        url_set = time.perf_counter()
        base = await serve(hass)
        watch = StateWatch(hass)
        stacks.callback(watch.close)
        await registered(subjects, base)
        waited = time.perf_counter() - url_set
        counter = WriteCounter()
        counter.install()
        stacks.callback(counter.remove)
        flippers = [Flipper(hass, watch, subject) for subject in subjects]
        for _ in range(WARMUP_PUSHES):
            for flipper in flippers:
                await flipper.push(counter, timed=False)
        # Turn by turn: a busy moment of the machine hits every size alike.
        for _ in range(PUSHES):
            for flipper in flippers:
                await flipper.push(counter)
        print(f"Webhook-to-state latency over real HTTP ({base}), ms; state writes per push")
        print("vendor    cameras  pushes     p50     p99     max  entities  writes")
        for flipper in flippers:
            print(latency_row(flipper.subject.label.split()[0], flipper))
        for vendor in ("novavms", "angelcam"):
            mine = [f for f in flippers if f.subject.label.startswith(vendor)]
            ratio = p99(mine[-1].samples) / p99(mine[0].samples)
            print(f"{vendor}: p99({SIZES[-1]}) / p99({SIZES[0]}) = {ratio:.2f}")
        print(
            f"(Angelcam push registered {waited:.0f} s after the URL was set: it waits for room "
            "in the client's 20/min budget; simulator rate limits left on)"
        )
        print()
        print("Polling requests a day, push unhealthy vs healthy (the coordinator's plan)")
        print("                                     unhealthy          healthy")
        print("entry             cameras  req/poll  interval  req/day  interval  req/day    saved")
        for subject in subjects:
            print(polling_row(subject))
        print(
            "(interval in s; polls only: Angelcam's location-membership queries and health "
            "reads are not included, see angelcam_polling_budget.py)"
        )


if __name__ == "__main__":
    asyncio.run(main())
