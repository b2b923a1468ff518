"""Angelcam RTS settings, unread messages and broadcasting: client, AngelcamExtras, connection.

Against the Angelcam simulator over real HTTP; request counts come from its log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from custom_components.camhub.providers import AngelcamClient
from custom_components.camhub.providers.angelcam.client import INCIDENT_TTLS
from custom_components.camhub.providers.angelcam.connection import AngelcamConnection
from custom_components.camhub.providers.angelcam.extras import (
    BROADCAST_DAILY_REQUESTS,
    BROADCAST_PER_POLL,
    START_DELAY,
    UNREAD_MAX_AGE,
    UNREAD_MIN_AGE,
    AngelcamExtras,
)
from custom_components.camhub.providers.angelcam.map import unread_count_from
from custom_components.camhub.providers.decode import Node
from custom_components.camhub.providers.errors import (
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
)
from custom_components.camhub.providers.model import Broadcasting, Capability, Snapshot
from custom_components.camhub.providers.motion import MotionTracker
from simulator.angelcam_model import Assignment, Broadcasting as SimBroadcasting, Membership
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.providers.conftest import Factory

from .test_client import api_count

FRONT_DOOR = "1"  # the demo's camera with the Broadcasting service
BACKYARD = "2"


def _bob_sees_front_door_only(stack: SimulatorStack) -> str:
    world = stack.angelcam.state.world
    world.memberships[(2, 1)] = Membership(
        2, 1, is_default=False, assignments=[Assignment("camera.view", 1, 1)]
    )
    return world.users[2].personal_access_token


async def test_incident_ttl_is_set_to_what_the_api_allows(
    angelcam: AngelcamClient, stack: SimulatorStack
) -> None:
    """PUT /rts/ answers the settings; a TTL outside the API's list is refused before sending."""
    assert sorted(INCIDENT_TTLS) == [timedelta(minutes=m) for m in (1, 3, 5, 10, 30, 60)]
    settings = await angelcam.async_set_incident_ttl(timedelta(minutes=30))
    assert settings.incident_ttl == timedelta(minutes=30)
    assert stack.angelcam.state.rts.incident_ttl[1] == "PT30M"
    with pytest.raises(ValueError, match="no incident TTL"):
        await angelcam.async_set_incident_ttl(timedelta(minutes=2))
    assert api_count(stack, "/v1/rts/", "PUT") == 1


async def test_unread_count(angelcam: AngelcamClient, stack: SimulatorStack) -> None:
    """The count follows the inbox: marking one read lowers it."""
    assert stack.angelcam.state.set_camera_online(2, online=False)
    before = await angelcam.async_fetch_unread_count()
    inbox = [m for m in await angelcam.async_fetch_messages() if not m.is_read]
    assert before == len(inbox) > 0
    await angelcam.async_mark_message_read(inbox[0].id)
    assert await angelcam.async_fetch_unread_count() == before - 1
    assert api_count(stack, "/v1/rts/messages/unread-count/") == 2


async def test_broadcasting_start_stop(angelcam: AngelcamClient, stack: SimulatorStack) -> None:
    """The state moves with start/stop; a camera without the service is NotSupported."""
    assert await angelcam.async_fetch_broadcasting(FRONT_DOOR) == Broadcasting(enabled=False)
    await angelcam.async_set_broadcasting(FRONT_DOOR, enabled=True)
    assert (await angelcam.async_fetch_broadcasting(FRONT_DOOR)).enabled is True
    await angelcam.async_set_broadcasting(FRONT_DOOR, enabled=False)
    assert (await angelcam.async_fetch_broadcasting(FRONT_DOOR)).enabled is False
    with pytest.raises(NotSupportedError):
        await angelcam.async_fetch_broadcasting(BACKYARD)
    with pytest.raises(NotSupportedError):
        await angelcam.async_set_broadcasting(BACKYARD, enabled=True)
    assert api_count(stack, "/v1/cameras/1/broadcasting/", "POST") == 2


async def test_broadcasting_switch_needs_the_grant(
    make_angelcam: Factory[AngelcamClient], stack: SimulatorStack
) -> None:
    bob = make_angelcam(token=_bob_sees_front_door_only(stack), space_id=1)
    assert (await bob.async_fetch_broadcasting(FRONT_DOOR)).enabled is False
    with pytest.raises(PermissionDeniedError):
        await bob.async_set_broadcasting(FRONT_DOOR, enabled=True)


async def _snapshot(client: AngelcamClient) -> Snapshot:
    return await client.async_fetch_snapshot_state()


