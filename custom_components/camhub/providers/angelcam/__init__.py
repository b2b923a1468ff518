"""Angelcam: client, mapping, webhook, poll plan, health."""
