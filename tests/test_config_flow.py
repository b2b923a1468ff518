"""Config, reauth, reconfigure and options flows against the simulators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camhub.const import (
    CONF_LOCATIONS,
    CONF_SCAN_INTERVAL,
    CONF_SITES,
    CONF_SPACE_ID,
    CONF_STREAM_FORMAT,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
)
from simulator.stack import SimulatorStack

from .conftest import (
    angelcam_data,
    async_add_entry,
    async_wait_a_minute,
    novavms_data,
    opencamera_data,
)


async def _start(hass: HomeAssistant, vendor: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["angelcam", "novavms", "opencamera"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == vendor
    return str(result["flow_id"])


def _angelcam_input(stack: SimulatorStack, user: int = 0) -> dict[str, Any]:
    data = angelcam_data(stack, user)
    return {"access_token": data["access_token"], "url": data["url"]}


def _without_vendor(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "vendor"}


async def test_angelcam_single_space_creates_entry(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    flow_id = await _start(hass, "angelcam")
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Angelcam Marek shop"
    assert result["data"][CONF_SPACE_ID] == "2"
    assert result["result"].unique_id == "angelcam:space:2"


async def test_angelcam_several_spaces_asks_for_one(
    hass: HomeAssistant, stack: SimulatorStack, freezer: FrozenDateTimeFactory
) -> None:
    flow_id = await _start(hass, "angelcam")
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "angelcam_space"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SPACE_ID: "2"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Angelcam Marek shop"
    assert result["result"].unique_id == "angelcam:space:2"
    # The same space again aborts (a minute later: Angelcam allows 20 requests a minute).
    freezer.tick(timedelta(minutes=1))
    flow_id = await _start(hass, "angelcam")
    await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack))
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SPACE_ID: "2"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "space_already_configured"
    # So does the same space through another member's token (Marek's single space).
    freezer.tick(timedelta(minutes=1))
    flow_id = await _start(hass, "angelcam")
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "space_already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_space_of_an_entry_named_by_its_user_is_not_added_again(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    """Entries made while the unique id named the user (angelcam:<user>:<space>)."""
    await async_add_entry(hass, angelcam_data(stack, 0, "2"), "angelcam:1:2")
    flow_id = await _start(hass, "angelcam")
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "space_already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_angelcam_space_step_shows_errors(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "angelcam")
    await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack))
    stack.angelcam.faults.add("status5xx", count=1)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SPACE_ID: "1"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SPACE_ID: "1"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _throttle(stack: SimulatorStack) -> None:
    # One request a minute: the account check's second request gets a 429.
    stack.angelcam.state.rate_limiter.limits.per_minute = 1


def _unthrottle(stack: SimulatorStack) -> None:
    stack.angelcam.state.rate_limiter.limits.per_minute = None


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (lambda s: s.angelcam.faults.add("status5xx", count=1), "cannot_connect"),
        (lambda s: s.angelcam.faults.add("status5xx", status=501, count=1), "unsupported"),
        (lambda s: s.angelcam.faults.add("malformed_json", count=1), "unknown"),
        (_throttle, "rate_limited"),
    ],
)
async def test_angelcam_errors(
    hass: HomeAssistant,
    stack: SimulatorStack,
    fault: Callable[[SimulatorStack], object],
    error: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    flow_id = await _start(hass, "angelcam")
    fault(stack)
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # Once the service recovers and any wait it asked for is over, the next try goes through.
    _unthrottle(stack)
    freezer.tick(timedelta(minutes=1))
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_retry_inside_the_vendors_wait_is_refused(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    """After a 429 the account's budget holds requests until the wait is over."""
    flow_id = await _start(hass, "angelcam")
    _throttle(stack)
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["errors"] == {"base": "rate_limited"}
    _unthrottle(stack)
    sent = stack.log.count(vendor="angelcam")
    result = await hass.config_entries.flow.async_configure(flow_id, _angelcam_input(stack, 1))
    assert result["errors"] == {"base": "rate_limited"}
    assert stack.log.count(vendor="angelcam") == sent


