"""The edge: settings, the app factory, HTTP routes, the WebSocket transport,
the per-node hub and serving ``web/``. The only package that imports Starlette;
it translates requests and frames into calls on the domain packages."""
