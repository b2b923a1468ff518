"""FakeCam: a fourth vendor that exists only in tests, added by following docs/architecture.md."""
