"""Built-in SP-API emulator: a standalone Starlette app used by tests, benchmarks and demos."""
