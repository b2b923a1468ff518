"""The fourth provider: registered from a test, it gets a config flow, entities and push."""

# pytest-homeassistant-custom-component ships no py.typed; everything else here is checked.
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import json
from typing import Any

from aiohttp import ClientSession
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import CONF_PUSH_TARGET_ID, CONF_VENDOR, DOMAIN
from custom_components.camhub.providers import register, registered
from custom_components.camhub.providers.errors import AuthenticationError, SignatureError
from custom_components.camhub.providers.model import PushKind
from custom_components.camhub.providers.motion import MotionTracker
from custom_components.camhub.providers.push import PushContext
from custom_components.camhub.push import PushChannel

from .provider import KEY, FakeCamConnection, FakeCamProvider
from .simulator import API_KEY, JPEG, SECRET, WEBHOOK_ID, FakeCamSimulator, signature

CAMERA = "camera.bench"
ONLINE = "binary_sensor.bench_online"
OFFLINE_PUSH = json.dumps({"camera": "c1", "online": False}).encode()


@pytest.fixture
def fakecam() -> Iterator[FakeCamProvider]:
    """FakeCam in the registry for one test: it stands in for a line in PROVIDERS."""
    provider = FakeCamProvider()
    undo = register(provider)
    yield provider
    undo()


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[FakeCamSimulator]:
    """FakeCam's simulator on 127.0.0.1."""
    async with FakeCamSimulator() as running:
        yield running


def fakecam_data(sim: FakeCamSimulator, api_key: str = API_KEY) -> dict[str, Any]:
    """Entry data for the simulator's account."""
    return {CONF_VENDOR: KEY, "url": sim.url, "api_key": api_key}


@pytest.fixture
async def entry(
    hass: HomeAssistant, fakecam: FakeCamProvider, sim: FakeCamSimulator
) -> MockConfigEntry:
    """A FakeCam entry set up against the simulator."""
    entry = MockConfigEntry(domain=DOMAIN, data=fakecam_data(sim), unique_id=f"{KEY}:fc1")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def async_serve(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> str:
    """Serve HA on 127.0.0.1 and make that the external URL: the channel registers it.

    As tests/push_support.async_serve, less Angelcam's wait for budget (FakeCam meters nothing).
    """
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("")).rstrip("/"))
    await hass.async_block_till_done()
    return str(client.make_url(""))


