"""ICE servers of an OpenCamera device in the options flow (PUT /media/live/config)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import CONF_ICE_SERVERS, CONF_SCAN_INTERVAL, DOMAIN
from simulator.stack import SimulatorStack
from tests.conftest import opencamera_data

from .health_support import async_add_opencamera, device_uuid

LIVE_CONFIG = "/api/v1/media/live/config"
DEFAULT_SERVERS = ["stun.l.google.com:19302"]


def _fields(result: Any) -> dict[str, Any]:
    """Field name -> its suggested value, of a shown form."""
    assert result["type"] is FlowResultType.FORM
    return {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }


async def _submit(hass: HomeAssistant, entry: MockConfigEntry, **fields: Any) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, **fields}
    )


def _puts(stack: SimulatorStack) -> int:
    return stack.log.count(vendor="opencamera", path_prefix=LIVE_CONFIG)


async def test_ice_servers_shown_and_sent(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(opencamera_entry.entry_id)
    assert _fields(result)[CONF_ICE_SERVERS] == DEFAULT_SERVERS
    wanted = [" stun:stun.example.org:3478 ", "turn.example.org:3478", ""]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_ICE_SERVERS: wanted}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert stack.opencamera.state.ice_servers == [
        "stun:stun.example.org:3478",
        "turn.example.org:3478",
    ]
    assert _puts(stack) == 1
    # They live on the device, not in the options.
    assert CONF_ICE_SERVERS not in opencamera_entry.options
    await hass.async_block_till_done()
    system = opencamera_entry.runtime_data.coordinator.data.system
    assert system is not None
    assert system.ice_servers == ("stun:stun.example.org:3478", "turn.example.org:3478")


async def test_unchanged_or_missing_servers_send_nothing(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    result = await _submit(hass, opencamera_entry, **{CONF_ICE_SERVERS: DEFAULT_SERVERS})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await _submit(hass, opencamera_entry)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _puts(stack) == 0


async def test_invalid_servers(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    for wanted in (
        ["stun server with spaces:3478"],
        [f"stun{n}.example.org:3478" for n in range(9)],
    ):
        result = await _submit(hass, opencamera_entry, **{CONF_ICE_SERVERS: wanted})
        assert result["errors"] == {CONF_ICE_SERVERS: "invalid_ice_server"}
        # The form keeps what the user typed.
        assert _fields(result)[CONF_ICE_SERVERS] == wanted
    assert _puts(stack) == 0


async def test_device_error(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    stack.opencamera.faults.add("status5xx", path_prefix=LIVE_CONFIG)
    result = await _submit(hass, opencamera_entry, **{CONF_ICE_SERVERS: ["stun.example.org:1"]})
    assert result["errors"] == {"base": "cannot_connect"}
    assert stack.opencamera.state.ice_servers == DEFAULT_SERVERS


async def test_not_implemented_is_not_offered_again(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    stack.opencamera.state.unsupported = {"updateLiveConfig"}
    entry = await async_add_opencamera(hass, stack)
    result = await _submit(hass, entry, **{CONF_ICE_SERVERS: ["stun.example.org:1"]})
    assert result["errors"] == {"base": "ice_unsupported"}
    assert CONF_ICE_SERVERS not in _fields(result)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert CONF_ICE_SERVERS not in _fields(result)
    assert _puts(stack) == 1


async def test_not_offered_without_system_info(hass: HomeAssistant, stack: SimulatorStack) -> None:
    stack.opencamera.state.unsupported = {"getSystemInfo"}
    entry = await async_add_opencamera(hass, stack)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert CONF_ICE_SERVERS not in _fields(result)


async def test_not_offered_while_not_loaded(hass: HomeAssistant, stack: SimulatorStack) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data=opencamera_data(stack), unique_id=f"opencamera:{device_uuid(stack)}"
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert CONF_ICE_SERVERS not in _fields(result)
