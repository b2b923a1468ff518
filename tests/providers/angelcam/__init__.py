"""Tests of the Angelcam provider package."""
