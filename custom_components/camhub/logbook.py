"""Logbook platform: each camhub_incident reads as "<camera> reported <title> (<location>)"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_INCIDENT


@callback
def describe_incident(event: Event) -> dict[str, Any]:
    """The logbook line of one incident: the camera as its name, the vendor's title as text.

    Events recorded before a restart are described from the stored data alone, so every field
    may be missing.
    """
    data = event.data
    title = data.get("title") or "an incident"
    message = f"reported {title}"
    if location := data.get("location"):
        message += f" ({location})"
    return {
        LOGBOOK_ENTRY_NAME: data.get("camera_name") or "CamHub camera",
        LOGBOOK_ENTRY_MESSAGE: message,
        LOGBOOK_ENTRY_ICON: "mdi:cctv",
        # Linking the camera puts the line on its logbook and history too.
        LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
    }


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Tell the logbook how to show CamHub's bus events."""
    async_describe_event(DOMAIN, EVENT_INCIDENT, describe_incident)
