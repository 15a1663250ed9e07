"""Positioned streams of facts: the event log every live feature rides on.

- ``catalogue``: one typed model per event kind (``Fact``), registered by the
  package that owns it; events are validated when appended.
- ``log``: stream kinds (a channel's stream, a person's stream) and the reads
  and appends at positions ``(epoch, seq)``, written once for every kind.
- ``unit``: the one write path. A ``Unit`` is one transaction: it appends
  events, commits, then publishes their news on the bus. Nothing commits
  anywhere else (tests/unit/test_structure.py checks).

Imports ``core`` and ``bus`` only; the packages above register their streams
and kinds here.
"""
