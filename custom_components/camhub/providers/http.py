"""Shared request core: injected session, timeouts, budget, error mapping, redacted logs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
import logging
import math
import re
import time
from typing import Any, Final, Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
from yarl import URL

from .budget import RequestBudget
from .decode import Node, parse_body
from .errors import (
    AuthenticationError,
    NotSupportedError,
    OffOriginError,
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
# A server asking for a longer wait (or an infinite one) is asked again after a day.
MAX_RETRY_AFTER = 86400.0
MAX_REDIRECTS: Final = 10
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Headers that carry access; whatever a caller passes, they go only to the API's own origin.
CREDENTIAL_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-token", "x-api-key", "x-space-id"}
)

type Origin = tuple[str, str, int]
# What to do with credentials for a URL on another origin: refuse the request, or send
# it without them (for URLs the vendor documents as signed or public).
type OffOrigin = Literal["refuse", "anonymous"]
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
            return _bounded_wait(float(header))
        except ValueError:
            try:
                return _bounded_wait(parsedate_to_datetime(header).timestamp() - now)
            except (TypeError, ValueError, OverflowError):
                pass
    if message:
        match = _WAIT_IN_TEXT.search(message)
        if match:
            return _bounded_wait(float(match.group(1)))
    return None


def _bounded_wait(seconds: float) -> float | None:
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def origin_text(url: str) -> str:
    """A URL's origin for logs and messages: never its path or query (they carry access)."""
    origin = origin_of(url)
    if origin is None:
        return "a non-http(s) URL"
    scheme, host, port = origin
    return f"{scheme}://{host}:{port}"


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
    """Sends one vendor's requests through the budget and maps every failure.

    The one credential rule of every client lives here: credentials (the `credentials`
    argument, and any credential header in `headers`) go only to the configured base
    URL's scheme, host and port, including on redirects; never to another host, port or
    a downgraded scheme.
    """

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
        self.origin = origin_of(self.base_url)
        self.budget = budget
        self._secrets = secrets
        self.timeout = timeout
        self._clock = clock
        # Called with every API response before errors are mapped (NovaVMS rate headers).
        self.observers: list[Callable[[Response], None]] = []
        # (field, origin) pairs already warned about: an off-origin URL is logged once.
        self._warned: set[tuple[str, str]] = set()

    def url(self, path: str) -> str:
        """An absolute URL for a path relative to the API base (absolute URLs pass through)."""
        return urljoin(self.base_url, path.lstrip("/")) if "://" not in path else path

    def resolve(self, url: str) -> str:
        """A URL from a server's answer, resolved like a browser would against the API base."""
        return urljoin(self.base_url, url)

    def on_origin(self, url: str) -> bool:
        """Whether `url` is on the configured origin (the only place credentials may go)."""
        return self.origin is not None and origin_of(url) == self.origin

    def warn_off_origin(self, url: str, field: str, action: str) -> None:
        """Log once per field and origin that a server named a URL elsewhere (origin only)."""
        key = (field, origin_text(url))
        if key in self._warned:
            _LOGGER.debug("%s: %s points to %s again; %s", self.vendor, field, key[1], action)
            return
        self._warned.add(key)
        _LOGGER.warning(
            "%s: the server's %s points to %s, not the configured %s; %s",
            self.vendor,
            field,
            key[1],
            origin_text(self.base_url),
            action,
        )

    def refuse_off_origin(self, url: str, field: str) -> OffOriginError:
        """The defined error for a credentialed call to a server-supplied URL elsewhere."""
        self.warn_off_origin(url, field, "refused")
        return OffOriginError(
            f"{self.vendor}: {field} points to {origin_text(url)}, not the configured API",
            field,
        )

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
        parts = urlsplit(url) if origin_of(url) is not None else None
        if parts is None or not parts.hostname:
            raise ProtocolError(f"{self.vendor}: a media URL must be absolute http(s)")
        return self.redact(f"{self.vendor} GET media from {parts.hostname}")

    def _split(
        self, headers: Mapping[str, str] | None, credentials: Mapping[str, str] | None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """(plain headers, credential headers): a credential is never a plain header."""
        plain: dict[str, str] = {}
        secret = dict(credentials or {})
        for name, value in (headers or {}).items():
            (secret if name.lower() in CREDENTIAL_HEADERS else plain)[name] = value
        return plain, secret

    def _credentials_for(
        self, url: str, credentials: dict[str, str], field: str, off_origin: OffOrigin
    ) -> dict[str, str]:
        """The credentials `url` may carry under the origin rule (or the refusal)."""
        if not credentials or self.on_origin(url):
            return credentials
        if off_origin == "refuse":
            raise self.refuse_off_origin(url, field)
        self.warn_off_origin(url, field, "fetched without credentials")
        return {}

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
        credentials: Mapping[str, str] | None = None,
        field: str = "URL",
        off_origin: OffOrigin = "refuse",
        request_timeout: float | None = None,
        allow_redirects: bool = True,
        counted: bool = True,
        keyed: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a request and yield the raw response once its status is known to be good.

        Reading the body inside the `async with` is covered too: a timeout or broken
        connection while streaming becomes UnavailableError. `label` replaces the
        call's name in messages and logs. `field` names where a server-supplied `path`
        came from; `off_origin` says what its credentials do if it is elsewhere.
        """
        url = self.url(path)
        if origin_of(url) is None:
            raise ProtocolError(f"{self.vendor}: {field} is not an absolute http(s) URL")
        plain, secret = self._split(headers, credentials)
        sent = self._credentials_for(url, secret, field, off_origin)
        where = label or self.where(method, url)
        timeout = aiohttp.ClientTimeout(total=request_timeout or self.timeout)
        if counted:
            self.budget.acquire(keyed)
        _LOGGER.debug("%s", where)
        try:
            response = await self._send(
                method,
                url,
                {**plain, **sent},
                allow_redirects=allow_redirects and not secret,
                params=params,
                json=json,
                data=data,
                timeout=timeout,
            )
            # Credentialed requests follow redirects here, under the origin rule; aiohttp
            # would forward X-Token or X-Space-Id to any host a Location names.
            hops = 0
            while (
                secret
                and allow_redirects
                and response.status in _REDIRECT_STATUSES
                and (location := response.headers.get("Location"))
            ):
                response.release()
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise UnavailableError(f"{where}: too many redirects")
                try:
                    url = str(URL(url).join(URL(location)))
                except ValueError:
                    raise ProtocolError(f"{where}: unreadable redirect") from None
                if origin_of(url) is None:
                    raise ProtocolError(f"{where}: redirect to a non-http(s) URL")
                sent = self._credentials_for(url, secret, f"{field} redirect", off_origin)
                if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                    method, json, data = "GET", None, None
                response = await self._send(
                    method,
                    url,
                    {**plain, **sent},
                    allow_redirects=False,
                    json=json,
                    data=data,
                    timeout=timeout,
                )
            async with response:
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

    async def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        allow_redirects: bool,
        **kwargs: Any,
    ) -> aiohttp.ClientResponse:
        return await self._session.request(
            method, url, headers=headers, allow_redirects=allow_redirects, **kwargs
        )

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
        self, url: str, *, credentials: Mapping[str, str] | None = None
    ) -> AsyncIterator[MediaStream]:
        """Stream media from a vendor URL (not the metered API); named by host only.

        Media URLs from an answer are signed or public where they point elsewhere, so
        `credentials` go only to the API's origin and the fetch elsewhere goes without.
        A failure while the chunks are read maps like any other (UnavailableError).
        """
        async with self.open(
            "GET",
            url,
            credentials=credentials,
            field="media URL",
            off_origin="anonymous",
            counted=False,
            label=self.media_where(url),
        ) as response:
            content_type = response.headers.get("Content-Type", "application/octet-stream")
            yield MediaStream(
                content_type=content_type.split(";")[0].strip().lower(),
                size=response.content_length,
                chunks=response.content.iter_chunked(MEDIA_CHUNK),
            )

    async def fetch_media(
        self, url: str, *, credentials: Mapping[str, str] | None = None
    ) -> MediaFile:
        """Download media from a vendor URL whole (images, playlists, short clips)."""
        async with self.open_media(url, credentials=credentials) as media:
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
