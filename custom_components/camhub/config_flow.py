"""Config, reauth, reconfigure and options flows; every step checks against the real service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_URL,
    CONF_USERNAME,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .connection import create_client
from .const import (
    ANGELCAM_API_URL,
    CONF_LOCATIONS,
    CONF_SCAN_INTERVAL,
    CONF_SITES,
    CONF_SPACE_ID,
    CONF_STREAM_FORMAT,
    CONF_VENDOR,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_SCAN_INTERVAL_SECONDS,
    OPENCAMERA_DEFAULT_PORT,
    StreamFormat,
)
from .data import CamHubConfigEntry
from .devices import account_title
from .exceptions import flow_error_key
from .live_config import (
    CONF_ICE_SERVERS,
    async_set_ice_servers,
    ice_servers_field,
    offered_ice_servers,
)
from .providers import AngelcamClient, OpenCameraClient
from .providers.errors import (
    NotSupportedError,
    PermissionDeniedError,
    ProviderError,
    RequestRejectedError,
)
from .providers.model import Account, Space, Vendor
from .providers.opencamera.connection import address_account as opencamera_address_account
from .providers.polling import default_interval, minimum_interval
from .schema import vol

# Abort reason (and internal marker) for credentials of another account or device.
OTHER_ACCOUNT = "unique_id_mismatch"
SPACE_CONFIGURED = "space_already_configured"
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TEXT = TextSelector()
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_PORT = vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))
# Shown in the NovaVMS URL field's help; hassfest wants URLs out of translated strings.
NOVAVMS_EXAMPLE_URL = "https://novavms.novalien.com"

# The credential fields a user re-enters on reauth, per vendor.
REAUTH_FIELDS: dict[Vendor, dict[Any, Any]] = {
    Vendor.ANGELCAM: {vol.Required(CONF_ACCESS_TOKEN): _PASSWORD},
    Vendor.NOVAVMS: {vol.Required(CONF_API_KEY): _PASSWORD},
    Vendor.OPENCAMERA: {vol.Required(CONF_USERNAME): _TEXT, vol.Required(CONF_PASSWORD): _PASSWORD},
}


def _connection_schema(vendor: Vendor) -> Any:
    """The fields that reach one vendor's service (the user, reconfigure steps)."""
    match vendor:
        case Vendor.ANGELCAM:
            fields: dict[Any, Any] = {
                vol.Required(CONF_ACCESS_TOKEN): _PASSWORD,
                # Only a proxy or Angelcam support would change this.
                vol.Required(CONF_URL, default=ANGELCAM_API_URL): _URL,
            }
        case Vendor.NOVAVMS:
            fields = {vol.Required(CONF_URL): _URL, vol.Required(CONF_API_KEY): _PASSWORD}
        case _:  # OpenCamera
            fields = {
                vol.Required(CONF_HOST): _TEXT,
                vol.Required(CONF_PORT, default=OPENCAMERA_DEFAULT_PORT): _PORT,
                vol.Required(CONF_USERNAME): _TEXT,
                vol.Required(CONF_PASSWORD): _PASSWORD,
            }
    return vol.Schema(fields)


class CamHubConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an Angelcam space, a NovaVMS organisation or an OpenCamera device."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._data: dict[str, Any] = {}
        self._spaces: list[Space] = []

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CamHubConfigEntry) -> CamHubOptionsFlow:
        """Polling, stream format and which locations to show."""
        return CamHubOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the vendor."""
        return self.async_show_menu(step_id="user", menu_options=[v.value for v in Vendor])

    async def async_step_angelcam(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Angelcam: a personal access token; several spaces lead to a choice."""
        return await self._async_vendor_step(Vendor.ANGELCAM, user_input)

    async def async_step_novavms(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """NovaVMS: server address and a service-account key."""
        return await self._async_vendor_step(Vendor.NOVAVMS, user_input)

    async def async_step_opencamera(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """OpenCamera: the device address and its account."""
        return await self._async_vendor_step(Vendor.OPENCAMERA, user_input)

    async def _async_vendor_step(
        self, vendor: Vendor, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        schema = _connection_schema(vendor)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_VENDOR: vendor.value, **user_input}
            account, errors = await self._async_check(data)
            if account is not None:
                if vendor is Vendor.ANGELCAM and len(self._spaces) > 1:
                    self._data = data
                    return await self.async_step_angelcam_space()
                return await self._async_create(account, data)
        return self.async_show_form(
            step_id=vendor.value,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"example_url": NOVAVMS_EXAMPLE_URL},
        )

    async def async_step_angelcam_space(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Angelcam: one entry per space."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**self._data, CONF_SPACE_ID: user_input[CONF_SPACE_ID]}
            account, errors = await self._async_check(data)
            if account is not None:
                return await self._async_create(account, data)
        options = [SelectOptionDict(value=space.id, label=space.name) for space in self._spaces]
        default = next((s.id for s in self._spaces if s.is_default), self._spaces[0].id)
        schema = vol.Schema(
            {
                vol.Required(CONF_SPACE_ID, default=default): SelectSelector(
                    SelectSelectorConfig(options=options)
                )
            }
        )
        return self.async_show_form(step_id="angelcam_space", data_schema=schema, errors=errors)

    async def _async_create(self, account: Account, data: dict[str, Any]) -> ConfigFlowResult:
        if account.space_id is not None:
            data[CONF_SPACE_ID] = account.space_id
        await self.async_set_unique_id(account.unique_id)
        if account.space_id is None:
            self._abort_if_unique_id_configured()
        else:
            # Another member's token reaches the same space: its cameras are already here.
            self._abort_if_unique_id_configured(error=SPACE_CONFIGURED)
            if any(_same_account(entry, account) for entry in self._async_current_entries()):
                return self.async_abort(reason=SPACE_CONFIGURED)
        return self.async_create_entry(title=account_title(account), data=data)

    async def _async_check(self, data: Mapping[str, Any]) -> tuple[Account | None, dict[str, str]]:
        """Ask the service who the credentials belong to; map failures to form errors."""
        client = create_client(self.hass, data)
        try:
            account = await client.async_fetch_account()
            if isinstance(client, AngelcamClient) and CONF_SPACE_ID not in data:
                self._spaces = await client.async_fetch_spaces()
        except NotSupportedError as err:
            if not isinstance(client, OpenCameraClient):
                return None, {"base": flow_error_key(err)}
            return self._opencamera_fallback(client, data, err)
        except (PermissionDeniedError, RequestRejectedError) as err:
            # With the entry's space, Angelcam refuses a user who is no member of it:
            # the credentials belong to another account.
            if isinstance(client, AngelcamClient) and self.source != SOURCE_USER:
                return None, {"base": OTHER_ACCOUNT}
            return None, {"base": flow_error_key(err)}
        except ProviderError as err:
            return None, {"base": flow_error_key(err)}
        return account, {}

    @staticmethod
    def _opencamera_fallback(
        client: OpenCameraClient, data: Mapping[str, Any], err: NotSupportedError
    ) -> tuple[Account | None, dict[str, str]]:
        """A device without /device (like opencamd) is named by its address.

        Its login has to have worked first: that is what checked the credentials.
        """
        if client.valid_until is None:
            return None, {"base": flow_error_key(err)}
        return opencamera_address_account(data), {}

    # -- reauth and reconfigure --------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The service refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """New credentials for the same account or device."""
        entry = self._get_reauth_entry()
        schema = vol.Schema(REAUTH_FIELDS[Vendor(entry.data[CONF_VENDOR])])
        return await self._async_update_step("reauth_confirm", entry, schema, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how the same account or device is reached."""
        entry = self._get_reconfigure_entry()
        vendor = Vendor(entry.data[CONF_VENDOR])
        schema = _connection_schema(vendor)
        return await self._async_update_step("reconfigure", entry, schema, user_input)

    async def _async_update_step(
        self,
        step_id: str,
        entry: CamHubConfigEntry,
        schema: Any,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            account, errors = await self._async_check(data)
            if errors.get("base") == OTHER_ACCOUNT:
                return self.async_abort(reason=OTHER_ACCOUNT)
            if account is not None:
                if not _same_account(entry, account):
                    return self.async_abort(reason=OTHER_ACCOUNT)
                return self.async_update_reload_and_abort(entry, data=data)
        # Secrets are never shown back in a form.
        suggested = {
            k: v for k, v in {**entry.data, **(user_input or {})}.items() if k not in _SECRETS
        }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


def _same_account(entry: CamHubConfigEntry, account: Account) -> bool:
    """Whether `account` is what the entry stands for: its space, organisation or device.

    Angelcam entries are compared by space: entries made while the user was part of
    the unique id carry it, and any member of the space may hold the token.
    """
    if account.space_id is not None:
        return bool(
            entry.data.get(CONF_VENDOR) == account.vendor
            and entry.data.get(CONF_SPACE_ID) == account.space_id
        )
    return entry.unique_id == account.unique_id


_SECRETS = frozenset({CONF_ACCESS_TOKEN, CONF_API_KEY, CONF_PASSWORD})


class CamHubOptionsFlow(OptionsFlow):
    """Polling interval (inside the budget), stream format, included locations or sites."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; the interval is checked against the account's request budget."""
        entry: CamHubConfigEntry = self.config_entry
        vendor = Vendor(entry.data[CONF_VENDOR])
        loaded = entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data.coordinator if loaded else None
        poll_cost = coordinator.poll_cost if coordinator is not None else 1.0
        locations = coordinator.locations if coordinator is not None else 0
        minimum = int(minimum_interval(vendor, poll_cost, locations).total_seconds())
        errors: dict[str, str] = {}
        # OpenCamera: the device's ICE servers, sent to it (not stored in the options).
        ice = offered_ice_servers(coordinator)
        wanted = None
        if user_input is not None:
            user_input[CONF_SCAN_INTERVAL] = int(user_input[CONF_SCAN_INTERVAL])
            wanted = user_input.pop(CONF_ICE_SERVERS, None)
            # Cleared means none: the push channel must not take "" for a pasted secret.
            if secret := str(user_input.pop(CONF_WEBHOOK_SECRET, "")).strip():
                user_input[CONF_WEBHOOK_SECRET] = secret
            if user_input[CONF_SCAN_INTERVAL] < minimum:
                errors[CONF_SCAN_INTERVAL] = "interval_over_budget"
            elif coordinator is not None and ice is not None and wanted is not None:
                errors = await async_set_ice_servers(coordinator, ice, wanted)
            if not errors:
                return self.async_create_entry(data=user_input)
            ice = offered_ice_servers(coordinator)
        sites = coordinator.data.sites.values() if coordinator is not None else ()
        fields: dict[Any, Any] = {
            vol.Required(CONF_SCAN_INTERVAL): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL_SECONDS,
                    max=MAX_SCAN_INTERVAL_SECONDS,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            )
        }
        if vendor is Vendor.ANGELCAM:
            fields[vol.Required(CONF_STREAM_FORMAT)] = SelectSelector(
                SelectSelectorConfig(
                    options=[f.value for f in StreamFormat], translation_key=CONF_STREAM_FORMAT
                )
            )
        if vendor is not Vendor.OPENCAMERA:
            key = CONF_LOCATIONS if vendor is Vendor.ANGELCAM else CONF_SITES
            options = [SelectOptionDict(value=site.id, label=site.name) for site in sites]
            fields[vol.Optional(key)] = SelectSelector(
                SelectSelectorConfig(options=options, multiple=True)
            )
        if vendor is Vendor.NOVAVMS:
            # For keys that may not create webhooks: the secret of one the user made.
            fields[vol.Optional(CONF_WEBHOOK_SECRET)] = _PASSWORD
        if ice is not None:
            fields[vol.Optional(CONF_ICE_SERVERS)] = ice_servers_field()
        planned = default_interval(vendor, poll_cost, locations)
        defaults = {
            CONF_ICE_SERVERS: list(ice or ()) if wanted is None else wanted,
            CONF_SCAN_INTERVAL: int(planned.total_seconds()),
            CONF_STREAM_FORMAT: StreamFormat.AUTO.value,
            **entry.options,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), defaults),
            errors=errors,
            description_placeholders={"minimum": str(minimum)},
        )
