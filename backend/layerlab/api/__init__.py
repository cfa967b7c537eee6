"""The HTTP and websocket API: routes, dependencies, error handlers, the request-size limit, the static page.

The app itself is built by :func:`layerlab.main.create_app`.
"""

from layerlab.api.handlers import ApiError

__all__ = ["ApiError"]
