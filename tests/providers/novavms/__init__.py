"""Tests of the NovaVMS provider package."""