@pytest.fixture
async def served(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> MockConfigEntry:
    """The entry, with Home Assistant reachable so that its push channel registered."""
    await async_serve(hass, hass_client_no_auth)
    return entry


def channel(entry: MockConfigEntry) -> PushChannel:
    """The entry's push channel."""
    push: PushChannel | None = entry.runtime_data.push
    assert push is not None
    return push


# -- the provider on its own (no Home Assistant) -----------------------------------------------


async def test_connection_reads_the_account_cameras_and_image(
    fakecam: FakeCamProvider, sim: FakeCamSimulator
) -> None:
    """One request per read; the camera is a SNAPSHOT camera with `images` on the connection."""
    async with ClientSession() as session:
        connection = fakecam.connect(session, fakecam_data(sim), None)
        assert isinstance(connection, FakeCamConnection)
        account = await connection.async_fetch_account()
        assert account.unique_id == "fakecam:fc1"
        assert account.name == "Lab"
        refresh = await connection.async_refresh(
            MotionTracker(), dt_util.utcnow(), sites=frozenset()
        )
        # The account read once more (its first refresh), then the cameras.
        assert refresh.cost == 2
        (camera,) = refresh.snapshot.cameras.values()
        assert (camera.id, camera.name, camera.online) == ("c1", "Bench", True)
        assert connection.images is connection
        assert connection.live is None
        assert connection.arming is None
        assert await connection.async_camera_image("c1") == JPEG
        again = await connection.async_refresh(MotionTracker(), dt_util.utcnow(), sites=frozenset())
        assert again.cost == 1
    assert sim.requests["GET /account"] == 2
    assert sim.requests["GET /cameras"] == 2
    assert sim.requests["GET /cameras/c1/image"] == 1


async def test_wrong_key_is_an_authentication_error(
    fakecam: FakeCamProvider, sim: FakeCamSimulator
) -> None:
    """HttpCore maps the simulator's 401 like any vendor's."""
    async with ClientSession() as session:
        connection = fakecam.connect(session, fakecam_data(sim, api_key="nope"), None)
        with pytest.raises(AuthenticationError):
            await connection.async_fetch_account()


async def test_push_support_registers_verifies_applies_and_unregisters(
    fakecam: FakeCamProvider, sim: FakeCamSimulator
) -> None:
    """The webhook's secret verifies bodies; a status turns the camera offline; delete is quiet."""
    async with ClientSession() as session:
        connection = fakecam.connect(session, fakecam_data(sim), None)
        push = connection.push
        assert push is not None
        assert push.event_types == ()
        assert push.api_origin().startswith(sim.url)
        context = PushContext(
            url="http://127.0.0.1:1/api/webhook/x", instance="i", data={}, options={}
        )
        target = await push.async_register(context)
        assert (target.target_id, target.secret) == (WEBHOOK_ID, SECRET)
        assert sim.webhook_url == context.url
        verifier = push.verifier(SECRET, dt_util.utcnow)
        message = verifier.verify(
            OFFLINE_PUSH, {"X-Fake-Signature": signature(SECRET, OFFLINE_PUSH)}
        )
        assert (message.kind, message.camera_id, message.online) == (
            PushKind.CAMERA_STATUS,
            "c1",
            False,
        )
        with pytest.raises(SignatureError):
            verifier.verify(OFFLINE_PUSH, {"X-Fake-Signature": signature("other", OFFLINE_PUSH)})
        with pytest.raises(SignatureError):
            verifier.verify(OFFLINE_PUSH, {})
        now = dt_util.utcnow()
        snapshot = (
            await connection.async_refresh(MotionTracker(), now, sites=frozenset())
        ).snapshot
        outcome = push.apply(message, snapshot, MotionTracker(), now)
        assert outcome.devices == (("camera", "c1"),)
        assert outcome.snapshot is not None
        assert outcome.snapshot.cameras["c1"].online is False
        # Already offline: nothing changes, nobody hears of it.
        assert push.apply(message, outcome.snapshot, MotionTracker(), now).devices == ()
        await push.async_unregister(WEBHOOK_ID)
        assert not sim.has_webhook
        await push.async_unregister(WEBHOOK_ID)
    assert sim.requests["DELETE /webhooks/w1"] == 2


# -- in Home Assistant ------------------------------------------------------------------------


async def test_menu_lists_fakecam_and_its_step_creates_the_entry(
    hass: HomeAssistant, fakecam: FakeCamProvider, sim: FakeCamSimulator
) -> None:
    """The menu comes from the registry; the step's form is the provider's fields."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [provider.key for provider in registered()]
    assert result["menu_options"][-1] == KEY
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": KEY}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == KEY
    schema = result["data_schema"]
    assert schema is not None
    assert [str(key) for key in schema.schema] == ["url", "api_key"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": sim.url, "api_key": "nope"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": sim.url, "api_key": API_KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == fakecam_data(sim)
    assert result["result"].unique_id == "fakecam:fc1"
    assert result["title"].startswith("FakeCam")
    await hass.async_block_till_done()


async def test_camera_serves_the_jpeg_and_online_sensor_is_on(
    hass: HomeAssistant, entry: MockConfigEntry, sim: FakeCamSimulator
) -> None:
    """A SNAPSHOT camera with the `images` feature gets a camera entity and an online sensor."""
    assert entry.state is ConfigEntryState.LOADED
    image = await async_get_image(hass, CAMERA)
    assert image.content == JPEG
    assert sim.requests["GET /cameras/c1/image"] == 1
    state = hass.states.get(ONLINE)
    assert state is not None
    assert state.state == STATE_ON
    # No event entity: FakeCam's push has no event types.
    assert not [s for s in hass.states.async_all("event") if s.entity_id.startswith("event.bench")]


async def test_push_turns_the_sensor_off_without_a_poll(
    hass: HomeAssistant, served: MockConfigEntry, sim: FakeCamSimulator
) -> None:
    """The registered webhook hears the simulator; the sensor follows with no GET sent."""
    entry = served
    assert sim.requests["POST /webhooks"] >= 1
    assert entry.data[CONF_PUSH_TARGET_ID] == WEBHOOK_ID
    assert sim.webhook_url == channel(entry).url
    state = hass.states.get(ONLINE)
    assert state is not None
    assert state.state == STATE_ON
    polls = sim.requests["GET /cameras"]
    sim.set_online("c1", online=False)
    # A forgery is refused and changes nothing.
    assert await sim.push(OFFLINE_PUSH, secret="forged") == 401
    await hass.async_block_till_done()
    state = hass.states.get(ONLINE)
    assert state is not None
    assert state.state == STATE_ON
    assert await sim.push(OFFLINE_PUSH) == 200
    await hass.async_block_till_done()
    state = hass.states.get(ONLINE)
    assert state is not None
    assert state.state == STATE_OFF
    assert sim.requests["GET /cameras"] == polls
    assert channel(entry).accepted == 1
    assert channel(entry).refused == 1


async def test_unload_keeps_the_webhook_and_remove_deletes_it(
    hass: HomeAssistant, served: MockConfigEntry, sim: FakeCamSimulator
) -> None:
    """A restart keeps deliveries coming; deleting the entry deletes the vendor's webhook."""
    entry = served
    assert sim.has_webhook
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert sim.requests["DELETE /webhooks/w1"] == 0
    assert sim.has_webhook
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert sim.requests["DELETE /webhooks/w1"] == 1
    assert not sim.has_webhook
