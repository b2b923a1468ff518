"""Point the vendor at our webhook: a URL it can reach, its method or webhook, and cleanup.

Angelcam: one HTTP notification method per Home Assistant instance and space, found again
by name (else URL) and updated, never duplicated, with one rule per message type we handle.
NovaVMS: one webhook (HTTPS only) whose secret is shown when it is created; a key that may
not create or read webhooks uses the secret the user pasted in the options instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from ipaddress import ip_address
import logging
from typing import Final
from urllib.parse import urlsplit

from homeassistant.components import cloud, webhook
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id, issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util.network import is_ip_address, is_loopback

from .connection import create_client
from .const import (
    ANGELCAM_API_URL,
    CONF_CLOUDHOOK_URL,
    CONF_PUSH_SECRET,
    CONF_PUSH_TARGET_ID,
    CONF_SPACE_ID,
    CONF_VENDOR,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
)
from .data import CamHubConfigEntry
from .exceptions import VENDOR_NAMES
from .providers import AngelcamClient, NovaVMSClient
from .providers.angelcam.poll import MINUTE_RESERVE
from .providers.errors import (
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
)
from .providers.model import Vendor
from .providers.novavms.client import EVENT_TYPES

_LOGGER = logging.getLogger(__name__)

# Angelcam messages CamHub acts on (incidents, camera and Arrow client status, arming).
ANGELCAM_MESSAGE_TYPES: Final = (
    "my_incident",
    "camera_status_online",
    "camera_status_offline",
    "arming",
    "arrow_status_online",
    "arrow_status_offline",
)
NOVAVMS_WEBHOOK_NAME: Final = "Home Assistant (CamHub)"
# Repair issues (translation keys), one of each per entry at most.
ISSUE_UNREACHABLE: Final = "push_unreachable"
ISSUE_NEEDS_SECRET: Final = "push_needs_secret"  # noqa: S105 - an issue key
ISSUE_NOT_PERMITTED: Final = "push_not_permitted"
ISSUE_FAILING: Final = "push_failing"
ISSUES: Final = (ISSUE_UNREACHABLE, ISSUE_NEEDS_SECRET, ISSUE_NOT_PERMITTED, ISSUE_FAILING)


@dataclass(frozen=True, slots=True)
class PushTarget:
    """What the vendor delivers to, and the secret its deliveries are signed with."""

    url: str
    target_id: str | None
    secret: str


class PushUnavailableError(Exception):
    """Push cannot work for this entry; the repair issue (translation key) says why."""

    def __init__(self, issue: str, **placeholders: str) -> None:
        super().__init__(issue)
        self.issue = issue
        self.placeholders = placeholders


def _api_url(entry: CamHubConfigEntry) -> str:
    return str(entry.data.get(CONF_URL, ANGELCAM_API_URL))


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or (is_ip_address(host) and is_loopback(ip_address(host)))


def _cloud_ready(hass: HomeAssistant) -> bool:
    return (
        "cloud" in hass.config.components
        and cloud.async_active_subscription(hass)
        and cloud.async_is_connected(hass)
    )


async def async_webhook_url(hass: HomeAssistant, entry: CamHubConfigEntry) -> str:
    """A URL of our webhook the vendor can reach, or PushUnavailableError.

    A Nabu Casa cloudhook when Home Assistant Cloud is connected; else the external URL
    (HTTPS for NovaVMS). Only a vendor on this machine (the simulators) may use loopback.
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
    vendor = Vendor(entry.data[CONF_VENDOR])
    local = _is_loopback(_api_url(entry))
    https = vendor is Vendor.NOVAVMS and not local
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


async def async_angelcam_target(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    client: AngelcamClient,
    url: str,
    *,
    then: int = 0,
) -> PushTarget:
    """Create or update our notification method and its rules; keep its signature key.

    The first registration costs a request per rule: it waits for a minute with room for
    it and the `then` requests that follow it (the poll that catches up on what no push
    carried yet) beside what the user needs (RateLimitedError: try after a later poll).
    """
    first = entry.data.get(CONF_PUSH_TARGET_ID) is None
    needed = 3 + len(ANGELCAM_MESSAGE_TYPES) + then if first else 2
    remaining = client.budget.remaining_minute
    if remaining is not None and remaining - MINUTE_RESERVE < needed:
        raise RateLimitedError("angelcam: no room this minute to register push", 60.0)
    instance = (await instance_id.async_get(hass))[:8]
    space = entry.data.get(CONF_SPACE_ID) or "default"
    try:
        method = await client.async_ensure_webhook(
            name=f"Home Assistant {instance} (CamHub, space {space})",
            url=url,
            message_types=ANGELCAM_MESSAGE_TYPES,
            key=entry.data.get(CONF_PUSH_SECRET),
        )
    except PermissionDeniedError:
        raise PushUnavailableError(ISSUE_NOT_PERMITTED) from None
    if not method.signature_key:
        # The spec returns the key; a method without one cannot be verified, so none is used.
        raise PushUnavailableError(ISSUE_NOT_PERMITTED)
    return PushTarget(url, method.id, method.signature_key)


