"""Fixtures shared by every CamHub test: the simulators and entries set up against them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

# Imported at module level so Home Assistant's loader finds our custom_components
# instead of the plugin's testing_config.
from custom_components.camhub.const import CONF_SPACE_ID, CONF_VENDOR, DOMAIN
from simulator.control import SimClock
from simulator.stack import SimulatorStack

from .push_support import async_serve

assert DOMAIN == "camhub"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None, hass: HomeAssistant, tmp_path: Path
) -> None:
    """Load custom integrations in every test; files CamHub writes go to the test's directory."""
    hass.config.config_dir = str(tmp_path)


@pytest.fixture
def sim_clock() -> SimClock:
    """The simulators' clock follows Home Assistant's (frozen or moved by tests)."""
    return SimClock(base=dt_util.utcnow)


@pytest.fixture
async def stack(socket_enabled: None, sim_clock: SimClock) -> AsyncIterator[SimulatorStack]:
    """The demo scenario's three simulators on 127.0.0.1, stopped after the test."""
    async with SimulatorStack(scenario="demo", clock=sim_clock) as running:
        yield running


def angelcam_data(stack: SimulatorStack, user: int = 0, space: str = "1") -> dict[str, Any]:
    """Entry data for an Angelcam user of the demo scenario."""
    creds = stack.credentials()["angelcam"]["users"][user]
    return {
        CONF_VENDOR: "angelcam",
        "access_token": creds["personal_access_token"],
        "url": stack.angelcam.url,
        CONF_SPACE_ID: space,
    }


def novavms_data(stack: SimulatorStack, role: str = "operator") -> dict[str, Any]:
    """Entry data for a NovaVMS key of the demo organisation."""
    creds = stack.credentials()["novavms"]
    return {CONF_VENDOR: "novavms", "url": stack.novavms.url, "api_key": creds["api_keys"][role]}


def opencamera_data(stack: SimulatorStack, index: int = 0) -> dict[str, Any]:
    """Entry data for one OpenCamera device of the demo scenario."""
    device = stack.credentials()["opencamera"]["devices"][index]
    return {
        CONF_VENDOR: "opencamera",
        "host": "127.0.0.1",
        "port": device["port"],
        "username": device["username"],
        "password": device["password"],
    }


async def async_add_entry(
    hass: HomeAssistant, data: dict[str, Any], unique_id: str, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """Add an entry and set it up (it may fail; tests check the state)."""
    entry = MockConfigEntry(
        domain=DOMAIN, data=data, unique_id=unique_id, options=options or {}, title=unique_id
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def angelcam_entry(hass: HomeAssistant, stack: SimulatorStack) -> MockConfigEntry:
    """Alice's "Novak family" space, set up."""
    return await async_add_entry(hass, angelcam_data(stack), "angelcam:1:1")


@pytest.fixture
async def novavms_entry(hass: HomeAssistant, stack: SimulatorStack) -> MockConfigEntry:
    """The demo NovaVMS organisation through its operator key, set up."""
    org = stack.credentials()["novavms"]["org_id"]
    return await async_add_entry(hass, novavms_data(stack), f"novavms:{org}")


@pytest.fixture
async def opencamera_entry(hass: HomeAssistant, stack: SimulatorStack) -> MockConfigEntry:
    """The first demo OpenCamera device, set up."""
    uuid = stack.credentials()["opencamera"]["devices"][0]["uuid"]
    return await async_add_entry(hass, opencamera_data(stack), f"opencamera:{uuid}")


@pytest.fixture
async def angelcam_served(
    hass: HomeAssistant,
    angelcam_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> TestClient:
    """Alice's entry with Home Assistant served on 127.0.0.1 and registered for push."""
    # Imported here: push_support imports this module's helpers' neighbours.

    return await async_serve(hass, hass_client_no_auth, freezer, angelcam_entry)


async def async_wait_a_minute(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let a minute pass so work held by Angelcam's per-minute limit (setup retries) runs."""
    for _ in range(3):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