async def test_angelcam_invalid_token(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "angelcam")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"access_token": "not-a-token", "url": stack.angelcam.url}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_novavms_creates_entry_and_aborts_duplicates(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    org = stack.credentials()["novavms"]["org_id"]
    flow_id = await _start(hass, "novavms")
    result = await hass.config_entries.flow.async_configure(
        flow_id, _without_vendor(novavms_data(stack))
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"novavms:{org}"
    # Named by its sites (the API names no organisation), never "NovaVMS NovaVMS".
    sites = sorted(site.name for site in stack.scenario.novavms.sites.values())
    assert result["title"].startswith("NovaVMS ")
    assert result["title"] != "NovaVMS NovaVMS"
    assert any(name in result["title"] for name in sites)
    # Another key of the same organisation is the same entry.
    flow_id = await _start(hass, "novavms")
    result = await hass.config_entries.flow.async_configure(
        flow_id, _without_vendor(novavms_data(stack, "admin"))
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_novavms_invalid_key(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "novavms")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": stack.novavms.url, "api_key": "sk_live_wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_opencamera_creates_entry_named_by_uuid(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    uuid = stack.credentials()["opencamera"]["devices"][0]["uuid"]
    flow_id = await _start(hass, "opencamera")
    result = await hass.config_entries.flow.async_configure(
        flow_id, _without_vendor(opencamera_data(stack))
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"opencamera:{uuid}"
    assert result["title"] == f"OpenCamera {uuid[:8]}"


async def test_opencamera_without_device_endpoint_falls_back_to_address(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    data = _without_vendor(opencamera_data(stack, 1))
    flow_id = await _start(hass, "opencamera")
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"opencamera:127.0.0.1:{data['port']}"
    assert result["title"] == f"OpenCamera 127.0.0.1:{data['port']}"


async def test_opencamera_login_unsupported(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "opencamera")
    stack.opencamera.faults.add("status5xx", status=501, count=1)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _without_vendor(opencamera_data(stack))
    )
    assert result["errors"] == {"base": "unsupported"}


async def test_opencamera_wrong_password(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "opencamera")
    data = _without_vendor(opencamera_data(stack)) | {"password": "wrong"}
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["errors"] == {"base": "invalid_auth"}


async def test_reauth_keeps_account(hass: HomeAssistant, angelcam_entry: MockConfigEntry) -> None:
    result = await angelcam_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": "revoked"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    token = angelcam_entry.data["access_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reauth_with_another_member_of_the_space(
    hass: HomeAssistant, stack: SimulatorStack
) -> None:
    # The entry is the space: another member's token keeps the same cameras.
    entry = await async_add_entry(hass, angelcam_data(stack, 0, "2"), "angelcam:1:2")
    result = await entry.start_reauth_flow(hass)
    bob = angelcam_data(stack, 1, "2")["access_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": bob}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["access_token"] == bob
    assert entry.unique_id == "angelcam:1:2"


async def test_reconfigure_moves_device_but_not_to_another(
    hass: HomeAssistant, stack: SimulatorStack, opencamera_entry: MockConfigEntry
) -> None:
    result = await opencamera_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    # Secrets are never suggested back.
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["username"] == opencamera_entry.data["username"]
    assert suggested.get("password") is None
    other = _without_vendor(opencamera_data(stack, 1))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], other)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"

    result = await opencamera_entry.start_reconfigure_flow(hass)
    same = _without_vendor(opencamera_data(stack, 0))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], same)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert opencamera_entry.state is ConfigEntryState.LOADED


async def test_options_interval_inside_budget(
    hass: HomeAssistant, angelcam_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    result = await hass.config_entries.options.async_init(angelcam_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert CONF_WEBHOOK_SECRET not in {str(key) for key in result["data_schema"].schema}
    minimum = int(result["description_placeholders"]["minimum"])
    assert minimum >= 180
    choice = {CONF_SCAN_INTERVAL: minimum - 1, CONF_STREAM_FORMAT: "mjpeg", CONF_LOCATIONS: ["2"]}
    result = await hass.config_entries.options.async_configure(result["flow_id"], choice)
    assert result["errors"] == {CONF_SCAN_INTERVAL: "interval_over_budget"}
    choice[CONF_SCAN_INTERVAL] = minimum
    result = await hass.config_entries.options.async_configure(result["flow_id"], choice)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The reload polls again inside the same minute's shared budget, so it may wait.
    await async_wait_a_minute(hass, freezer)
    assert angelcam_entry.options[CONF_LOCATIONS] == ["2"]
    # Reloaded with the choice: only the Garage location's camera remains.
    coordinator = angelcam_entry.runtime_data.coordinator
    assert set(coordinator.data.cameras) == {"4"}
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() >= minimum


async def test_options_per_vendor(
    hass: HomeAssistant, novavms_entry: MockConfigEntry, opencamera_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(novavms_entry.entry_id)
    fields = {str(key) for key in result["data_schema"].schema}
    assert {CONF_SCAN_INTERVAL, CONF_SITES, CONF_WEBHOOK_SECRET} <= fields
    assert {CONF_STREAM_FORMAT, CONF_LOCATIONS}.isdisjoint(fields)
    result = await hass.config_entries.options.async_init(opencamera_entry.entry_id)
    fields = {str(key) for key in result["data_schema"].schema}
    assert CONF_SCAN_INTERVAL in fields
    assert {CONF_STREAM_FORMAT, CONF_LOCATIONS, CONF_SITES, CONF_WEBHOOK_SECRET}.isdisjoint(fields)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _suggested(result: Any, field: str) -> Any:
    """The value a form shows in `field`."""
    marker = next(key for key in result["data_schema"].schema if str(key) == field)
    return (marker.description or {}).get("suggested_value")


async def test_options_webhook_secret_pasted_then_cleared(
    hass: HomeAssistant, novavms_entry: MockConfigEntry
) -> None:
    options = hass.config_entries.options
    result = await options.async_init(novavms_entry.entry_id)
    assert _suggested(result, CONF_WEBHOOK_SECRET) is None
    interval = _suggested(result, CONF_SCAN_INTERVAL)
    pasted = {CONF_SCAN_INTERVAL: interval, CONF_WEBHOOK_SECRET: "  whsec_live_abc\n"}
    result = await options.async_configure(result["flow_id"], pasted)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert novavms_entry.options[CONF_WEBHOOK_SECRET] == "whsec_live_abc"
    # Shown again (masked), so saving other options keeps it.
    result = await options.async_init(novavms_entry.entry_id)
    assert _suggested(result, CONF_WEBHOOK_SECRET) == "whsec_live_abc"
    cleared = {CONF_SCAN_INTERVAL: interval, CONF_WEBHOOK_SECRET: " "}
    result = await options.async_configure(result["flow_id"], cleared)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert CONF_WEBHOOK_SECRET not in novavms_entry.options
    assert novavms_entry.state is ConfigEntryState.LOADED


async def test_options_of_an_entry_that_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"vendor": "angelcam"}, unique_id="angelcam:9:9")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"]["minimum"] == "180"


async def test_novavms_reauth_with_another_key_of_the_same_organisation(
    hass: HomeAssistant, stack: SimulatorStack, novavms_entry: MockConfigEntry
) -> None:
    result = await novavms_entry.start_reauth_flow(hass)
    admin = novavms_data(stack, "admin")["api_key"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"api_key": admin})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert novavms_entry.data["api_key"] == admin


async def test_reauth_with_a_user_outside_the_space_is_another_account(
    hass: HomeAssistant, stack: SimulatorStack, angelcam_entry: MockConfigEntry
) -> None:
    # Bob is no member of Alice's "Novak family" space: Angelcam answers 404.
    result = await angelcam_entry.start_reauth_flow(hass)
    bob = angelcam_data(stack, 1)["access_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"access_token": bob}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


async def test_wrong_service_address(hass: HomeAssistant, stack: SimulatorStack) -> None:
    flow_id = await _start(hass, "novavms")
    data = _without_vendor(novavms_data(stack)) | {"url": stack.angelcam.url}
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["errors"] == {"base": "unknown"}


async def test_novavms_url_help_shows_the_example_url(hass: HomeAssistant) -> None:
    from homeassistant.helpers.translation import async_get_translations

    flow_id = await _start(hass, "novavms")
    result = await hass.config_entries.flow.async_configure(flow_id)  # the form again
    assert result["step_id"] == "novavms"
    placeholders = result["description_placeholders"]
    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    template = texts[f"component.{DOMAIN}.config.step.novavms.data_description.url"]
    assert "https://" not in template
    assert template.format(**placeholders) == (
        "The address of your NovaVMS server, for example https://novavms.novalien.com."
    )
