"""Emulated SP-API Orders endpoints (owned by the orders section engineer)."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
