"""Fixtures shared by every CamHub test."""

from __future__ import annotations

import pytest

# Imported at module level so Home Assistant's loader finds our custom_components
# instead of the plugin's testing_config.
from custom_components.camhub.const import DOMAIN

assert DOMAIN == "camhub"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom integrations in every test."""
