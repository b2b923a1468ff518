"""Tests of the OpenCamera provider package."""
