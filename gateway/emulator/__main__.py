"""`python -m gateway.emulator [--host H] [--port P] [--rate-mode M]`: serve the emulator."""

from __future__ import annotations

import argparse

from gateway.emulator.config import EmulatorConfig


def run(
    host: str = "127.0.0.1",
    port: int = 8100,
    config: EmulatorConfig | None = None,
    *,
    access_log: bool = False,
) -> None:
    """Serve the emulator with uvicorn until interrupted.

    The access log is off by default: it would print presigned document URLs.
    """
    import uvicorn

    from gateway.emulator.app import create_emulator_app

    app = create_emulator_app(config)
    if app.state.emulator.config.public_base_url is None:
        app.state.emulator.documents.base_url = f"http://{host}:{port}"
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--rate-mode", choices=("sandbox", "production", "off"), default="sandbox")
    parser.add_argument("--seed", type=int, default=EmulatorConfig.seed)
    args = parser.parse_args(argv)
    run(args.host, args.port, EmulatorConfig(rate_mode=args.rate_mode, seed=args.seed))


if __name__ == "__main__":
    main()
