"""AngelcamPush on its own: what each message changes, its verifier, its registration."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
import json
from typing import Any

import pytest

from custom_components.camhub.providers import AngelcamClient
from custom_components.camhub.providers.angelcam.push import MESSAGE_TYPES, AngelcamPush
from custom_components.camhub.providers.angelcam.webhook import (
    SIGNATURE_HEADER,
    parse_angelcam_webhook,
)
from custom_components.camhub.providers.errors import (
    PermissionDeniedError,
    RateLimitedError,
    ReplayedDeliveryError,
)
from custom_components.camhub.providers.model import (
    ArrowClient,
    Camera,
    NotificationMethod,
    PushKind,
    PushMessage,
    Snapshot,
)
from custom_components.camhub.providers.motion import MotionTracker
from custom_components.camhub.providers.push import (
    ISSUE_NOT_PERMITTED,
    PushContext,
    PushSupport,
    PushUnavailableError,
)
from simulator.angelcam_webhooks import sign
from simulator.control import SimClock
from simulator.stack import SimulatorStack
from tests.providers.samples import ANGELCAM_PUSH_INCIDENT

JPEG_START = b"\xff\xd8"


@dataclass
class FakeHealth:
    """Stands in for the Arrow client reader: records pushes, knows what it is told."""

    known: bool = True
    pushed: list[PushMessage] = field(default_factory=list)
    clients: dict[str, ArrowClient] = field(default_factory=dict)

    def apply_push(self, message: PushMessage, now: datetime) -> bool:
        self.pushed.append(message)
        if self.known:
            uuid = str(message.data["arrow_client_id"])
            self.clients[uuid] = ArrowClient(id=uuid, mac=None, online=message.online)
        return self.known

    def apply(self, snapshot: Snapshot) -> Snapshot:
        return replace(snapshot, arrow_clients=dict(self.clients))


def _message(body: dict[str, Any]) -> PushMessage:
    return parse_angelcam_webhook(json.dumps(body).encode())


@pytest.fixture
async def snapshot(angelcam: AngelcamClient) -> Snapshot:
    """The demo space as the client reads it (names unique, two locations at least)."""
    return await angelcam.async_fetch_snapshot_state()


@pytest.fixture
def health() -> FakeHealth:
    return FakeHealth()


@pytest.fixture
def push(angelcam: AngelcamClient, health: FakeHealth, creds: dict[str, Any]) -> AngelcamPush:
    return AngelcamPush(angelcam, health, api_url=creds["angelcam"]["url"])


def _online_camera(snapshot: Snapshot) -> Camera:
    return next(c for c in snapshot.cameras.values() if c.online)


def test_it_is_a_push_support(push: AngelcamPush, creds: dict[str, Any]) -> None:
    support: PushSupport = push
    assert support.event_types == ("motion", "incident")
    assert not support.requires_https
    assert support.api_origin() == creds["angelcam"]["url"]


async def test_incident_names_its_camera_by_sensor_name(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _online_camera(snapshot)
    motion = MotionTracker()
    now = clock()
    message = _message({**ANGELCAM_PUSH_INCIDENT, "sensor_name": camera.name})
    outcome = push.apply(message, snapshot, motion, now)
    assert motion.until(camera.id) == now + motion.incident_ttl
    assert motion.incident_cameras == {"9": camera.id}
    assert outcome.snapshot is snapshot
    assert outcome.devices == (("camera", camera.id),)
    [event] = outcome.events
    assert (event.camera_id, event.event_type) == (camera.id, "motion")
    assert event.attributes == {"incident_id": "9", "title": "Motion detected"}
    [incident] = outcome.incidents
    assert (incident.camera_id, incident.incident_id, incident.title) == (
        camera.id,
        "9",
        "Motion detected",
    )
    assert (await incident.picture.fetch()).startswith(JPEG_START)


def test_incident_of_another_category_is_an_incident_event(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _online_camera(snapshot)
    body = {**ANGELCAM_PUSH_INCIDENT, "sensor_name": camera.name, "incident_category": "smoke"}
    outcome = push.apply(_message(body), snapshot, MotionTracker(), clock())
    assert [e.event_type for e in outcome.events] == ["incident"]


def test_incident_for_no_camera_of_the_entry_changes_nothing(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    motion = MotionTracker()
    body = {**ANGELCAM_PUSH_INCIDENT, "sensor_name": "Not a camera here"}
    outcome = push.apply(_message(body), snapshot, motion, clock())
    assert outcome == type(outcome)()
    assert motion.cameras() == set()


def test_camera_status_sets_online_once(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _online_camera(snapshot)
    offline = _message({"title": "off", "camera_id": int(camera.id), "online": False})
    outcome = push.apply(offline, snapshot, MotionTracker(), clock())
    assert outcome.snapshot is not None
    assert outcome.snapshot.cameras[camera.id].online is False
    assert outcome.snapshot.cameras[camera.id].status == "offline"
    assert outcome.devices == (("camera", camera.id),)
    # The same state again, or none at all, changes nothing.
    assert push.apply(offline, outcome.snapshot, MotionTracker(), clock()).snapshot is None
    unknown = replace(offline, online=None)
    assert push.apply(unknown, snapshot, MotionTracker(), clock()).snapshot is None


def test_arming_finds_the_location_by_the_longest_name_in_its_text(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    site = next(iter(snapshot.sites.values()))
    short = replace(site, id="short", name=site.name[:2], armed=False)
    sites = {site.id: replace(site, armed=False), "short": short}
    snapshot = replace(snapshot, sites=sites)
    message = _message({"title": f"{site.name} armed", "action": "arm"})
    outcome = push.apply(message, snapshot, MotionTracker(), clock())
    assert outcome.devices == (("site", site.id),)
    assert outcome.snapshot is not None
    assert outcome.snapshot.sites[site.id].armed is True
    assert outcome.snapshot.sites["short"].armed is False
    # Armed already, a location not named, or an action that is neither: nothing.
    assert push.apply(message, outcome.snapshot, MotionTracker(), clock()).snapshot is None
    other = _message({"title": "Elsewhere armed", "action": "arm"})
    assert push.apply(other, snapshot, MotionTracker(), clock()).snapshot is None
    odd = _message({"title": f"{site.name} armed", "action": "panic"})
    assert push.apply(odd, snapshot, MotionTracker(), clock()).snapshot is None


def test_arrow_status_goes_to_health_and_the_cameras_behind_it(
    push: AngelcamPush, health: FakeHealth, snapshot: Snapshot, clock: SimClock
) -> None:
    camera = _online_camera(snapshot)
    body = {"arrow_client_id": "a-1", "online": False, "affected_cameras": [int(camera.id)]}
    outcome = push.apply(_message(body), snapshot, MotionTracker(), clock())
    assert [m.kind for m in health.pushed] == [PushKind.ARROW_STATUS]
    assert outcome.snapshot is not None
    assert outcome.snapshot.arrow_clients["a-1"].online is False
    assert outcome.snapshot.cameras[camera.id].online is False
    # The client may be new to the entry: every device compares, as after a poll.
    assert outcome.devices == ()


def test_arrow_status_health_does_not_take_still_sets_the_cameras(
    push: AngelcamPush, health: FakeHealth, snapshot: Snapshot, clock: SimClock
) -> None:
    health.known = False
    camera = _online_camera(snapshot)
    body = {"arrow_client_id": "a-1", "online": False, "affected_cameras": [int(camera.id)]}
    outcome = push.apply(_message(body), snapshot, MotionTracker(), clock())
    assert outcome.snapshot is not None
    assert outcome.snapshot.arrow_clients == snapshot.arrow_clients
    assert outcome.devices == (("camera", camera.id),)


def test_other_messages_change_nothing(
    push: AngelcamPush, snapshot: Snapshot, clock: SimClock
) -> None:
    outcome = push.apply(_message({"title": "hello"}), snapshot, MotionTracker(), clock())
    assert outcome == type(outcome)()


def test_verifier_refuses_a_repeated_signature_with_the_message(
    push: AngelcamPush, clock: SimClock
) -> None:
    body = json.dumps({"title": "off", "camera_id": 5, "online": False}).encode()
    headers = {SIGNATURE_HEADER: sign(body, "key", now=clock())}
    verifier = push.verifier("key", clock)
    assert verifier.verify(body, headers).kind is PushKind.CAMERA_STATUS
    assert "seen=1" in repr(verifier)
    with pytest.raises(ReplayedDeliveryError) as replayed:
        verifier.verify(body, headers)
    assert replayed.value.message is not None
    assert replayed.value.message.camera_id == "5"


def _context(url: str, then: int = 0, **data: Any) -> PushContext:
    return PushContext(url=url, instance="abcd1234", data=data, options={}, then=then)


async def test_register_creates_one_method_with_a_rule_per_message_type(
    push: AngelcamPush, stack: SimulatorStack, angelcam: AngelcamClient
) -> None:
    url = "http://127.0.0.1:9/api/webhook/x"
    target = await push.async_register(_context(url))
    assert (target.url, bool(target.secret)) == (url, True)
    [method] = [m for m in await angelcam.async_fetch_notification_methods() if m.url == url]
    assert method.id == target.target_id
    assert method.name == "Home Assistant abcd1234 (CamHub, space default)"
    rules = [r for r in await angelcam.async_fetch_notification_rules() if r.method_id == method.id]
    assert sorted(r.message_type for r in rules) == sorted(MESSAGE_TYPES)
    # Registered again: the same method, nothing added.
    again = await push.async_register(_context(url, push_target_id=target.target_id))
    assert again == target
    methods = [m for m in await angelcam.async_fetch_notification_methods() if m.url == url]
    assert len(methods) == 1


async def test_first_registration_waits_for_room_in_the_minute(
    push: AngelcamPush, angelcam: AngelcamClient
) -> None:
    while (angelcam.budget.remaining_minute or 0) - 5 >= 3 + len(MESSAGE_TYPES):
        await angelcam.async_fetch_account()
    sent = angelcam.budget.sent
    with pytest.raises(RateLimitedError):
        await push.async_register(_context("http://127.0.0.1:9/hook"))
    assert angelcam.budget.sent == sent


async def test_a_catch_up_poll_larger_than_a_minute_is_not_waited_for(
    push: AngelcamPush, angelcam: AngelcamClient
) -> None:
    """A large account's poll costs more than a minute allows beside the rules: register anyway."""
    limit = angelcam.budget.minute_limit
    assert limit is not None
    # A fresh minute: room for the rules, not for the rules and a 30-request poll.
    assert angelcam.budget.remaining_minute == limit
    target = await push.async_register(_context("http://127.0.0.1:9/big", then=30))
    assert target.target_id is not None
    # Once the minute is partly spent, the first registration still waits for one with room.
    while (angelcam.budget.remaining_minute or 0) - 5 >= 3 + len(MESSAGE_TYPES):
        await angelcam.async_fetch_account()
    with pytest.raises(RateLimitedError):
        await push.async_register(_context("http://127.0.0.1:9/bigger", then=30))


async def test_a_method_without_a_key_or_permission_is_not_permitted(
    push: AngelcamPush, angelcam: AngelcamClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulator always answers with a key and grants Alice everything.
    async def keyless(**_: Any) -> NotificationMethod:
        return NotificationMethod(id="1", name="n", type="http", signature_key=None)

    async def refused(**_: Any) -> Any:
        raise PermissionDeniedError("angelcam: 403")

    for fake in (keyless, refused):
        monkeypatch.setattr(angelcam, "async_ensure_webhook", fake)
        with pytest.raises(PushUnavailableError) as problem:
            await push.async_register(_context("http://127.0.0.1:9/hook"))
        assert problem.value.issue == ISSUE_NOT_PERMITTED
