"""Provider errors map to the documented flow keys and translated action errors."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.camhub.exceptions import flow_error_key, translated_error
from custom_components.camhub.providers.errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)


@pytest.mark.parametrize(
    ("error", "flow_key", "action_key", "action_type"),
    [
        (AuthenticationError("x"), "invalid_auth", "invalid_auth", HomeAssistantError),
        (PermissionDeniedError("x"), "invalid_auth", "not_permitted", HomeAssistantError),
        (RateLimitedError("x", 4.2), "rate_limited", "rate_limited", HomeAssistantError),
        (UnavailableError("x"), "cannot_connect", "cannot_connect", HomeAssistantError),
        (NotSupportedError("x"), "unsupported", "unsupported", HomeAssistantError),
        (ProtocolError("x"), "unknown", "action_failed", HomeAssistantError),
        (RequestRejectedError("x", 400, "bad"), "unknown", "action_failed", ServiceValidationError),
    ],
)
def test_mapping(
    error: ProviderError, flow_key: str, action_key: str, action_type: type[Exception]
) -> None:
    assert flow_error_key(error) == flow_key
    translated = translated_error(error, "NovaVMS")
    assert type(translated) is action_type
    assert translated.translation_key == action_key
    assert translated.translation_placeholders["vendor"] == "NovaVMS"
    if isinstance(error, RateLimitedError):
        assert translated.translation_placeholders["seconds"] == "5"
