"""The one exception tree every provider client raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import PushMessage


class ProviderError(Exception):
    """Base of every error a provider client raises; messages never carry secrets."""


class AuthenticationError(ProviderError):
    """The vendor rejected the credentials (bad, expired or revoked)."""


class PermissionDeniedError(ProviderError):
    """The credentials are valid but lack the role or permission for this call."""


class RateLimitedError(ProviderError):
    """The call would break the request budget, or the vendor answered 429."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class UnavailableError(ProviderError):
    """The vendor or device could not be reached, timed out or answered 5xx."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        # The 5xx answered, if any (None: no answer at all); vendors give some a meaning.
        self.status = status


class CameraOfflineError(UnavailableError):
    """The vendor answered for the camera: the camera itself (or its bridge) is offline."""


class ProtocolError(ProviderError):
    """The vendor answered something that breaks the documented contract."""


class OffOriginError(ProtocolError):
    """A server named a URL on another origin for a call that would carry our credentials."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class OtherAccountError(ProviderError):
    """The credentials belong to another account than the entry's."""


class NotSupportedError(ProviderError):
    """The camera or device does not offer this service (e.g. 501, service not active)."""


class RequestRejectedError(ProviderError):
    """The vendor refused this request as invalid (400, 404, 409 with its error code)."""

    def __init__(self, message: str, status: int, code: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class SignatureError(ProviderError):
    """A pushed webhook failed verification (signature, checksum, time window, replay)."""


class ReplayedDeliveryError(SignatureError):
    """A correctly signed delivery that was already processed (a retry or a replay).

    `message` is the delivery when it could be read: a status message repeated this way
    still asks for a (debounced) refresh.
    """

    def __init__(self, reason: str, message: PushMessage | None = None) -> None:
        super().__init__(reason)
        self.message = message
