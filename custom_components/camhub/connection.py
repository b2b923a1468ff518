"""Connect a config entry to its vendor: the provider's connection on HA's session, budgets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import CONF_VENDOR, DOMAIN
from .providers import Connection, provider_for
from .providers.budget import RequestBudget

# Vendors meter requests per account (Angelcam per user token, NovaVMS per key), not per
# entry: every entry on one credential shares one budget.
BUDGETS: HassKey[dict[str, RequestBudget]] = HassKey(f"{DOMAIN}_budgets")


def account_key(data: Mapping[str, Any]) -> str | None:
    """A digest naming the metered account of an entry (None: the vendor meters nothing)."""
    return provider_for(data[CONF_VENDOR]).budget_key(data)


def shared_budget(hass: HomeAssistant, data: Mapping[str, Any]) -> RequestBudget | None:
    """The one budget of the entry's account, created on first use."""
    key = account_key(data)
    if key is None:
        return None
    budgets = hass.data.setdefault(BUDGETS, {})
    if key not in budgets:
        clock = lambda: dt_util.utcnow().timestamp()  # noqa: E731 - follows HA's clock in tests
        budget = provider_for(data[CONF_VENDOR]).new_budget(clock)
        if budget is None:
            return None
        budgets[key] = budget
    return budgets[key]


def entries_sharing_account(hass: HomeAssistant, data: Mapping[str, Any]) -> int:
    """How many CamHub entries spend the same account's budget (at least 1)."""
    key = account_key(data)
    if key is None:
        return 1
    entries = hass.config_entries.async_entries(DOMAIN)
    return max(1, sum(1 for e in entries if account_key(e.data) == key))


def create_connection(hass: HomeAssistant, data: Mapping[str, Any]) -> Connection:
    """The connection for the vendor named in `data`, on Home Assistant's shared session."""
    provider = provider_for(data[CONF_VENDOR])
    return provider.connect(async_get_clientsession(hass), data, shared_budget(hass, data))
