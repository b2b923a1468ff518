"""Secrets never survive redaction; model reprs hide tokenised URLs and keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.camhub.providers.model import (
    Clip,
    NotificationMethod,
    PlaybackStream,
    StreamUrl,
    Webhook,
)
from custom_components.camhub.providers.redact import MASK, redact, redact_url

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://m1.example/stream/81/playlist.m3u8?token=abc.def",
            "http://m1.example/stream/81/playlist.m3u8?token=***",
        ),
        (
            "https://s.example/x.jpg?X-Goog-Expires=1&X-Goog-Signature=ff",
            "https://s.example/x.jpg?X-Goog-Expires=1&X-Goog-Signature=***",
        ),
        ("http://user:pw@h:8000/api/v1/device", "http://***@h:8000/api/v1/device"),
        (
            "https://api.example/v1/cameras/?limit=100&offset=0",
            "https://api.example/v1/cameras/?limit=100&offset=0",
        ),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: PersonalAccessToken s3cr3t-token", "s3cr3t-token"),
        ("Authorization: Bearer sk_live_abcdef", "sk_live_abcdef"),
        ("key whsec_live_0123 leaked", "whsec_live_0123"),
        ("see http://h/s.jpg?token=tok123&x=1", "tok123"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjF9.c2lnbmF0dXJl here", "eyJpYXQiOjF9"),
        ("signature_private_key=CHDFXB3 in body", "CHDFXB3"),
    ],
)
def test_shaped_secrets_are_masked_without_being_told(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert MASK in redacted


def test_known_secrets_are_masked_longest_first() -> None:
    text = "password hunter2hunter2 and hunter2"
    assert redact(text, ["hunter2", None, "", "hunter2hunter2"]) == "password *** and ***"


def test_model_reprs_hide_tokenised_urls_and_keys() -> None:
    objects = [
        StreamUrl(url="http://h/p.m3u8?token=SECRET1", format="hls", issued_at=NOW),
        PlaybackStream(url="http://h/p.m3u8?token=SECRET1", format="hls"),
        Clip(
            id="c",
            camera_id="1",
            name="n",
            status="READY",
            start=NOW,
            end=NOW,
            download_url="http://h/d?token=SECRET1",
        ),
        NotificationMethod(id="1", name="n", type="http", url="u", signature_key="SECRET1"),
        Webhook(
            id="w", name="n", url="http://h/SECRET1", event_types=(), enabled=True, secret="SECRET1"
        ),
    ]
    for item in objects:
        assert "SECRET1" not in repr(item)
