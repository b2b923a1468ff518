"""An Angelcam entry whose server answers like the spec's own examples sets up and shows them.

The server is tests/spec_mock.py, built from tests/specs/angelcam-openapi.yml alone (not our
simulator): its list pages name `next` on http://example.com, which is never followed nor
sent the token, and the entry still loads with the example's location and camera.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.camhub.const import CONF_SPACE_ID, CONF_VENDOR
from tests.conftest import async_add_entry
from tests.spec_mock import SpecMock, serve_spec_mock


@pytest.fixture
async def spec_mock(socket_enabled: None) -> AsyncIterator[SpecMock]:
    """The spec-example Angelcam server on 127.0.0.1."""
    async with serve_spec_mock() as mock:
        yield mock


async def test_entry_on_spec_examples_sets_up_and_shows_its_cameras(
    hass: HomeAssistant, spec_mock: SpecMock, caplog: pytest.LogCaptureFixture
) -> None:
    data = {
        CONF_VENDOR: "angelcam",
        "access_token": "spec-example-token",
        "url": spec_mock.url,
        CONF_SPACE_ID: "7",
    }
    entry = await async_add_entry(hass, data, "angelcam:2929:7")

    assert entry.state is ConfigEntryState.LOADED
    snapshot = entry.runtime_data.coordinator.data
    assert [camera.name for camera in snapshot.cameras.values()] == ["Parkside Office"]
    assert [site.name for site in snapshot.sites.values()] == ["My house"]
    cameras = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "camera"
    ]
    assert len(cameras) == 1
    state = hass.states.get(cameras[0])
    assert state is not None
    assert state.name == "Parkside Office"
    # Lists stop at the example's off-origin `next`: once per list, never a failed refresh.
    locations = [r for r in spec_mock.requests if r == ("GET", "/v1/locations/")]
    assert len(locations) == 1
    assert "points to http://example.com:80" in caplog.text
    assert "spec-example-token" not in caplog.text
