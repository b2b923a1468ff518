"""Push test helpers: Home Assistant served on 127.0.0.1, the simulators delivering to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camhub.const import EVENT_INCIDENT
from custom_components.camhub.push import PushChannel


async def async_serve(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    *entries: MockConfigEntry,
) -> TestClient:
    """Serve Home Assistant on a free 127.0.0.1 port, make it the external URL, register.

    Called after the entries are set up (the server freezes the router); changing the
    external URL makes each push channel register its new webhook URL with the vendor.
    Angelcam's first registration waits for room in the minute's budget.
    """
    # A minute on, first: Angelcam's setup spent most of the minute's budget.
    freezer.tick(timedelta(seconds=61))
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("")).rstrip("/"))
    await hass.async_block_till_done()
    for entry in entries:
        assert channel(entry).url is not None
    return client


def channel(entry: MockConfigEntry) -> PushChannel:
    """The entry's push channel."""
    push = entry.runtime_data.push
    assert push is not None
    return push


def incidents(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect camhub_incident events from now on."""
    seen: list[dict[str, Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_INCIDENT, record)
    return seen
