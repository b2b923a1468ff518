"""Print CamHub's webhook-to-state latency and the polling requests a day push saves.

Run: PYTHONPATH=. .venv/bin/python bench/push_latency.py  (about 2 minutes)
One real Home Assistant, served over HTTP on a free 127.0.0.1 port that is set as its external
URL, sets up the demo scenario's NovaVMS organisation and Angelcam space plus Angelcam spaces
of 1, 10, 50 and 200 cameras (one simulator stack each); every push channel registers that URL
with its simulator, which then delivers signed camera_status pushes over real HTTP. Latency is
timed with time.perf_counter from the simulator's status change (which starts its delivery at
once) to the state_changed event of the camera's online binary_sensor, over 1000 deliveries
flipping cameras offline and online in turn, on the NovaVMS demo organisation and on the 50- and
200-camera Angelcam spaces (a push re-writes every entity of its entry, so size matters); the
other entries get two pushes, enough to make push healthy. Angelcam deliveries carry no id: the
same camera's same status twice in one second is one JWT, which CamHub takes for a replay, so
cameras are taken in turn and such a repeat waits, untimed, for the next second. Rate limits
are left on: Angelcam's registration waits, in real time, for the client's 20-a-minute budget
to have room after setup (the wait is printed). Then, per entry, the coordinator's planned
interval and its measured requests per poll give the polling requests a day
(polling.requests_per_day) before any push and after verified pushes made it push_healthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
import statistics
import time

from aiohttp.test_utils import TestServer
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.angelcam_polling_budget import SIZES, populate
from bench.ha_harness import angelcam_entry, novavms_entry, running_hass
from custom_components.camhub.const import DOMAIN
from custom_components.camhub.coordinator import CamHubCoordinator
from custom_components.camhub.polling import requests_per_day
from custom_components.camhub.push import PushChannel
from simulator.stack import SimulatorStack

PUSHES = 1000
# Angelcam's latency is measured on these spaces (enough cameras that a body rarely repeats;
# two sizes, since a push re-writes the state of every entity of its entry).
ANGELCAM_LATENCY_CAMERAS = (50, 200)
# The flips that make the other entries' push healthy (one offline, one back online).
HEALTH_PUSHES = 2
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


async def flip(hass: HomeAssistant, watch: StateWatch, subject: Subject, count: int) -> list[float]:
    """Push `count` status changes (cameras in turn: offline, then online); seconds each."""
    sensors = online_sensors(hass, subject)
    cameras = list(sensors)
    pusher = subject.pusher
    accepted = subject.channel.accepted
    signed_in: dict[tuple[str, bool], int] = {}
    samples = []
    for number in range(count):
        camera = cameras[(number // 2) % len(cameras)]
        online = number % 2 == 1
        last = signed_in.get((camera, online))
        if pusher.same_second_is_replay and last is not None:
            await asyncio.sleep(max(0.0, last + 1 - pusher.now().timestamp()))
        changed = watch.expect(sensors[camera], STATE_ON if online else STATE_OFF)
        start = time.perf_counter()
        pusher.set_online(camera, online)
        try:
            async with asyncio.timeout(PUSH_TIMEOUT):
                samples.append(await changed - start)
        except TimeoutError:
            raise SystemExit(
                f"{subject.label}: push {number} did not change {sensors[camera]}"
            ) from None
        await pusher.drain()
        # Signed by now: a later delivery of the same body must come in a later second.
        signed_in[(camera, online)] = int(pusher.now().timestamp())
    if subject.channel.accepted - accepted != count:
        raise SystemExit(f"{subject.label}: {subject.channel.accepted - accepted} of {count} taken")
    return samples


async def serve(hass: HomeAssistant) -> TestServer:
    """Serve Home Assistant's HTTP app on a free 127.0.0.1 port; make it the external URL."""
    server = TestServer(hass.http.app, host="127.0.0.1")
    await server.start_server()
    await hass.config.async_update(external_url=str(server.make_url("")).rstrip("/"))
    return server


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


def latency_row(vendor: str, cameras: int, samples: list[float]) -> str:
    """One line of latency figures in milliseconds."""
    ms = sorted(sample * 1000 for sample in samples)
    p50 = statistics.median(ms)
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[98]
    return (
        f"{vendor:9s} {cameras:7d}  {len(ms):6d}  {p50:6.1f}  {p99:6.1f}  "
        f"{ms[0]:6.1f}  {ms[-1]:6.1f}"
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
        demo = await stacks.enter_async_context(SimulatorStack(scenario="demo"))
        subjects = [
            Subject("novavms demo", novavms_entry(demo), novavms_pusher(demo)),
            Subject("angelcam demo", angelcam_entry(demo), angelcam_pusher(demo)),
        ]
        for size in SIZES:
            stack = await stacks.enter_async_context(SimulatorStack(scenario="empty"))
            populate(stack, size)
            # Every scenario numbers its users and spaces from 1: unique ids must differ.
            entry = angelcam_entry(stack, unique_id=f"angelcam:bench:{size}")
            subjects.append(Subject(f"angelcam {size}", entry, angelcam_pusher(stack)))
        hass = await stacks.enter_async_context(running_hass())
        for subject in subjects:
            await set_up(hass, subject)
        url_set = time.perf_counter()
        server = await serve(hass)
        stacks.push_async_callback(server.close)
        watch = StateWatch(hass)
        stacks.callback(watch.close)
        base = str(server.make_url("")).rstrip("/")
        nova, angelcams = subjects[0], subjects[1:]
        await registered([nova], base)
        nova_samples = await flip(hass, watch, nova, PUSHES)
        await registered(angelcams, base)
        waited = time.perf_counter() - url_set
        latency = [("novavms", nova, nova_samples)]
        for subject in angelcams:
            timed = subject.label in {f"angelcam {size}" for size in ANGELCAM_LATENCY_CAMERAS}
            samples = await flip(hass, watch, subject, PUSHES if timed else HEALTH_PUSHES)
            if timed:
                latency.append(("angelcam", subject, samples))
        print(f"Webhook-to-state latency over real HTTP ({base}), ms")
        print("vendor    cameras  pushes     p50     p99     min     max")
        for vendor, subject, samples in latency:
            print(latency_row(vendor, len(subject.coordinator.data.cameras), samples))
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
