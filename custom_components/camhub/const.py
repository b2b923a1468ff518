"""Constants shared across the CamHub integration."""

from typing import Final

DOMAIN: Final = "camhub"
NAME: Final = "CamHub"
