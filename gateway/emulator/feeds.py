"""Emulated SP-API Feeds endpoints (owned by the feeds section engineer)."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
