"""CamHub tests."""
