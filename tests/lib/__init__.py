"""Tests of the HA-free helpers of the Home Assistant layer."""