async def test_extras_read_on_their_own_clocks(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    """The TTL as handed over; unread and broadcasting after START_DELAY, a few per poll."""
    extras = AngelcamExtras()
    # What the connection's daily RTS read hands over.
    extras.rts = await angelcam.async_fetch_rts_settings()
    snapshot = await _snapshot(angelcam)
    first = await extras.async_update(angelcam, snapshot, clock())
    # Before START_DELAY only what is known is added: the TTL, no unread, no broadcasting.
    assert first.capabilities == {Capability.INCIDENT_TTL}
    assert first.incident_ttl == timedelta(minutes=5)
    assert not any(c.supports(Capability.BROADCASTING) for c in first.cameras.values())
    sent = angelcam.budget.sent
    clock.advance(START_DELAY.total_seconds())
    second = await extras.async_update(angelcam, snapshot, clock())
    assert angelcam.budget.sent - sent == 1 + BROADCAST_PER_POLL
    assert second.supports(Capability.UNREAD_MESSAGES)
    assert second.unread_messages == await angelcam.async_fetch_unread_count()
    # Cameras 1 and 2 first (in id order): 1 has the service, 2 answered 404.
    assert second.cameras[FRONT_DOOR].supports(Capability.BROADCASTING)
    assert not second.cameras[BACKYARD].supports(Capability.BROADCASTING)
    assert second.broadcasting == {FRONT_DOOR: Broadcasting(enabled=False)}
    # The next poll reads the other cameras; nothing else is due.
    sent = angelcam.budget.sent
    await extras.async_update(angelcam, snapshot, clock())
    assert angelcam.budget.sent - sent == len(snapshot.cameras) - BROADCAST_PER_POLL
    sent = angelcam.budget.sent
    await extras.async_update(angelcam, snapshot, clock())
    assert angelcam.budget.sent == sent
    assert [r.path for r in stack.log.select(path_prefix="/v1/rts/")] == [
        "/v1/rts/",
        "/v1/rts/messages/unread-count/",
        "/v1/rts/messages/unread-count/",
    ]
    # Per day: the unread bound (one per UNREAD_MIN_AGE) plus one read per camera.
    assert extras.per_day == 48 + len(snapshot.cameras)


async def test_broadcasting_reads_stay_bounded_in_a_large_space(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    """500 cameras: at most BROADCAST_DAILY_REQUESTS reads a day, each camera every 10 days."""
    snapshot = await _snapshot(angelcam)
    base = next(iter(snapshot.cameras.values()))
    large = replace(snapshot, cameras={str(i): replace(base, id=str(i)) for i in range(500)})
    extras = AngelcamExtras()
    await extras.async_update(angelcam, large, clock())
    assert extras.per_day == 48 + BROADCAST_DAILY_REQUESTS

    def read() -> list[str]:
        return [r.path for r in stack.log.select(path_prefix="/v1/cameras/") if "broad" in r.path]

    clock.advance(START_DELAY.total_seconds())
    await extras.async_update(angelcam, large, clock())
    first = read()
    assert len(first) == BROADCAST_PER_POLL
    # A day on, the cameras read are not due again (10 days): two others are read.
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    await extras.async_update(angelcam, large, clock())
    assert len(read()) == 2 * BROADCAST_PER_POLL
    assert set(read()[BROADCAST_PER_POLL:]).isdisjoint(first)


async def test_unread_follows_pushes_but_not_faster_than_its_floor(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    extras = AngelcamExtras()
    snapshot = await _snapshot(angelcam)
    await extras.async_update(angelcam, snapshot, clock())
    clock.advance(START_DELAY.total_seconds())
    for _ in range(3):  # unread, then every camera's broadcasting
        await extras.async_update(angelcam, snapshot, clock())
    reads = api_count(stack, "/v1/rts/messages/unread-count/")
    assert reads == 1
    extras.note_push()
    clock.advance(UNREAD_MIN_AGE.total_seconds() - 1)
    await extras.async_update(angelcam, snapshot, clock())
    assert api_count(stack, "/v1/rts/messages/unread-count/") == reads
    clock.advance(1)
    await extras.async_update(angelcam, snapshot, clock())
    assert api_count(stack, "/v1/rts/messages/unread-count/") == reads + 1
    # Without a push only UNREAD_MAX_AGE brings the next read.
    clock.advance(UNREAD_MIN_AGE.total_seconds())
    await extras.async_update(angelcam, snapshot, clock())
    assert api_count(stack, "/v1/rts/messages/unread-count/") == reads + 1
    clock.advance((UNREAD_MAX_AGE - UNREAD_MIN_AGE).total_seconds())
    await extras.async_update(angelcam, snapshot, clock())
    assert api_count(stack, "/v1/rts/messages/unread-count/") == reads + 2


async def test_extras_writes_keep_what_the_api_answered(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    extras = AngelcamExtras()
    snapshot = await _snapshot(angelcam)
    await extras.async_set_incident_ttl(angelcam, timedelta(hours=1))
    await extras.async_set_broadcasting(angelcam, FRONT_DOOR, enabled=True)
    applied = extras.apply(snapshot)
    assert applied.incident_ttl == timedelta(hours=1)
    assert applied.broadcasting[FRONT_DOOR] == Broadcasting(enabled=True)
    assert stack.angelcam.state.world.cameras[1].broadcasting == SimBroadcasting(enabled=True)
    await extras.async_set_broadcasting(angelcam, FRONT_DOOR, enabled=False)
    assert extras.apply(snapshot).broadcasting[FRONT_DOOR].enabled is False
    # A camera the vendor no longer lists is forgotten.
    gone = snapshot.__class__(
        account=snapshot.account,
        sites=snapshot.sites,
        cameras={k: v for k, v in snapshot.cameras.items() if k != FRONT_DOOR},
        fetched_at=snapshot.fetched_at,
    )
    assert extras.apply(await extras.async_update(angelcam, gone, clock())).broadcasting == {}


async def test_extras_never_fail_the_poll(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    """Unreadable answers leave the capability absent; an outage keeps what was known."""
    faults = stack.angelcam.faults
    extras = AngelcamExtras()
    snapshot = await _snapshot(angelcam)
    await extras.async_update(angelcam, snapshot, clock())
    clock.advance(START_DELAY.total_seconds())
    faults.add("malformed_json", count=1, path_prefix="/v1/rts/messages/unread-count/")
    found = await extras.async_update(angelcam, snapshot, clock())
    assert found.capabilities == frozenset()
    assert found.cameras[FRONT_DOOR].supports(Capability.BROADCASTING)
    await extras.async_update(angelcam, snapshot, clock())  # the other cameras
    # A day on, the camera's read fails: its state stays known, the poll goes on.
    clock.advance(86400)
    failing = faults.add("status5xx", status=502, path_prefix="/v1/cameras/1/broadcasting/")
    again = await extras.async_update(angelcam, snapshot, clock())
    faults.faults.remove(failing)
    assert stack.log.count(vendor="angelcam", path_prefix="/v1/cameras/1/broadcasting/") >= 2
    assert again.cameras[FRONT_DOOR].supports(Capability.BROADCASTING)
    assert again.supports(Capability.UNREAD_MESSAGES)
    # An unreachable unread read keeps the count known; the poll goes on.
    clock.advance(UNREAD_MAX_AGE.total_seconds())
    faults.add("status5xx", count=1, status=502, path_prefix="/v1/rts/messages/unread-count/")
    kept = await extras.async_update(angelcam, snapshot, clock())
    assert kept.unread_messages == again.unread_messages is not None


async def test_connection_reads_rts_once_and_offers_the_controls(
    angelcam: AngelcamClient, stack: SimulatorStack, clock: SimClock
) -> None:
    """One daily RTS read serves motion and the TTL select; the features write through it."""
    connection = AngelcamConnection(object(), angelcam)  # type: ignore[arg-type]
    assert connection.incident_ttl is connection
    assert connection.broadcasting is connection
    motion = MotionTracker()
    stack.angelcam.state.rts.incident_ttl[1] = "PT10M"
    first = (await connection.async_refresh(motion, clock(), sites=frozenset())).snapshot
    second = (await connection.async_refresh(motion, clock(), sites=frozenset())).snapshot
    settings_reads = [r for r in stack.log.select(path_prefix="/v1/rts/") if r.path == "/v1/rts/"]
    assert len(settings_reads) == 1
    assert motion.incident_ttl == timedelta(minutes=10)
    assert first.supports(Capability.INCIDENT_TTL)
    assert second.incident_ttl == timedelta(minutes=10)
    assert connection.extra_per_day == connection.health.per_day + connection.extras.per_day
    assert connection.extras.per_day == 48 + len(second.cameras)
    changed = await connection.async_set_incident_ttl(second, timedelta(minutes=3))
    assert changed.incident_ttl == timedelta(minutes=3)
    assert stack.angelcam.state.rts.incident_ttl[1] == "PT3M"
    started = await connection.async_set_broadcasting(changed, FRONT_DOOR, enabled=True)
    assert started.broadcasting[FRONT_DOOR] == Broadcasting(enabled=True)
    assert started.cameras[FRONT_DOOR].supports(Capability.BROADCASTING)
    assert api_count(stack, "/v1/cameras/1/broadcasting/", "POST") == 1
    # A push makes the unread count due again (after its floor), through the connection.
    clock.advance((START_DELAY + UNREAD_MIN_AGE).total_seconds())
    await connection.async_refresh(motion, clock(), sites=frozenset())
    reads = api_count(stack, "/v1/rts/messages/unread-count/")
    clock.advance(UNREAD_MIN_AGE.total_seconds())
    connection.note_push()
    await connection.async_refresh(motion, clock(), sites=frozenset())
    assert api_count(stack, "/v1/rts/messages/unread-count/") == reads + 1


@pytest.mark.parametrize("count", [-1, 1.5])
def test_unread_count_must_be_a_count(count: float) -> None:
    with pytest.raises(ProtocolError, match="unread_count"):
        unread_count_from(Node({"unread_count": count}, "$"))
