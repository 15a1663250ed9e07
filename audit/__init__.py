"""The audit log: an append-only record of what admins and moderators do and of
security events, written by the one write path (streams/unit.py) for every
event or noted fact of a kind declared audited (``audit.registry.audited``)."""

from audit import kinds  # noqa: F401  (declares org's and channels' audited kinds)
