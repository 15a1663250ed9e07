"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import (  # noqa: F401
    audit,
    auth,
    channels,
    credentials,
    files,
    home,
    moderation,
    notifications,
    people,
    search,
    unsubscribe,
)
