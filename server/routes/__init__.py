"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import (  # noqa: F401
    auth,
    channels,
    conduct,
    credentials,
    direct,
    files,
    home,
    notifications,
    onboarding,
    people,
    search,
    unsubscribe,
)
