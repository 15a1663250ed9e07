"""A person's own stream: what only they see (changes to their memberships,
notifications, read state from their other devices, and later moderation
notices), positioned, resumable and gap-filled like a channel's. Its head is
on the account row; its events are ``person_event`` rows, indexed by the post
they are about (``post_id``) when they are about one."""

from __future__ import annotations

from core.tables import table_of
from org.models import PersonEvent, User
from streams.log import Stream, register

PERSON = register(
    Stream(
        "person",
        events=table_of(PersonEvent),
        event_key="user_id",
        heads=table_of(User),
        head_key="id",
        head_epoch="stream_epoch",
        head_seq="stream_seq",
        subject="post_id",
    )
)
