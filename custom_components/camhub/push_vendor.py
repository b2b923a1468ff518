"""Point the vendor at our webhook: a URL it can reach, its registration, repairs, and cleanup.

What a vendor registers, and how, is its PushSupport's business (providers/<vendor>/push.py);
this module knows Home Assistant's side: cloudhooks, the external URL, repair issues.
"""

from __future__ import annotations

from ipaddress import ip_address
import logging
from typing import Final
from urllib.parse import urlsplit

from homeassistant.components import cloud, webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id, issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util.network import is_ip_address, is_loopback

from .connection import create_connection
from .const import CONF_CLOUDHOOK_URL, CONF_PUSH_TARGET_ID, CONF_VENDOR, CONF_WEBHOOK_ID, DOMAIN
from .data import CamHubConfigEntry
from .providers import provider_for
from .providers.errors import ProviderError, RequestRejectedError
from .providers.push import (
    ISSUE_FAILING,
    ISSUE_NEEDS_SECRET,
    ISSUE_NOT_PERMITTED,
    ISSUE_UNREACHABLE,
    PushContext,
    PushSupport,
    PushTarget,
    PushUnavailableError,
)

__all__ = [
    "ISSUES",
    "ISSUE_FAILING",
    "ISSUE_NEEDS_SECRET",
    "ISSUE_NOT_PERMITTED",
    "ISSUE_UNREACHABLE",
    "PushTarget",
    "PushUnavailableError",
    "async_remove_push",
    "async_report",
    "async_vendor_target",
    "async_webhook_url",
]

_LOGGER = logging.getLogger(__name__)

ISSUES: Final = (ISSUE_UNREACHABLE, ISSUE_NEEDS_SECRET, ISSUE_NOT_PERMITTED, ISSUE_FAILING)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or (is_ip_address(host) and is_loopback(ip_address(host)))


def _cloud_ready(hass: HomeAssistant) -> bool:
    return (
        "cloud" in hass.config.components
        and cloud.async_active_subscription(hass)
        and cloud.async_is_connected(hass)
    )


def _vendor_name(entry: CamHubConfigEntry) -> str:
    return provider_for(entry.data[CONF_VENDOR]).name


async def async_webhook_url(
    hass: HomeAssistant, entry: CamHubConfigEntry, push: PushSupport
) -> str:
    """A URL of our webhook the vendor can reach, or PushUnavailableError.

    A Nabu Casa cloudhook when Home Assistant Cloud is connected; else the external URL
    (HTTPS when the vendor requires it). Only a vendor on this machine (the simulators)
    may use loopback.
    """
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    if cloudhook := entry.data.get(CONF_CLOUDHOOK_URL):
        return str(cloudhook)
    if _cloud_ready(hass):
        try:
            url = await cloud.async_get_or_create_cloudhook(hass, webhook_id)
        except cloud.CloudNotAvailable:
            _LOGGER.debug("%s: cloudhook unavailable, using the external URL", entry.title)
        else:
            hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_CLOUDHOOK_URL: url}
            )
            return url
    local = _is_loopback(push.api_origin())
    https = push.requires_https and not local
    try:
        base = get_url(
            hass, allow_internal=False, allow_cloud=False, allow_ip=True, require_ssl=https
        )
    except NoURLAvailableError:
        if not local or hass.config.api is None:
            raise PushUnavailableError(
                ISSUE_UNREACHABLE, scheme="HTTPS" if https else "HTTP or HTTPS"
            ) from None
        # A vendor on this machine (the simulators) reaches Home Assistant on loopback.
        base = f"http://127.0.0.1:{hass.config.api.port}"
    return base + webhook.async_generate_path(webhook_id)


async def async_vendor_target(
    hass: HomeAssistant, entry: CamHubConfigEntry, push: PushSupport, *, then: int = 0
) -> PushTarget:
    """Register our webhook with the entry's vendor (PushUnavailableError / ProviderError).

    `then`: requests spent right after a first registration, kept room for in the budget.
    """
    context = PushContext(
        url=await async_webhook_url(hass, entry, push),
        instance=(await instance_id.async_get(hass))[:8],
        data=entry.data,
        options=entry.options,
        then=then,
    )
    return await push.async_register(context)


def async_report(
    hass: HomeAssistant, entry: CamHubConfigEntry, problem: PushUnavailableError | None
) -> None:
    """Show the repair issue for `problem` (and only it); None clears them all."""
    for issue in ISSUES:
        if problem is None or issue != problem.issue:
            ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")
    if problem is None:
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{problem.issue}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=problem.issue,
        translation_placeholders={
            "name": entry.title,
            "vendor": _vendor_name(entry),
            **problem.placeholders,
        },
    )


async def async_remove_push(hass: HomeAssistant, entry: CamHubConfigEntry) -> None:
    """An entry is deleted: drop its cloudhook, its vendor webhook where the API allows, its issues.

    A vendor may refuse the delete (Angelcam documents none): then the webhook stays on
    the account (the README says how to remove it by hand).
    """
    async_report(hass, entry, None)
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        try:
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except cloud.CloudNotAvailable:
            _LOGGER.debug("%s: cloudhook not deleted (cloud unavailable)", entry.title)
    target_id = entry.data.get(CONF_PUSH_TARGET_ID)
    if target_id is None:
        return
    connection = create_connection(hass, entry.data)
    if (push := connection.push) is None:
        return
    try:
        await push.async_unregister(target_id)
    except RequestRejectedError as err:
        _LOGGER.info(
            "%s: the %s notification method stays on the account (delete refused: %s)",
            entry.title,
            connection.provider.name,
            err.status,
        )
    except ProviderError as err:
        _LOGGER.info("%s: the vendor webhook could not be deleted: %s", entry.title, err)
