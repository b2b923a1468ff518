"""Angelcam health for modules not yet on the connection: the reader lives in the connection.

Parallel phase of issue 15 only: the integration step deletes this module once the push
modules apply arrow status through the vendor's PushSupport and sensor.py imports
primary_recording from the provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .providers.angelcam.connection import AngelcamConnection
from .providers.angelcam.health import (
    HEALTH_DAILY_REQUESTS,
    MIN_REFRESH_AGE,
    START_DELAY,
    AngelcamHealth,
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


@callback
def async_apply_arrow_push(coordinator: CamHubCoordinator, message: PushMessage) -> bool:
    """Hand an arrow_status push to the entities now (the push channel calls this)."""
    connection = coordinator.connection
    if not isinstance(connection, AngelcamConnection) or coordinator.data is None:
        return False
    health = connection.health
    if not health.apply_push(message, dt_util.utcnow()):
        return False
    coordinator.async_push_data(health.apply(coordinator.data))
    return True
