"""Config, reauth, reconfigure and options flows; every step checks against the real service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
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

if TYPE_CHECKING:
    # Home Assistant types flow schemas with probatio (from 2026.x); at run time voluptuous
    # is probatio there (homeassistant installs the shim) and itself on older releases.
    import probatio as vol
else:
    import voluptuous as vol

from .connection import create_connection
from .const import (
    CONF_ICE_SERVERS,
    CONF_SCAN_INTERVAL,
    CONF_SPACE_ID,
    CONF_VENDOR,
    DOMAIN,
    MAX_SCAN_INTERVAL_SECONDS,
)
from .data import CamHubConfigEntry
from .devices import account_title
from .exceptions import flow_error_key
from .providers import Provider, ProviderError, provider_for, registered
from .providers.features import LiveConfig
from .providers.fields import Field, FieldKind
from .providers.interface import PollLoad
from .providers.model import Account
from .providers.polling import MIN_SCAN_INTERVAL_SECONDS

# Abort reason (and form error) for credentials of another account or device.
OTHER_ACCOUNT = "unique_id_mismatch"
SPACE_CONFIGURED = "space_already_configured"
STEP_PREFIX = "async_step_"
# Shown in the NovaVMS URL field's help; hassfest wants URLs out of translated strings.
NOVAVMS_EXAMPLE_URL = "https://novavms.novalien.com"

# A choice the service asked for: the step that shows it and its one field.
type Choice = tuple[str, Field]
type Step = Callable[[dict[str, Any] | None], Awaitable[ConfigFlowResult]]


def selector_for(field: Field) -> Any:
    """The Home Assistant selector (or validator) a provider's field is shown with."""
    match field.kind:
        case FieldKind.PASSWORD:
            return TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
        case FieldKind.URL:
            return TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        case FieldKind.PORT:
            return vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))
        case FieldKind.SELECT | FieldKind.MULTI_SELECT:
            # Translated options are named by their value alone (strings.json `selector`).
            options: list[Any] = (
                [choice.value for choice in field.choices]
                if field.translation_key
                else [SelectOptionDict(value=c.value, label=c.label) for c in field.choices]
            )
            config = SelectSelectorConfig(
                options=options, multiple=field.kind is FieldKind.MULTI_SELECT
            )
            if field.translation_key:
                config["translation_key"] = field.translation_key
            return SelectSelector(config)
        case FieldKind.TEXT_LIST:
            return TextSelector(TextSelectorConfig(multiple=True))
        case _:
            return TextSelector()


def schema_fields(fields: Iterable[Field]) -> dict[Any, Any]:
    """The schema entries of `fields`: required ones with their default, others optional."""
    entries: dict[Any, Any] = {}
    for field in fields:
        if not field.required:
            marker: Any = vol.Optional(field.key)
        elif field.default is None:
            marker = vol.Required(field.key)
        else:
            marker = vol.Required(field.key, default=field.default)
        entries[marker] = selector_for(field)
    return entries


def schema_for(fields: Iterable[Field]) -> vol.Schema:
    """The form schema of a provider's fields."""
    return vol.Schema(schema_fields(fields))


def _secrets(fields: Iterable[Field]) -> frozenset[str]:
    return frozenset(field.key for field in fields if field.secret)


class CamHubConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an account or device of any registered provider."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._data: dict[str, Any] = {}
        # The choice the service asked for (e.g. Angelcam's space), until it is made.
        self._pending: Choice | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CamHubConfigEntry) -> CamHubOptionsFlow:
        """Polling and the provider's own options."""
        return CamHubOptionsFlow()

    def __getattr__(self, name: str) -> Step:
        """The step of a registered provider, or of the choice its check asked for.

        Home Assistant looks steps up by name (hasattr, then getattr); step ids are the
        provider keys and the Check's step_id, so strings.json names them.
        """
        if name.startswith(STEP_PREFIX):
            step_id = name.removeprefix(STEP_PREFIX)
            pending: Choice | None = self.__dict__.get("_pending")
            if pending is not None and step_id == pending[0]:
                return lambda user_input: self._async_choice_step(pending, user_input)
            provider = next((p for p in registered() if p.key == step_id), None)
            if provider is not None:
                return lambda user_input: self._async_provider_step(provider, user_input)
        raise AttributeError(name)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the vendor."""
        return self.async_show_menu(
            step_id="user", menu_options=[provider.key for provider in registered()]
        )

    async def _async_provider_step(
        self, provider: Provider, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_VENDOR: provider.key, **user_input}
            result, errors = await self._async_check(data)
            if result is not None:
                return await self._async_checked(result, data)
        schema = schema_for(provider.connection_fields())
        return self.async_show_form(
            step_id=provider.key,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"example_url": NOVAVMS_EXAMPLE_URL},
        )

    async def _async_checked(
        self, result: Account | Choice, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry, or ask for the choice the service wants made first."""
        if isinstance(result, Account):
            return await self._async_create(result, data)
        self._data = data
        self._pending = result
        return await self._async_choice_step(result, None)

    async def _async_choice_step(
        self, choice: Choice, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """One more choice (Angelcam: one entry per space), then the check again."""
        step_id, field = choice
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**self._data, **user_input}
            result, errors = await self._async_check(data)
            if result is not None:
                return await self._async_checked(result, data)
        return self.async_show_form(step_id=step_id, data_schema=schema_for([field]), errors=errors)

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

    async def _async_check(
        self, data: Mapping[str, Any]
    ) -> tuple[Account | Choice | None, dict[str, str]]:
        """Ask the service who the credentials belong to, or which choice it needs first.

        Failures become form errors.
        """
        connection = create_connection(self.hass, data)
        try:
            check = await connection.provider.async_check(
                connection, data, reauth=self.source != SOURCE_USER
            )
        except ProviderError as err:
            return None, {"base": flow_error_key(err)}
        if check.choose is not None and check.step_id is not None:
            return (check.step_id, check.choose), {}
        if check.account is not None:
            return check.account, {}
        # A check that names no account and asks nothing is the provider's own fault.
        return None, {"base": "unknown"}

    # -- reauth and reconfigure --------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The service refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """New credentials for the same account or device."""
        entry = self._get_reauth_entry()
        fields = provider_for(entry.data[CONF_VENDOR]).reauth_fields()
        return await self._async_update_step("reauth_confirm", entry, fields, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how the same account or device is reached."""
        entry = self._get_reconfigure_entry()
        fields = provider_for(entry.data[CONF_VENDOR]).connection_fields()
        return await self._async_update_step("reconfigure", entry, fields, user_input)

    async def _async_update_step(
        self,
        step_id: str,
        entry: CamHubConfigEntry,
        fields: tuple[Field, ...],
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            result, errors = await self._async_check(data)
            if errors.get("base") == OTHER_ACCOUNT:
                return self.async_abort(reason=OTHER_ACCOUNT)
            if result is not None:
                # The entry's own account needs no choice: another one is someone else's.
                if not isinstance(result, Account) or not _same_account(entry, result):
                    return self.async_abort(reason=OTHER_ACCOUNT)
                return self.async_update_reload_and_abort(entry, data=data)
        # Secrets are never shown back in a form.
        secrets = _secrets(fields)
        suggested = {
            k: v for k, v in {**entry.data, **(user_input or {})}.items() if k not in secrets
        }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema_for(fields), suggested),
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


class CamHubOptionsFlow(OptionsFlow):
    """Polling interval (inside the budget), then the provider's options and live config."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; the interval is checked against the account's request budget."""
        entry: CamHubConfigEntry = self.config_entry
        provider = provider_for(entry.data[CONF_VENDOR])
        loaded = entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data.coordinator if loaded else None
        load = PollLoad(
            cost=coordinator.poll_cost if coordinator is not None else 1.0,
            sites=coordinator.locations if coordinator is not None else 0,
        )
        minimum = int(provider.minimum_interval(load).total_seconds())
        snapshot = coordinator.data if coordinator is not None else None
        vendor_fields = provider.option_fields(snapshot)
        # The device's live settings (ICE servers): sent to it, not stored in the options.
        live_config = entry.runtime_data.connection.live_config if loaded else None
        ice = None
        if live_config is not None and snapshot is not None:
            ice = live_config.ice_servers(snapshot)
        errors: dict[str, str] = {}
        wanted = None
        if user_input is not None:
            user_input[CONF_SCAN_INTERVAL] = int(user_input[CONF_SCAN_INTERVAL])
            wanted = user_input.pop(CONF_ICE_SERVERS, None)
            for key in _secrets(vendor_fields):
                # Cleared means none: the push channel must not take "" for a pasted secret.
                if secret := str(user_input.pop(key, "")).strip():
                    user_input[key] = secret
            if user_input[CONF_SCAN_INTERVAL] < minimum:
                errors[CONF_SCAN_INTERVAL] = "interval_over_budget"
            elif live_config is not None and ice is not None and wanted is not None:
                errors = await self._async_set_ice_servers(live_config, ice, wanted)
            if not errors:
                return self.async_create_entry(data=user_input)
            if live_config is not None and coordinator is not None:
                ice = live_config.ice_servers(coordinator.data)
        fields: dict[Any, Any] = {
            vol.Required(CONF_SCAN_INTERVAL): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL_SECONDS,
                    max=MAX_SCAN_INTERVAL_SECONDS,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            # Options are suggested, not defaulted: the stored value is what the form shows.
            **schema_fields(
                Field(
                    key=field.key,
                    kind=field.kind,
                    required=field.required,
                    choices=field.choices,
                    translation_key=field.translation_key,
                )
                for field in vendor_fields
            ),
        }
        if ice is not None:
            fields[vol.Optional(CONF_ICE_SERVERS)] = selector_for(
                Field(key=CONF_ICE_SERVERS, kind=FieldKind.TEXT_LIST, required=False)
            )
        defaults = {
            CONF_ICE_SERVERS: list(ice or ()) if wanted is None else wanted,
            CONF_SCAN_INTERVAL: int(provider.interval(load).total_seconds()),
            **{f.key: f.default for f in vendor_fields if f.default is not None},
            **entry.options,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), defaults),
            errors=errors,
            description_placeholders={"minimum": str(minimum)},
        )

    async def _async_set_ice_servers(
        self, live_config: LiveConfig, current: tuple[str, ...], wanted: list[str]
    ) -> dict[str, str]:
        """Send changed servers to the device; the form errors (empty: done)."""
        try:
            errors = await live_config.async_set_ice_servers(wanted)
        except ProviderError as err:
            return {"base": flow_error_key(err)}
        changed = [server.strip() for server in wanted if server.strip()] != list(current)
        if not errors and changed:
            # Show the device's new settings without waiting for the next poll.
            await self.config_entry.runtime_data.coordinator.async_request_refresh()
        return errors
