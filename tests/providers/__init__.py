"""Tests of the HA-free provider layer."""
