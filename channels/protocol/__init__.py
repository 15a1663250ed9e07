"""The WebSocket protocol, sans I/O: decoding and validating client frames,
building and encoding server frames. Nothing here awaits; it is tested with
bytes alone (tests/unit/test_protocol.py). The prose is docs/protocol.md."""
