"""Reaching a connection's optional feature where the caller was made for it."""

from __future__ import annotations

from .providers.errors import NotSupportedError


def offered[F](feature: F | None, what: str) -> F:
    """The feature; NotSupportedError (shown as "unsupported") when the vendor lacks `what`."""
    if feature is None:
        raise NotSupportedError(f"the vendor offers no {what}")
    return feature
