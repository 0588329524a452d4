"""Orders tests reuse the emulator fixtures (fresh in-process emulator, httpx client, token)."""

from tests.emulator.conftest import client, emulator, emulator_app, emulator_config, token

__all__ = ["client", "emulator", "emulator_app", "emulator_config", "token"]
