"""HTTP routes under /api/. Importing this package registers them on ``server.api.api``."""

from server.routes import auth, channels, credentials, files, notifications, people  # noqa: F401
