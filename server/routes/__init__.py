"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import (  # noqa: F401
    announcements,
    audit,
    auth,
    channels,
    conduct,
    credentials,
    direct,
    files,
    home,
    moderation,
    notifications,
    onboarding,
    people,
    questions,
    search,
    unsubscribe,
)
