"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import (  # noqa: F401
    analytics,
    archive,
    audit,
    auth,
    channels,
    conduct,
    credentials,
    direct,
    files,
    gatherings,
    home,
    moderation,
    notifications,
    onboarding,
    people,
    polls,
    questions,
    search,
    surveys,
    unsubscribe,
)
