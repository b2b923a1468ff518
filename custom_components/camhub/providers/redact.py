"""Remove secrets (tokens, passwords, keys, tokenised URLs) from text before it is shown."""

from __future__ import annotations

from collections.abc import Iterable
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Query parameters whose values grant access on their own (signed URLs, stream tokens).
_SENSITIVE_NAME = re.compile(
    r"token|key|sig|secret|pass|auth|hash|credential|session|jwt|code", re.IGNORECASE
)
# Credentials that have a recognisable shape even when we were never told about them.
_SECRET_SHAPES = (
    (
        re.compile(r"\b(Bearer|PersonalAccessToken|Basic)\s+[^\s,;\"']+", re.IGNORECASE),
        rf"\1 {MASK}",
    ),
    (re.compile(r"\b(sk_(?:live|test)_|whsec_(?:live|test)_)[A-Za-z0-9_\-]+"), rf"\1{MASK}"),
    (
        re.compile(
            r"((?:token|key|signature|secret|password|hash|sig)[\w-]*=)[^&\s\"']+",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK),
)
_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s\"'<>]+", re.IGNORECASE)


def redact_url(url: str) -> str:
    """Return the URL without user info and with sensitive query values masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = f"{MASK}@{netloc}"
    query = urlencode(
        [
            (name, MASK if _SENSITIVE_NAME.search(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask known secrets, secret-shaped strings and tokenised URLs inside free text."""
    # Longest first so a secret that contains another one is masked whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL.sub(lambda match: redact_url(match.group(0)), text)
    for shape, replacement in _SECRET_SHAPES:
        text = shape.sub(replacement, text)
    return text
