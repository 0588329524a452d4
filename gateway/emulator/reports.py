"""Emulated SP-API Reports endpoints (owned by the reports section engineer)."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
