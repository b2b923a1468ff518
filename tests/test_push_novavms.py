"""NovaVMS push: one webhook per entry, its secret, and what signed deliveries change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import hmac
import json
import logging
from typing import Any
import uuid

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from hypothesis import given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import (
    CONF_PUSH_SECRET,
    CONF_PUSH_TARGET_ID,
    CONF_SCAN_INTERVAL,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
)
from custom_components.camhub.push import REGISTER_RETRY
from simulator.novavms import Delivery, NovaState, Webhook
from simulator.stack import SimulatorStack

from .conftest import async_add_entry, novavms_data
from .health_support import entity_id
from .push_support import async_serve, channel, incidents

HOOK_TYPES = {"alert", "event", "camera_status", "gateway_status"}
LOBBY_ONLINE = "binary_sensor.lobby_online"
LOBBY_MOTION = "binary_sensor.lobby_motion"


@dataclass
class Served:
    """One NovaVMS entry with Home Assistant reachable on 127.0.0.1."""

    hass: HomeAssistant
    entry: MockConfigEntry
    http: TestClient[web.Request, web.Application]
    nova: NovaState

    @property
    def path(self) -> str:
        """Where the entry's webhook listens."""
        return f"/api/webhook/{self.entry.data[CONF_WEBHOOK_ID]}"

    @property
    def url(self) -> str:
        """The webhook's URL as the vendor must be told it."""
        return str(self.http.make_url(self.path))

    def camera(self, name: str) -> str:
        """The simulator's id of the camera called `name`."""
        return next(c.id for c in self.nova.cameras.values() if c.name == name)

    def state(self, entity: str) -> str:
        """An entity's state (it must exist)."""
        state = self.hass.states.get(entity)
        assert state is not None, entity
        return state.state

    def online(self, item: str) -> str:
        """State of the online binary_sensor of a camera or gateway id."""
        return self.state(entity_id(self.hass, self.entry, "binary_sensor", item, "online"))

    async def deliver(self) -> list[Delivery]:
        """Let the simulator finish its deliveries and Home Assistant apply them."""
        await self.nova.drain()
        await self.hass.async_block_till_done()
        return list(self.nova.deliveries)

    async def lobby_goes_offline(self) -> None:
        """NovaVMS reports the Lobby camera offline: one delivery, applied at once."""
        before = len(self.nova.deliveries)
        self.nova.set_camera_status(self.camera("Lobby"), "offline")
        assert [d.status for d in (await self.deliver())[before:]] == [200]
        assert self.state(LOBBY_ONLINE) == STATE_OFF

    async def post(self, body: bytes, headers: dict[str, str]) -> int:
        """Deliver a hand-made request; its status once Home Assistant settled."""
        response = await self.http.post(self.path, data=body, headers=headers)
        await self.hass.async_block_till_done()
        return response.status


Serve = Callable[..., Awaitable[Served]]


