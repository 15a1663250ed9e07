"""Helpers shared by the suites: real servers on loopback, HTTP and WebSocket clients."""
