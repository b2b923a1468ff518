"""Packaging checks: what hassfest and the HACS action would check."""
