"""Turn provider errors into translated Home Assistant errors for actions and the flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
import math
from typing import Any, Concatenate, Protocol

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .providers import registered
from .providers.errors import (
    AuthenticationError,
    CameraOfflineError,
    NotSupportedError,
    OtherAccountError,
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)


def flow_error_key(err: ProviderError) -> str:
    """Return the config-flow error key (strings.json config.error) for a provider error."""
    match err:
        case OtherAccountError():
            return "unique_id_mismatch"
        case AuthenticationError() | PermissionDeniedError():
            return "invalid_auth"
        case RateLimitedError():
            return "rate_limited"
        case UnavailableError():
            return "cannot_connect"
        case NotSupportedError():
            return "unsupported"
        case _:
            return "unknown"


def translated_error(err: ProviderError, vendor_name: str) -> HomeAssistantError:
    """Return the translated error an action raises for a provider error."""
    placeholders = {"vendor": vendor_name}
    key = "action_failed"
    cls: type[HomeAssistantError] = HomeAssistantError
    match err:
        case AuthenticationError():
            key = "invalid_auth"
        case PermissionDeniedError():
            # Valid credentials without the role: re-authenticating with them would not help.
            key = "not_permitted"
        case RateLimitedError(retry_after=retry_after):
            key = "rate_limited"
            placeholders["seconds"] = str(math.ceil(retry_after))
        case CameraOfflineError():
            key = "camera_offline"
        case UnavailableError():
            key = "cannot_connect"
        case NotSupportedError():
            key = "unsupported"
        case RequestRejectedError():
            # The vendor judged the request itself invalid: the user can change it.
            cls = ServiceValidationError
    return cls(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


# Display names by provider key, for modules that still hold a key instead of the provider
# (issue 15's integration step removes it with them).
VENDOR_NAMES: dict[str, str] = {provider.key: provider.name for provider in registered()}


class _HasVendor(Protocol):
    @property
    def vendor_name(self) -> str: ...


def raise_translated[S: _HasVendor, **P, R](
    func: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Wrap an entity action so provider errors surface as translated errors."""

    @wraps(func)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await func(self, *args, **kwargs)
        except ProviderError as err:
            raise translated_error(err, self.vendor_name) from err

    return wrapper
