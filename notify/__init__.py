"""Notifications: what tells a person that something concerns them (a mention,
a comment on their post, a like, an invitation...), kept per person, shown on
every device of theirs at once, read on one and cleared on all.

- ``models``: the notification table (one row per person and notification;
  likes aggregated while unread) and its API shapes;
- ``facts``: the kinds of a person's own stream notify owns
  (``notification.added`` / ``.updated`` / ``.read`` / ``.removed``);
- ``duties``: who is notified of what, hung on the write path
  (streams/unit.py): the unit that writes a post, comment, like or invitation
  stores its notifications before it commits;
- ``deliver``: storing them and appending their events, a fixed number of
  statements for any number of people;
- ``reads``: pages of one's notifications, unread counts, marking read.

Stands on ``channels`` (whose events it follows, whose read rule it asks):
channels never imports it. Mentions' syntax and chips are channels'
(channels/mentions.py), and so are the members' levels (channels/prefs.py).
Importing this package registers the duties.
"""

from notify import duties  # noqa: F401  (registers the duties on the write path)
