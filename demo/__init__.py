"""The CamHub demo: simulators plus a real Home Assistant, started by scripts/demo."""