@pytest.fixture
def serve(
    hass: HomeAssistant,
    stack: SimulatorStack,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> Serve:
    """Serve Home Assistant for a set-up entry; `registered=False` when push cannot work."""

    async def go(entry: MockConfigEntry, *, registered: bool = True) -> Served:
        # Unregistered entries are not handed over: async_serve checks each has a URL.
        entries = (entry,) if registered else ()
        http = await async_serve(hass, hass_client_no_auth, freezer, *entries)
        # The minute async_serve lets pass makes a poll due: done before tests count requests.
        await hass.async_block_till_done(wait_background_tasks=True)
        return Served(hass, entry, http, stack.novavms.state)

    return go


@pytest.fixture
async def served(serve: Serve, novavms_entry: MockConfigEntry) -> Served:
    """The operator key's entry, registered for push."""
    return await serve(novavms_entry)


async def _add(hass: HomeAssistant, stack: SimulatorStack, role: str) -> MockConfigEntry:
    org = stack.credentials()["novavms"]["org_id"]
    return await async_add_entry(hass, novavms_data(stack, role=role), f"novavms:{org}")


async def _paste(hass: HomeAssistant, entry: MockConfigEntry, secret: str) -> None:
    """Save the options with `secret` in the webhook secret field; the entry reloads."""
    form = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {CONF_SCAN_INTERVAL: 300, CONF_WEBHOOK_SECRET: secret}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


def _hooks(served: Served) -> list[Webhook]:
    return list(served.nova.webhooks.values())


def _signed(
    secret: str, body: bytes, delivery_id: str, sent_at: datetime | None = None
) -> dict[str, str]:
    """Headers NovaVMS sends: hex HMAC-SHA256 of the raw body, delivery id, timestamp."""
    return {
        "Content-Type": "application/json",
        "X-Webhook-ID": delivery_id,
        "X-Webhook-Timestamp": (sent_at or dt_util.utcnow()).isoformat(),
        "X-Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }


def _push(
    secret: str, event_type: str, data: dict[str, Any], sent_at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed delivery in NovaVMS's envelope."""
    delivery_id = str(uuid.uuid4())
    envelope = {
        "event_type": event_type,
        "timestamp": (sent_at or dt_util.utcnow()).isoformat(),
        "webhook_id": delivery_id,
        "data": data,
    }
    body = json.dumps(envelope).encode()
    return body, _signed(secret, body, delivery_id, sent_at)


def _status_push(
    secret: str, camera_id: str, status: str, *, pad: int = 0, sent_at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed camera_status delivery (padded with `pad` bytes of note when asked)."""
    data: dict[str, Any] = {"camera_id": camera_id, "status": status}
    if pad:
        data["note"] = "x" * pad
    return _push(secret, "camera_status", data, sent_at)


def _event_types(hass: HomeAssistant, entity: str) -> list[str]:
    """Collect the event types an event entity reports from now on."""
    seen: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity and event.data["new_state"] is not None:
            seen.append(event.data["new_state"].attributes["event_type"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return seen


# -- registration --------------------------------------------------------------------------


async def test_setup_creates_one_webhook_and_keeps_its_secret(
    hass: HomeAssistant, served: Served, hass_client_no_auth: ClientSessionGenerator
) -> None:
    hooks = _hooks(served)
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook.url == served.url == channel(served.entry).url
    assert set(hook.event_types) == HOOK_TYPES
    assert hook.enabled
    assert served.entry.data[CONF_PUSH_SECRET] == hook.secret
    assert served.entry.data[CONF_PUSH_TARGET_ID] == hook.id
    # Someone disabled it and dropped event types in NovaVMS; a reload finds it by id and
    # mends it: nothing is created twice, the secret stays.
    hook.enabled, hook.event_types = False, ["alert"]
    await hass.config_entries.async_reload(served.entry.entry_id)
    await hass.async_block_till_done()
    assert _hooks(served) == [hook]
    assert hook.enabled
    assert set(hook.event_types) == HOOK_TYPES
    assert served.entry.data[CONF_PUSH_SECRET] == hook.secret
    assert channel(served.entry).url == served.url
    # Home Assistant moves (served on another port too): the same webhook follows.
    moved = await hass_client_no_auth()
    assert moved.port != served.http.port
    await hass.config.async_update(external_url=str(moved.make_url("")).rstrip("/"))
    await hass.async_block_till_done()
    assert _hooks(served) == [hook]
    assert hook.url == channel(served.entry).url == str(moved.make_url(served.path))
    await served.lobby_goes_offline()


@pytest.mark.parametrize(("role", "same_webhook"), [("operator", False), ("admin", True)])
async def test_webhook_with_unknown_secret(
    hass: HomeAssistant, stack: SimulatorStack, serve: Serve, role: str, same_webhook: bool
) -> None:
    """An operator cannot read a secret: it starts over; an admin reads it."""
    served = await serve(await _add(hass, stack, role))
    (before,) = _hooks(served)
    # As if the entry were new (or its data lost): a webhook points at us, secret unknown.
    data = dict(served.entry.data)
    del data[CONF_PUSH_SECRET], data[CONF_PUSH_TARGET_ID]
    hass.config_entries.async_update_entry(served.entry, data=data)
    await hass.config_entries.async_reload(served.entry.entry_id)
    await hass.async_block_till_done()
    (after,) = _hooks(served)
    assert (after.id == before.id) is same_webhook
    assert after.url == served.url
    assert served.entry.data[CONF_PUSH_SECRET] == after.secret
    assert served.entry.data[CONF_PUSH_TARGET_ID] == after.id
    await served.lobby_goes_offline()


async def test_viewer_key_uses_the_pasted_secret(
    hass: HomeAssistant, stack: SimulatorStack, serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await _add(hass, stack, "viewer")
    served = await serve(entry, registered=False)
    issue_id = f"push_needs_secret_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["url"] == served.url
    assert channel(entry).url is None
    assert _hooks(served) == []
    # The user creates the webhook in NovaVMS (with someone else's admin key) ...
    admin = stack.credentials()["novavms"]["api_keys"]["admin"]
    async with (
        ClientSession() as session,
        session.post(
            f"{stack.novavms.url}/api/v1/webhooks",
            json={"name": "HA", "url": served.url, "event_types": sorted(HOOK_TYPES)},
            headers={"Authorization": f"Bearer {admin}"},
        ) as response,
    ):
        assert response.status == 201
        secret = (await response.json())["secret"]
    # ... and pastes its secret in the options; the entry reloads with it.
    await _paste(hass, entry, f" {secret}\n")
    assert entry.options[CONF_WEBHOOK_SECRET] == secret
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert channel(entry).url == served.url
    assert entry.data[CONF_PUSH_SECRET] == secret
    sent = stack.log.count(vendor="novavms")
    await served.lobby_goes_offline()
    assert stack.log.count(vendor="novavms") == sent
    assert secret not in caplog.text
    # The user's webhook is theirs to remove: removing the entry leaves it.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert len(_hooks(served)) == 1
    assert stack.log.count(vendor="novavms", method="DELETE") == 0


async def test_cleared_secret_stops_counting(
    hass: HomeAssistant, stack: SimulatorStack, serve: Serve
) -> None:
    entry = await _add(hass, stack, "viewer")
    served = await serve(entry, registered=False)
    pasted, lobby = "whsec_live_pasted", served.camera("Lobby")
    await _paste(hass, entry, pasted)
    assert entry.data[CONF_PUSH_SECRET] == pasted
    await _paste(hass, entry, "")
    assert CONF_WEBHOOK_SECRET not in entry.options
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"push_needs_secret_{entry.entry_id}")
    # Deliveries signed with the secret the user took out are refused.
    assert CONF_PUSH_SECRET not in entry.data
    assert await served.post(*_status_push(pasted, lobby, "offline")) == 401
    assert served.state(LOBBY_ONLINE) == STATE_ON


async def test_lost_create_answer_leaves_one_webhook(
    hass: HomeAssistant,
    stack: SimulatorStack,
    serve: Serve,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """NovaVMS created the webhook but its answer (with the only copy of the secret) broke."""
    stack.novavms.faults.add(
        "malformed_json", count=1, path_prefix="/api/v1/webhooks", method="POST"
    )
    novavms_entry = await _add(hass, stack, "operator")
    assert channel(novavms_entry).url is None
    assert CONF_PUSH_SECRET not in novavms_entry.data
    (lost,) = stack.novavms.state.webhooks
    assert "could not set up push, retrying" in caplog.text
    # The retry finds it by URL, cannot read its secret (operator key), and starts over.
    freezer.tick(REGISTER_RETRY)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    (hook,) = stack.novavms.state.webhooks.values()
    assert hook.id != lost
    assert novavms_entry.data[CONF_PUSH_SECRET] == hook.secret
    assert novavms_entry.data[CONF_PUSH_TARGET_ID] == hook.id
    served = await serve(novavms_entry)
    assert _hooks(served) == [hook]
    await served.lobby_goes_offline()


@pytest.mark.parametrize("deleted_in_novavms", [False, True])
async def test_removing_the_entry_deletes_its_webhook(
    hass: HomeAssistant,
    stack: SimulatorStack,
    served: Served,
    caplog: pytest.LogCaptureFixture,
    deleted_in_novavms: bool,
) -> None:
    assert len(_hooks(served)) == 1
    if deleted_in_novavms:
        served.nova.webhooks.clear()
    with caplog.at_level(logging.DEBUG, logger="custom_components.camhub"):
        assert await hass.config_entries.async_remove(served.entry.entry_id)
        await hass.async_block_till_done()
    assert _hooks(served) == []
    assert stack.log.count(vendor="novavms", method="DELETE") == 1
    # Gone either way: nothing is said to stay on the account, no warning.
    camhub = [r for r in caplog.records if r.name.startswith("custom_components.camhub")]
    assert camhub
    assert all(r.levelno < logging.WARNING for r in camhub)
    assert "stays on the account" not in caplog.text


# -- deliveries ----------------------------------------------------------------------------


async def test_event_and_alert_pushes(
    hass: HomeAssistant,
    served: Served,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    seen = incidents(hass)
    fired = _event_types(hass, "event.lobby_events")
    lobby = served.camera("Lobby")
    assert served.state(LOBBY_MOTION) == STATE_OFF
    served.nova.fire_event(lobby, "motion")
    deliveries = await served.deliver()
    assert sorted((d.event_type, d.status) for d in deliveries) == [("alert", 200), ("event", 200)]
    assert served.state(LOBBY_MOTION) == STATE_ON
    assert sorted(fired) == ["alert", "motion"]
    assert len(seen) == 1
    incident = seen[0]
    assert incident["camera_id"] == lobby
    assert incident["camera_name"] == "Lobby"
    assert incident["entity_id"] == "camera.lobby"
    assert incident["location"] == "Headquarters"
    assert incident["title"] == "Any motion"
    # The event's snapshot, served by its signed URL or to authenticated users.
    anonymous = await hass_client_no_auth()
    path = incident["image_url"].partition("?")[0]
    assert (await anonymous.get(path)).status == 401
    image = await (await hass_client()).get(path)
    assert image.status == 200
    assert image.content_type == "image/jpeg"
    assert (await image.read())[:2] == b"\xff\xd8"
    assert served.entry.runtime_data.coordinator.push_healthy
    # A manual clip is an event of its own type, with no alert.
    served.nova.fire_event(lobby, "manual")
    await served.deliver()
    assert fired[-1] == "manual"
    assert len(seen) == 1
    # Motion ends with the event's length.
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert served.state(LOBBY_MOTION) == STATE_OFF


async def test_alert_without_its_event_and_for_strangers(
    hass: HomeAssistant, served: Served, hass_client: ClientSessionGenerator
) -> None:
    """An alert naming no event shows the camera's newest snapshot; unknown cameras nothing."""
    seen = incidents(hass)
    fired = _event_types(hass, "event.lobby_events")
    secret, lobby = served.entry.data[CONF_PUSH_SECRET], served.camera("Lobby")
    alert = {"alert_id": "a-1", "rule_id": "r", "rule_name": "Night watch", "severity": "info"}
    assert await served.post(*_push(secret, "alert", {**alert, "camera_id": "elsewhere"})) == 200
    assert (seen, fired) == ([], [])
    assert await served.post(*_push(secret, "alert", {**alert, "camera_id": lobby})) == 200
    assert fired == ["alert"]
    (incident,) = seen
    assert (incident["incident_id"], incident["title"]) == ("a-1", "Night watch")
    image = await (await hass_client()).get(incident["image_url"])
    assert image.status == 200
    assert (await image.read())[:2] == b"\xff\xd8"


async def test_status_pushes_change_state_without_requests(
    hass: HomeAssistant, stack: SimulatorStack, served: Served
) -> None:
    nova = served.nova
    lobby, yard = served.camera("Lobby"), served.camera("Yard")
    gateway = nova.cameras[lobby].gateway_id
    assert gateway is not None
    behind = [c.id for c in nova.cameras.values() if c.gateway_id == gateway]
    assert len(behind) == 3
    sent = stack.log.count(vendor="novavms")
    nova.set_camera_status(lobby, "offline")
    await served.deliver()
    assert served.online(lobby) == STATE_OFF
    nova.set_camera_status(lobby, "online")
    await served.deliver()
    assert served.online(lobby) == STATE_ON
    # The header name one NovaVMS troubleshooting page uses is accepted too.
    nova.signature_header = "X-NovaVMS-Signature"
    nova.set_gateway_status(gateway, "offline")
    await served.deliver()
    assert served.online(gateway) == STATE_OFF
    assert [served.online(c) for c in behind] == [STATE_OFF] * 3
    assert served.online(yard) == STATE_ON
    nova.set_gateway_status(gateway, "online")
    await served.deliver()
    assert [served.online(c) for c in [gateway, *behind]] == [STATE_ON] * 4
    # Every change came with its push: not one request to NovaVMS.
    assert stack.log.count(vendor="novavms") == sent
    assert {d.status for d in nova.deliveries} == {200}


async def test_repeated_delivery_is_acknowledged_and_ignored(
    hass: HomeAssistant, served: Served
) -> None:
    secret, lobby = served.entry.data[CONF_PUSH_SECRET], served.camera("Lobby")
    offline = _status_push(secret, lobby, "offline")
    assert await served.post(*offline) == 200
    assert served.state(LOBBY_ONLINE) == STATE_OFF
    assert await served.post(*_status_push(secret, lobby, "online")) == 200
    assert served.state(LOBBY_ONLINE) == STATE_ON
    # The first delivery again (a vendor retry, or someone replaying it): 200, no effect.
    assert await served.post(*offline) == 200
    assert served.state(LOBBY_ONLINE) == STATE_ON
    assert channel(served.entry).accepted == 2
    assert channel(served.entry).refused == 0
    # A reload (an options change, say) keeps what was received: still no replay.
    await hass.config_entries.async_reload(served.entry.entry_id)
    await hass.async_block_till_done()
    assert await served.post(*offline) == 200
    assert served.state(LOBBY_ONLINE) == STATE_ON
    assert channel(served.entry).accepted == 0


def _refused_delivery(kind: str, secret: str, camera_id: str) -> tuple[bytes, dict[str, str]]:
    """A delivery reporting `camera_id` offline that must be refused, by kind."""
    body, headers = _status_push(secret, camera_id, "offline")
    match kind:
        case "stale":
            return _status_push(
                secret, camera_id, "offline", sent_at=dt_util.utcnow() - timedelta(minutes=6)
            )
        case "wrong signature":
            return body, {**headers, "X-Webhook-Signature": "0" * 64}
        case "other secret":
            return _status_push("whsec_live_not_ours", camera_id, "offline")
        case "no signature":
            return body, {k: v for k, v in headers.items() if k != "X-Webhook-Signature"}
        case "id not the envelope's":
            return body, _signed(secret, body, str(uuid.uuid4()))
        case "oversize":
            return _status_push(secret, camera_id, "offline", pad=64 * 1024)
        case "text":
            return body, {**headers, "Content-Type": "text/plain"}
        case "not an object":
            broken = b'["camera_status"]'
        case _:  # malformed JSON, correctly signed
            broken = body[:-3]
    return broken, _signed(secret, broken, headers["X-Webhook-ID"])


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("stale", 401),
        ("wrong signature", 401),
        ("other secret", 401),
        ("no signature", 401),
        ("id not the envelope's", 401),
        ("oversize", 413),
        ("text", 415),
        ("not an object", 400),
        ("malformed", 400),
    ],
)
async def test_refused_delivery_changes_nothing(
    hass: HomeAssistant,
    served: Served,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    status: int,
) -> None:
    secret, lobby = served.entry.data[CONF_PUSH_SECRET], served.camera("Lobby")
    body, headers = _refused_delivery(kind, secret, lobby)
    with caplog.at_level(logging.DEBUG, logger="custom_components.camhub"):
        assert [await served.post(body, headers) for _ in range(3)] == [status] * 3
    assert served.state(LOBBY_ONLINE) == STATE_ON
    push = channel(served.entry)
    assert (push.accepted, push.refused) == (0, 3)
    assert not served.entry.runtime_data.coordinator.push_healthy
    # Anyone may post often: one warning per reason, then debug lines.
    ours = [r for r in caplog.records if r.name.startswith("custom_components.camhub")]
    refusals = [r.levelno for r in ours if "push refused" in r.getMessage()]
    assert refusals == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    # (aiohttp's access log trips over the frozen clock: not ours.)
    assert not [r for r in ours if r.levelno >= logging.ERROR or r.exc_info]
    assert secret not in caplog.text
    # The same change, properly delivered, does apply: the refusal is what kept it out.
    assert await served.post(*_status_push(secret, lobby, "offline")) == 200
    assert served.state(LOBBY_ONLINE) == STATE_OFF


# -- fuzz ----------------------------------------------------------------------------------

_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=4,
)


def _envelopes(ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """NovaVMS envelopes whose fields are right, near-right or junk."""
    known = st.sampled_from([*ids, "unknown"]) | _JUNK
    data = st.fixed_dictionaries(
        {},
        optional={
            "camera_id": known,
            "gateway_id": known,
            "camera_ids": st.lists(known, max_size=3) | _JUNK,
            "status": st.sampled_from(["online", "offline"]) | _JUNK,
            "online": _JUNK,
            "id": known,
            "alert_id": known,
            "event_id": known,
            "trigger_type": st.sampled_from(["motion", "ai_tag", "manual", "line"]) | _JUNK,
            "tags": st.lists(st.sampled_from(["person", "vehicle", "cat"]), max_size=2) | _JUNK,
            "triggered_at": st.just(dt_util.utcnow().isoformat()) | _JUNK,
            "rule_name": _JUNK,
            "summary": _JUNK,
        },
    )
    kinds = st.sampled_from(sorted(HOOK_TYPES)) | st.just("camera_added") | _JUNK
    return st.fixed_dictionaries(
        {"event_type": kinds, "data": data | _JUNK}, optional={"timestamp": _JUNK}
    )


async def test_fuzzed_signed_deliveries_never_fail(
    hass: HomeAssistant, served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """Signed (so verified) bodies of every shape: 200 or 400, never a 5xx or a traceback."""
    nova = served.nova
    envelopes: list[dict[str, Any]] = []

    # Drawn first, posted after: hypothesis runs the test function synchronously.
    @settings(max_examples=250, database=None, deadline=None, derandomize=True)
    @given(_envelopes([*nova.cameras, *nova.gateways]))
    def draw(envelope: dict[str, Any]) -> None:
        envelopes.append(envelope)

    draw()
    secret = served.entry.data[CONF_PUSH_SECRET]
    statuses = set()
    for envelope in envelopes:
        delivery_id = str(uuid.uuid4())
        body = json.dumps({**envelope, "webhook_id": delivery_id}).encode()
        statuses.add(await served.post(body, _signed(secret, body, delivery_id)))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert statuses == {200, 400}
    ours = [r for r in caplog.records if r.name.startswith("custom_components.camhub")]
    assert not [r for r in ours if r.levelno >= logging.ERROR or r.exc_info]
    assert not [r for r in caplog.records if r.name.startswith("homeassistant") and r.exc_info]
    # Still working afterwards.
    lobby = served.camera("Lobby")
    for status, state in (("online", STATE_ON), ("offline", STATE_OFF)):
        assert await served.post(*_status_push(secret, lobby, status)) == 200
        assert served.state(LOBBY_ONLINE) == state
