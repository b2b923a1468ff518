"""Shared request core: injected session, timeouts, budget, error mapping, redacted logs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
import logging
import re
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from .budget import RequestBudget
from .decode import Node, parse_body
from .errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    UnavailableError,
)
from .model import MediaFile, MediaStream
from .redact import redact, redact_url

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
MEDIA_CHUNK = 64 * 1024
# When a 429 names no wait at all, back off this long rather than hammering the vendor.
DEFAULT_RETRY_AFTER = 60.0
# Angelcam: "Expected available in 7 seconds."; NovaVMS: "retry after 12s".
_WAIT_IN_TEXT = re.compile(
    r"(?:available in|retry after|try again in)\s+(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Response:
    """A fully read HTTP response."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    where: str

    def json(self) -> Node:
        """The body as JSON (ProtocolError naming the call if it is not JSON)."""
        return parse_body(self.body, self.where)


@dataclass(frozen=True, slots=True)
class VendorError:
    """What an error body says, whichever of the documented envelopes it uses."""

    code: str | None
    message: str | None


def read_error_body(body: bytes) -> VendorError:
    """Read any documented error envelope.

    Angelcam `{title, detail}`, NovaVMS `{error: str}` or `{error: {code, message}}`,
    go-swagger `{code, message}`.
    """
    try:
        node = parse_body(body, "error")
        data = node.raw
    except ProviderError:
        return VendorError(None, None)
    if not isinstance(data, dict):
        return VendorError(None, None)
    error = data.get("error")
    if isinstance(error, dict):
        return VendorError(_text(error.get("code")), _text(error.get("message")))
    if error is not None:
        return VendorError(_text(error), _text(data.get("message")))
    if "title" in data:
        return VendorError(_text(data.get("title")), _text(data.get("detail")))
    return VendorError(_text(data.get("code")), _text(data.get("message")))


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def retry_after_of(headers: Mapping[str, str], message: str | None, now: float) -> float | None:
    """The wait a 429 asks for: Retry-After (seconds or HTTP date), else the wait in its text."""
    header = headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(header).timestamp() - now)
            except (TypeError, ValueError):
                pass
    if message:
        match = _WAIT_IN_TEXT.search(message)
        if match:
            return float(match.group(1))
    return None


def error_for_status(
    status: int, error: VendorError, where: str, retry_after: float | None
) -> ProviderError:
    """Map an HTTP error status (and the vendor's code) to the exception tree."""
    detail = f"{where}: HTTP {status}"
    if error.code:
        detail += f" {error.code}"
    if error.message:
        detail += f" ({error.message[:200]})"
    if status == 401:
        return AuthenticationError(detail)
    if status == 403:
        return PermissionDeniedError(detail)
    if status == 429:
        return RateLimitedError(detail, DEFAULT_RETRY_AFTER if retry_after is None else retry_after)
    if status == 501:
        return NotSupportedError(detail)
    if status >= 500:
        return UnavailableError(detail, status)
    return RequestRejectedError(detail, status, error.code)


