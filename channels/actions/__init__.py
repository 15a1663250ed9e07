"""Every change to channels and what is in them: ``do_<verb>_<noun>``, by subject.

- ``posts``: posts (written in batches), comments, edits, deletes, likes;
- ``channels``: interest groups, joining, leaving, invitations;
- ``people``: departments and accounts, whose department channel follows them.

Each action authorises, changes rows and appends its events in one unit of
work (streams/unit.py), which commits and then publishes them.
"""
