"""Vendor simulators (Angelcam, NovaVMS, OpenCamera) for tests, benchmarks and the demo."""
