"""The config flow offers the three vendors."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.camhub.const import DOMAIN


@pytest.mark.parametrize("vendor", ["angelcam", "novavms", "opencamera"])
async def test_menu_offers_each_vendor(hass: HomeAssistant, vendor: str) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["angelcam", "novavms", "opencamera"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_available"
