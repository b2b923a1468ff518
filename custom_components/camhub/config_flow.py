"""Config flow: the vendor menu (each vendor's steps arrive with the integration core)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import DOMAIN

VENDORS = ["angelcam", "novavms", "opencamera"]


class CamHubConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a CamHub entry."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the vendor."""
        return self.async_show_menu(step_id="user", menu_options=VENDORS)

    async def _not_available(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_abort(reason="not_available")

    async_step_angelcam = async_step_novavms = async_step_opencamera = _not_available
