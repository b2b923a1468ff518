"""HA-free provider layer: the registry of vendors (the only place that lists them), the model
and the error tree.

No module below this package imports it: vendor packages import only sibling modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .angelcam import AngelcamProvider
from .angelcam.client import AngelcamClient
from .budget import BudgetStatus, RequestBudget
from .errors import (
    AuthenticationError,
    NotSupportedError,
    OtherAccountError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    SignatureError,
    UnavailableError,
)
from .interface import Connection, Provider
from .novavms import NovaVMSProvider
from .novavms.client import NovaVMSClient
from .opencamera import OpenCameraProvider
from .opencamera.client import OpenCameraClient

PROVIDERS: Final[tuple[Provider, ...]] = (
    AngelcamProvider(),
    NovaVMSProvider(),
    OpenCameraProvider(),
)
_registered: dict[str, Provider] = {provider.key: provider for provider in PROVIDERS}


def registered() -> tuple[Provider, ...]:
    """Every provider, in menu order (the built-in ones first)."""
    return tuple(_registered.values())


def provider_for(key: str) -> Provider:
    """The provider of an entry's `vendor` key; KeyError for an unknown one."""
    return _registered[key]


def register(provider: Provider) -> Callable[[], None]:
    """Add one provider (tests); returns the undo. A key already taken is refused."""
    if provider.key in _registered:
        raise ValueError(f"a provider is registered as {provider.key!r} already")
    _registered[provider.key] = provider

    def undo() -> None:
        if _registered.get(provider.key) is provider:
            del _registered[provider.key]

    return undo


__all__ = [
    "PROVIDERS",
    "AngelcamClient",
    "AuthenticationError",
    "BudgetStatus",
    "Connection",
    "NotSupportedError",
    "NovaVMSClient",
    "OpenCameraClient",
    "OtherAccountError",
    "PermissionDeniedError",
    "ProtocolError",
    "Provider",
    "ProviderError",
    "RateLimitedError",
    "RequestBudget",
    "RequestRejectedError",
    "SignatureError",
    "UnavailableError",
    "provider_for",
    "register",
    "registered",
]
