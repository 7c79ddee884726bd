"""The ASGI entry point (``apfa.main:create_app``); the front door lives in ``apfa.app``."""

from apfa.app.factory import create_app

__all__ = ["create_app"]
