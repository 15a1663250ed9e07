"""Reports, the moderators' queue, sanctions (warnings, mutes, suspensions,
hidden content) and appeals. Stands above channels and notify: it hides and
deletes posts through channels' own helpers and tells people through
notifications; the audit log records every decision (moderation/facts.py
declares its kinds audited)."""

from moderation import facts  # noqa: F401  (registers and audits moderation's kinds)
