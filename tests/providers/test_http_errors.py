"""Error envelopes of all vendors map onto the one exception tree; 429 waits are found."""

from __future__ import annotations

import json

import pytest

from custom_components.camhub.providers.errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)
from custom_components.camhub.providers.http import (
    DEFAULT_RETRY_AFTER,
    VendorError,
    error_for_status,
    read_error_body,
    retry_after_of,
)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"title": "throttled", "detail": "Expected available in 7 seconds.", "status": 429},
            "throttled",
            "Expected available in 7 seconds.",
        ),
        (
            {"title": "invalid", "detail": [{"end": ["too long"]}], "status": 400},
            "invalid",
            "{'end': ['too long']}",
        ),
        (
            {"error": "invalid_token", "message": "bad", "request_id": "req_1"},
            "invalid_token",
            "bad",
        ),
        (
            {"error": {"code": "RATE_LIMITED", "message": "retry after 12s"}},
            "RATE_LIMITED",
            "retry after 12s",
        ),
        ({"code": 501, "message": "not yet implemented"}, "501", "not yet implemented"),
        ({"error": "conflict"}, "conflict", None),
        ([1, 2], None, None),
    ],
)
def test_read_error_body(body: object, code: str | None, message: str | None) -> None:
    assert read_error_body(json.dumps(body).encode()) == VendorError(code, message)


def test_read_error_body_not_json() -> None:
    assert read_error_body(b"<html>502</html>") == VendorError(None, None)


@pytest.mark.parametrize(
    ("headers", "message", "expected"),
    [
        ({"Retry-After": "5"}, None, 5.0),
        ({"Retry-After": "Thu, 01 Jan 1970 00:00:30 GMT"}, None, 20.0),
        ({"Retry-After": "soon"}, "Request was throttled. Expected available in 7 seconds.", 7.0),
        ({}, "rate limit exceeded, retry after 12s", 12.0),
        ({}, "no number here", None),
        ({}, None, None),
    ],
)
def test_retry_after(headers: dict[str, str], message: str | None, expected: float | None) -> None:
    assert retry_after_of(headers, message, now=10.0) == expected


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (429, RateLimitedError),
        (501, NotSupportedError),
        (502, UnavailableError),
        (503, UnavailableError),
        (400, RequestRejectedError),
        (404, RequestRejectedError),
        (409, RequestRejectedError),
    ],
)
def test_status_mapping(status: int, kind: type[ProviderError]) -> None:
    error = error_for_status(status, VendorError("code", "why"), "vendor GET x/", None)
    assert type(error) is kind
    assert str(error) == f"vendor GET x/: HTTP {status} code (why)"


def test_429_without_wait_uses_default_and_rejected_keeps_code() -> None:
    error = error_for_status(429, VendorError(None, None), "v GET /", None)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == DEFAULT_RETRY_AFTER
    rejected = error_for_status(409, VendorError("conflict", None), "v GET /", None)
    assert isinstance(rejected, RequestRejectedError)
    assert (rejected.status, rejected.code) == (409, "conflict")
