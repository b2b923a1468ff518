"""Custom components package (lets tests and mypy import custom_components.camhub)."""
