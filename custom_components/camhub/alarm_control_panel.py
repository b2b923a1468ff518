"""Alarm panels: one per location the user may arm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.alarm_control_panel import (  # type: ignore[attr-defined,unused-ignore]
    AlarmControlPanelEntity,
    AlarmControlPanelEntityDescription,
    AlarmControlPanelEntityFeature,  # in alarm_control_panel.const, exported at runtime
    AlarmControlPanelState,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .data import CamHubConfigEntry
from .entity import CamHubSiteDescription, CamHubSiteEntity, async_add_site_entities
from .exceptions import raise_translated
from .offered import offered
from .providers.features import Arming
from .providers.interface import Connection
from .providers.model import Capability, Site

PARALLEL_UPDATES = 1
# A pending arm/disarm this close shows as arming/disarming; later ones are schedules.
PENDING_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, kw_only=True)
class CamHubAlarmDescription(CamHubSiteDescription, AlarmControlPanelEntityDescription):
    """The arming panel of a location."""


def _can_arm(connection: Connection, site: Site) -> bool:
    # ARMING means the user may arm it (Angelcam: the location.arming permission).
    return (
        connection.arming is not None
        and site.supports(Capability.ARMING)
        and site.armed is not None
    )


PANELS: tuple[CamHubAlarmDescription, ...] = (
    CamHubAlarmDescription(key="arming", translation_key="arming", supported=_can_arm),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a panel per armable location, now and as locations appear."""
    async_add_site_entities(entry, async_add_entities, PANELS, CamHubAlarmPanel)


def _soon(when: datetime | None, now: datetime) -> bool:
    return when is not None and now <= when <= now + PENDING_WINDOW


class CamHubAlarmPanel(CamHubSiteEntity, AlarmControlPanelEntity):
    """Arm away / disarm a location, no code needed."""

    entity_description: CamHubAlarmDescription
    _attr_code_arm_required = False
    _attr_supported_features = AlarmControlPanelEntityFeature.ARM_AWAY

    @property
    def alarm_state(self) -> AlarmControlPanelState | None:
        """Armed or disarmed, or arming/disarming while a delayed change is pending."""
        site = self.site
        if site is None:
            return None
        now = dt_util.utcnow()
        if site.armed:
            if _soon(site.next_disarming, now):
                return AlarmControlPanelState.DISARMING
            return AlarmControlPanelState.ARMED_AWAY
        if _soon(site.next_arming, now):
            return AlarmControlPanelState.ARMING
        return AlarmControlPanelState.DISARMED

    def _state_changes_at(self) -> datetime | None:
        """A pending arm/disarm shows from PENDING_WINDOW before it until it is due."""
        site = self.site
        if site is None:
            return None
        now = dt_util.utcnow()
        moments = (
            moment
            for when in (site.next_arming, site.next_disarming)
            if when is not None
            for moment in (when - PENDING_WINDOW, when)
            if moment > now
        )
        return min(moments, default=None)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the location arms or disarms next (delay or schedule)."""
        site = self.site
        if site is None:
            return {}
        return {
            "next_arming": site.next_arming.isoformat() if site.next_arming else None,
            "next_disarming": site.next_disarming.isoformat() if site.next_disarming else None,
        }

    def _arming(self) -> Arming:
        return offered(self.connection.arming, "arming")

    @raise_translated
    async def async_alarm_arm_away(self, code: str | None = None) -> None:
        """Arm the location."""
        await self._arming().async_arm(self.item_id)
        await self.coordinator.async_refresh_site(self.item_id)

    @raise_translated
    async def async_alarm_disarm(self, code: str | None = None) -> None:
        """Disarm the location."""
        await self._arming().async_disarm(self.item_id)
        await self.coordinator.async_refresh_site(self.item_id)
