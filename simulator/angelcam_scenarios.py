"""Angelcam scenarios ("demo", "large", "empty") with deterministic credentials."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal

from simulator.angelcam_model import (
    ArrowClient,
    Assignment,
    Location,
    Membership,
    Space,
    User,
)
from simulator.angelcam_rts import Event
from simulator.angelcam_state import AngelcamState

type ScenarioName = Literal["demo", "large", "empty"]
SCENARIOS: Final = ("demo", "large", "empty")
ARROW_UUID: Final = "6f1c2a8e-4d1b-4c57-9a0e-3b2f7d9c1e55"
# What a guest of the shared space may do: watch, get incidents, never arm.
SHARED_GRANTS: Final = (
    "location.view",
    "camera.view",
    "camera.recording.view",
    "camera.clip.view",
    "location.notifications.incident",
    "camera.notifications.status",
)


def _user(state: AngelcamState, scenario: str, first: str, last: str) -> User:
    user_id = state.world.next_id("user")
    user = User(
        id=user_id,
        email=f"{first.lower()}@example.com",
        first_name=first,
        last_name=last,
        personal_access_token=f"angelcam-pat-{scenario}-{user_id}",
        bearer_token=f"angelcam-oauth-{scenario}-{user_id}",
    )
    state.world.users[user.id] = user
    return user


def _space(state: AngelcamState, name: str, owner: User, *, default: bool = True) -> Space:
    space = Space(state.world.next_id("space"), name)
    state.world.spaces[space.id] = space
    state.world.memberships[(owner.id, space.id)] = Membership(
        owner.id, space.id, default, [Assignment("space.admin")]
    )
    return space


def _location(state: AngelcamState, space: Space, name: str, *, armed: bool = False) -> Location:
    location = Location(state.world.next_id("location"), space.id, name, is_armed=armed)
    state.world.locations[location.id] = location
    return location


def _owner(state: AngelcamState, scenario: str, first: str, last: str, space_name: str) -> Space:
    user = _user(state, scenario, first, last)
    space = _space(state, space_name, user)
    root = _location(state, space, "Root")
    state.world.root_location[user.id] = root.id
    return space


def _demo(state: AngelcamState) -> None:
    now = state.now()
    week = now - timedelta(days=7)
    home = _owner(state, "demo", "Alice", "Novak", "Novak family")
    house = state.world.locations[state.world.root_location[1]]
    house.name = "House"
    garage = _location(state, home, "Garage", armed=True)
    client = ArrowClient(ARROW_UUID, home.id, "12:34:56:78:9a:bc", "192.168.1.20", angelbox_id=301)
    state.world.arrow_clients[client.uuid] = client
    front = state.add_camera(
        "Front door",
        house.id,
        recording=True,
        broadcasting=True,
        history_since=week,
        tags=["outdoor"],
    )
    state.recordings.add(front, kind="event")
    backyard = state.add_camera("Backyard", house.id, tags=["outdoor"])
    gaps = [
        (now - timedelta(days=2, hours=3), now - timedelta(days=2)),
        (now - timedelta(hours=20), now - timedelta(hours=19, minutes=40)),
    ]
    state.recordings.add(backyard, since=week, gaps=gaps)
    state.add_camera("Living room", house.id, camera_type="mjpeg", tags=["indoor"])
    state.add_camera("Garage", garage.id, arrow_client=client.uuid, tags=["indoor"])
    for camera in list(state.world.cameras.values()):
        for hours in (30, 12, 5, 2, 1):
            when = now - timedelta(hours=hours)
            state.rts.events.append(Event(state.world.next_id("event"), camera.id, when, when))

    shop = _owner(state, "demo", "Bob", "Marek", "Marek shop")
    floor = _location(state, shop, "Shop floor", armed=True)
    state.add_camera(
        "Shop entrance", floor.id, recording=True, history_since=now - timedelta(days=1)
    )
    state.add_camera("Cash desk", floor.id)
    alice = state.world.users[1]
    state.world.memberships[(alice.id, shop.id)] = Membership(
        alice.id,
        shop.id,
        is_default=False,
        assignments=[Assignment(p, location_id=floor.id) for p in SHARED_GRANTS],
    )


def _large(state: AngelcamState) -> None:
    space = _owner(state, "large", "Carol", "Large", "Large estate")
    locations = [state.world.root_location[1]] + [
        _location(state, space, f"Building {n}").id for n in range(1, 20)
    ]
    since = state.now() - timedelta(hours=6)
    for n in range(420):
        state.add_camera(
            f"Camera {n + 1:03d}",
            locations[n % len(locations)],
            recording=n % 3 == 0,
            history_since=since,
            tags=[f"zone-{n % 7}"],
        )


def _empty(state: AngelcamState) -> None:
    _owner(state, "empty", "Dana", "Empty", "Empty space")


BUILDERS: Final[dict[str, Callable[[AngelcamState], None]]] = {
    "demo": _demo,
    "large": _large,
    "empty": _empty,
}


def build_state(scenario_name: str, now: Callable[[], datetime] | None = None) -> AngelcamState:
    """Build the Angelcam state of a scenario on the clock ``now`` (real time when ``None``)."""
    try:
        builder = BUILDERS[scenario_name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {scenario_name!r}; expected one of {SCENARIOS}"
        ) from None
    state = AngelcamState(now, secret=f"angelcam-sim-{scenario_name}".encode())
    state.scenario = scenario_name
    builder(state)
    return state
