"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import (  # noqa: F401
    auth,
    channels,
    credentials,
    direct,
    files,
    home,
    notifications,
    onboarding,
    people,
    questions,
    search,
    unsubscribe,
)
