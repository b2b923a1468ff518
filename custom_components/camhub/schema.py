"""The schema library of the running Home Assistant (probatio from 2026.x, voluptuous before)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def _schema_library() -> ModuleType:
    # Newer Home Assistant only recognises probatio markers in flows (suggested values,
    # serialisation); probatio is API-compatible with voluptuous, which older releases use.
    try:
        return importlib.import_module("probatio")
    except ImportError:  # pragma: no cover - the minimum lane (HA 2025.4) runs this
        return importlib.import_module("voluptuous")


# Typed as Any: each lane's type stubs know only one of the two libraries.
vol: Any = _schema_library()
