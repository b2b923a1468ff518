"""HA-free provider layer: one client class per vendor, the model and the error tree."""

from __future__ import annotations

from .angelcam.client import AngelcamClient
from .budget import BudgetStatus, RequestBudget
from .errors import (
    AuthenticationError,
    NotSupportedError,
    PermissionDeniedError,
    ProtocolError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    SignatureError,
    UnavailableError,
)
from .model import Vendor
from .novavms.client import NovaVMSClient
from .opencamera.client import OpenCameraClient

type ProviderClient = AngelcamClient | NovaVMSClient | OpenCameraClient

CLIENTS: dict[Vendor, type[ProviderClient]] = {
    Vendor.ANGELCAM: AngelcamClient,
    Vendor.NOVAVMS: NovaVMSClient,
    Vendor.OPENCAMERA: OpenCameraClient,
}

__all__ = [
    "CLIENTS",
    "AngelcamClient",
    "AuthenticationError",
    "BudgetStatus",
    "NotSupportedError",
    "NovaVMSClient",
    "OpenCameraClient",
    "PermissionDeniedError",
    "ProtocolError",
    "ProviderClient",
    "ProviderError",
    "RateLimitedError",
    "RequestBudget",
    "RequestRejectedError",
    "SignatureError",
    "UnavailableError",
]