async def async_novavms_target(
    entry: CamHubConfigEntry, client: NovaVMSClient, url: str
) -> PushTarget:
    """Find or create our webhook; its secret from the answer, an admin read, or the user."""
    pasted = entry.options.get(CONF_WEBHOOK_SECRET) or None
    try:
        hooks = await client.async_fetch_webhooks()
    except PermissionDeniedError:
        # A viewer key: the user creates the webhook in NovaVMS and pastes its secret.
        if pasted is None:
            raise PushUnavailableError(ISSUE_NEEDS_SECRET, url=url) from None
        return PushTarget(url, None, pasted)
    stored_id = entry.data.get(CONF_PUSH_TARGET_ID)
    ours = next((h for h in hooks if h.id == stored_id), None)
    ours = ours or next((h for h in hooks if h.url == url), None)
    if ours is not None:
        if ours.url != url or not ours.enabled or set(ours.event_types) != set(EVENT_TYPES):
            ours = await client.async_update_webhook(ours.id, url=url)
        stored = entry.data.get(CONF_PUSH_SECRET) if ours.id == stored_id else None
        secret = pasted or stored or await _async_admin_secret(client, ours.id)
        if secret is not None:
            return PushTarget(url, ours.id, secret)
        # Nobody can tell us its secret: start over with a webhook whose secret we see.
        await client.async_delete_webhook(ours.id)
    created = await client.async_create_webhook(name=NOVAVMS_WEBHOOK_NAME, url=url)
    if created.secret is None:
        raise PushUnavailableError(ISSUE_NEEDS_SECRET, url=url)
    return PushTarget(url, created.id, created.secret)


async def _async_admin_secret(client: NovaVMSClient, webhook_id: str) -> str | None:
    try:
        return (await client.async_fetch_webhook(webhook_id)).secret
    except PermissionDeniedError:
        return None


async def async_vendor_target(
    hass: HomeAssistant,
    entry: CamHubConfigEntry,
    client: AngelcamClient | NovaVMSClient,
    *,
    then: int = 0,
) -> PushTarget:
    """Register our webhook with the entry's vendor (PushUnavailableError / ProviderError).

    `then`: requests spent right after a first registration, kept room for in the budget.
    """
    url = await async_webhook_url(hass, entry)
    if isinstance(client, AngelcamClient):
        return await async_angelcam_target(hass, entry, client, url, then=then)
    return await async_novavms_target(entry, client, url)


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
            "vendor": VENDOR_NAMES[Vendor(entry.data[CONF_VENDOR])],
            **problem.placeholders,
        },
    )


async def async_remove_push(hass: HomeAssistant, entry: CamHubConfigEntry) -> None:
    """An entry is deleted: drop its cloudhook, its vendor webhook where the API allows, its issues.

    Angelcam documents no DELETE for methods or rules; one is tried, and when refused the
    method and rules stay on the account (the README says how to remove them by hand).
    """
    async_report(hass, entry, None)
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        try:
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except cloud.CloudNotAvailable:
            _LOGGER.debug("%s: cloudhook not deleted (cloud unavailable)", entry.title)
    target_id = entry.data.get(CONF_PUSH_TARGET_ID)
    if target_id is None or Vendor(entry.data[CONF_VENDOR]) is Vendor.OPENCAMERA:
        return
    client = create_client(hass, entry.data)
    try:
        if isinstance(client, AngelcamClient):
            await client.async_delete_notification_method(target_id)
        elif isinstance(client, NovaVMSClient):
            await client.async_delete_webhook(target_id)
    except RequestRejectedError as err:
        if isinstance(client, NovaVMSClient) and err.status == HTTPStatus.NOT_FOUND:
            # Someone deleted it in NovaVMS already: nothing stays on the account.
            _LOGGER.debug("%s: the NovaVMS webhook was deleted already", entry.title)
            return
        _LOGGER.info(
            "%s: the %s notification method stays on the account (delete refused: %s)",
            entry.title,
            VENDOR_NAMES[client.vendor],
            err.status,
        )
    except ProviderError as err:
        _LOGGER.info("%s: the vendor webhook could not be deleted: %s", entry.title, err)