class HttpCore:
    """Sends one vendor's requests through the budget and maps every failure."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        vendor: str,
        base_url: str,
        budget: RequestBudget,
        secrets: Callable[[], Iterable[str | None]],
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self.vendor = vendor
        self.base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self.budget = budget
        self._secrets = secrets
        self.timeout = timeout
        self._clock = clock
        # Called with every API response before errors are mapped (NovaVMS rate headers).
        self.observers: list[Callable[[Response], None]] = []

    def url(self, path: str) -> str:
        """An absolute URL for a path relative to the API base (absolute URLs pass through)."""
        return urljoin(self.base_url, path.lstrip("/")) if "://" not in path else path

    def redact(self, text: str) -> str:
        """Mask this client's secrets and any tokenised URL in `text`."""
        return redact(text, self._secrets())

    def where(self, method: str, url: str) -> str:
        """The call's name for messages and logs: vendor, method, redacted path."""
        return self.redact(f"{self.vendor} {method} {redact_url(url)}")

    def media_where(self, url: str) -> str:
        """A media URL's name for messages and logs: vendor and host only.

        Media URLs carry their access in the path too (a stream id, a storage object
        name), which query-value masking would not catch.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError(f"{self.vendor}: a media URL must be absolute http(s)")
        return self.redact(f"{self.vendor} GET media from {parts.hostname}")

    @asynccontextmanager
    async def open(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
        allow_redirects: bool = True,
        counted: bool = True,
        keyed: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a request and yield the raw response once its status is known to be good.

        Reading the body inside the `async with` is covered too: a timeout or broken
        connection while streaming becomes UnavailableError. `label` replaces the
        call's name in messages and logs.
        """
        url = self.url(path)
        where = label or self.where(method, url)
        if counted:
            self.budget.acquire(keyed)
        _LOGGER.debug("%s", where)
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                allow_redirects=allow_redirects,
                timeout=aiohttp.ClientTimeout(total=request_timeout or self.timeout),
            ) as response:
                if response.status >= 400:
                    body = await response.read()
                    raise self._error(
                        Response(response.status, response.headers, body, where), keyed
                    )
                yield response
        except TimeoutError:
            _LOGGER.debug("%s timed out", where)
            # `from None`: aiohttp's own messages can carry the tokenised URL.
            raise UnavailableError(f"{where}: timed out") from None
        except aiohttp.ClientError as err:
            _LOGGER.debug("%s failed: %s", where, type(err).__name__)
            raise UnavailableError(f"{where}: {type(err).__name__}") from None

    async def request(
        self,
        method: str,
        path: str,
        **kwargs: Any,
    ) -> Response:
        """Send a request and read the whole body (errors already mapped)."""
        async with self.open(method, path, **kwargs) as response:
            body = await response.read()
            where = kwargs.get("label") or self.where(method, self.url(path))
            result = Response(response.status, response.headers, body, where)
        for observer in self.observers:
            observer(result)
        return result

    @asynccontextmanager
    async def open_media(
        self, url: str, *, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[MediaStream]:
        """Stream media from a vendor URL (not the metered API); named by host only.

        A failure while the chunks are read maps like any other (UnavailableError).
        """
        async with self.open(
            "GET", url, headers=headers, counted=False, label=self.media_where(url)
        ) as response:
            content_type = response.headers.get("Content-Type", "application/octet-stream")
            yield MediaStream(
                content_type=content_type.split(";")[0].strip().lower(),
                size=response.content_length,
                chunks=response.content.iter_chunked(MEDIA_CHUNK),
            )

    async def fetch_media(self, url: str, *, headers: Mapping[str, str] | None = None) -> MediaFile:
        """Download media from a vendor URL whole (images, playlists, short clips)."""
        async with self.open_media(url, headers=headers) as media:
            content = b"".join([chunk async for chunk in media.chunks])
        return MediaFile(content=content, content_type=media.content_type)

    async def json(self, method: str, path: str, **kwargs: Any) -> Node:
        """Send a request and decode its JSON body."""
        return (await self.request(method, path, **kwargs)).json()

    def _error(self, response: Response, keyed: tuple[str, str] | None) -> ProviderError:
        for observer in self.observers:
            observer(response)
        error = read_error_body(response.body)
        error = VendorError(
            error.code, self.redact(error.message) if error.message is not None else None
        )
        retry_after = None
        if response.status == 429:
            retry_after = retry_after_of(response.headers, error.message, self._clock())
            # A 429 on a keyed call (one camera's trigger) holds only that key.
            self.budget.hold(DEFAULT_RETRY_AFTER if retry_after is None else retry_after, keyed)
        _LOGGER.debug("%s -> HTTP %s", response.where, response.status)
        return error_for_status(response.status, error, response.where, retry_after)
