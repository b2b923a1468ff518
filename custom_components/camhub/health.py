"""Angelcam health for the coordinator: the provider's reader, fed the entry's registered devices.

Kept while the coordinator still builds it itself; the entry's connection takes it over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .data import CamHubConfigEntry
from .devices import known_devices
from .providers.angelcam.health import (
    HEALTH_DAILY_REQUESTS,
    MIN_REFRESH_AGE,
    START_DELAY,
    AngelcamHealth as ProviderHealth,
    primary_recording,
    refresh_age,
)
from .providers.model import PushMessage

if TYPE_CHECKING:
    from .coordinator import CamHubCoordinator

__all__ = [
    "HEALTH_DAILY_REQUESTS",
    "MIN_REFRESH_AGE",
    "START_DELAY",
    "AngelcamHealth",
    "async_apply_arrow_push",
    "primary_recording",
    "refresh_age",
]


class AngelcamHealth(ProviderHealth):
    """The reader, given the registry's devices when it first needs them."""

    def __init__(self, hass: HomeAssistant, entry: CamHubConfigEntry) -> None:
        """Nothing read yet."""
        super().__init__()
        self._hass = hass
        self._entry = entry

    def _restore_from_registry(self) -> dict[str, tuple[str, ...]]:
        self.restore(known_devices(self._hass, self._entry))
        return super()._restore_from_registry()


@callback
def async_apply_arrow_push(coordinator: CamHubCoordinator, message: PushMessage) -> bool:
    """Hand an arrow_status push to the entities now (the push channel calls this)."""
    if coordinator.data is None or not coordinator.health.apply_push(message, dt_util.utcnow()):
        return False
    coordinator.async_push_data(coordinator.health.apply(coordinator.data))
    return True
