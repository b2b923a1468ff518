"""A real Home Assistant with CamHub loaded, for bench scripts (no pytest run needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

# Imported first so Home Assistant's loader finds this checkout's custom_components.
from custom_components.camhub.const import CONF_SPACE_ID, CONF_VENDOR, DOMAIN
from simulator.stack import SimulatorStack


@asynccontextmanager
async def running_hass() -> AsyncIterator[HomeAssistant]:
    """Home Assistant with custom integrations enabled, stopped on exit."""
    # Plain DNS instead of Home Assistant's mDNS-aware resolver, which needs the network
    # integration set up (tests get the same through the pytest plugin).
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        lambda _hass: aiohttp.ThreadedResolver(),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            yield hass


def angelcam_entry(
    stack: SimulatorStack, options: dict[str, Any] | None = None, *, unique_id: str | None = None
) -> MockConfigEntry:
    """An entry for the scenario's first Angelcam user and its default space.

    `unique_id` tells apart entries of several stacks in one Home Assistant (each
    scenario numbers its users and spaces from 1).
    """
    creds = stack.credentials()["angelcam"]
    space = str(creds["space_ids"][0])
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=unique_id or f"angelcam:space:{space}",
        title="Angelcam",
        data={
            CONF_VENDOR: "angelcam",
            "access_token": creds["personal_access_token"],
            "url": stack.angelcam.url,
            CONF_SPACE_ID: space,
        },
        options=options or {},
    )


def novavms_entry(stack: SimulatorStack) -> MockConfigEntry:
    """An entry for the scenario's NovaVMS organisation (operator key)."""
    creds = stack.credentials()["novavms"]
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"novavms:{creds['org_id']}",
        title="NovaVMS",
        data={
            CONF_VENDOR: "novavms",
            "url": stack.novavms.url,
            "api_key": creds["api_keys"]["operator"],
        },
    )
