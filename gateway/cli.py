"""``mws-gateway serve | bridge | check-config | coverage | sign | emulator``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gateway.catalog import Catalog, CatalogError, load_catalog
from gateway.config import (
    DEMO_ACCESS_KEY,
    DEMO_MARKETPLACE,
    DEMO_SECRET,
    DEMO_SELLER,
    ConfigError,
    Settings,
    load_settings,
)
from gateway.mws.signature import signed_query
from gateway.mws.timestamps import format_millis, from_epoch


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "host", None):
        overrides["host"] = args.host
    return load_settings(
        config_file=Path(args.config) if getattr(args, "config", None) else None,
        demo=getattr(args, "demo", False),
        overrides=overrides,
    )


def _demo_banner(settings: Settings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    return "\n".join(
        [
            "mws-gateway demo: SP-API is the built-in emulator, no Amazon account needed.",
            f"  endpoint        {base}",
            f"  AWSAccessKeyId  {DEMO_ACCESS_KEY}",
            f"  secret key      {DEMO_SECRET}",
            f"  SellerId        {DEMO_SELLER}",
            f"  MarketplaceId   {DEMO_MARKETPLACE}",
            "Try it (python-amazon-mws):",
            "  import mws",
            f"  api = mws.Orders('{DEMO_ACCESS_KEY}', '{DEMO_SECRET}', '{DEMO_SELLER}',",
            f"                   domain='{base}')",
            "  print(api.get_service_status().parsed)",
            "or with curl (a signed URL is valid for 15 minutes):",
            f'  curl "$(mws-gateway sign --demo --endpoint {base} Orders GetServiceStatus)"',
            "",
        ]
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.audit import configure_logging
    from gateway.server import serve
    from gateway.tokenkey import with_persistent_token_key

    settings = _settings(args)
    configure_logging(settings.log_level)
    settings = with_persistent_token_key(settings)
    app = create_app(settings)
    if settings.demo:
        sys.stderr.write(_demo_banner(settings))
        sys.stderr.flush()
    # The server shuts down gracefully on SIGINT/SIGTERM (gateway/server.py), then re-raises
    # the signal so the process's previous handler decides the exit: ours makes it exit 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _exit_cleanly)
    serve(app, settings)
    return 0


def cmd_bridge(args: argparse.Namespace) -> int:
    import asyncio

    from gateway.audit import configure_logging
    from gateway.notifications.worker import serve

    settings = _settings(args)
    if not settings.notifications.enabled:
        raise ConfigError(
            "notifications.source_queue_url: the bridge needs the SQS queue SP-API delivers "
            "to (MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL)"
        )
    configure_logging(settings.log_level)
    return asyncio.run(serve(settings))


def _exit_cleanly(signum: int, _frame: object) -> None:
    raise SystemExit(0)


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    catalog = load_catalog(settings.mappings_dir)
    ops = sum(len(s.operations) for s in catalog.sections.values())
    print(
        f"configuration ok: {len(settings.access_keys)} access key(s), "
        f"{len(settings.sellers)} seller(s), {len(catalog.sections)} sections, {ops} operations, "
        f"upstream {settings.upstream.mode}"
    )
    return 0


def coverage_table(catalog: Catalog) -> str:
    lines = [
        "| Section | MWS operation | Route | SP-API target / note |",
        "| --- | --- | --- | --- |",
    ]
    for section in sorted(catalog.sections.values(), key=lambda s: s.name):
        for op in section.operations.values():
            target = op.target
            detail = ", ".join(target.spapi) if target.spapi else ""
            if target.kind == "unsupported":
                detail = f"not translated: {target.note}"
            elif target.kind == "local":
                detail = f"answered by the gateway{': ' + detail if detail else ''}"
            lines.append(f"| {section.name} | {op.name} | {target.kind} | {detail} |")
    return "\n".join(lines)


def cmd_coverage(args: argparse.Namespace) -> int:
    catalog = load_catalog(Path(args.mappings) if args.mappings else None)
    table = coverage_table(catalog)
    counts: dict[str, int] = {}
    for section in catalog.sections.values():
        for op in section.operations.values():
            counts[op.target.kind] = counts.get(op.target.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    print(table)
    print(f"\n{sum(counts.values())} operations: {summary}")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    settings = _settings(args)
    catalog = load_catalog(settings.mappings_dir, check_handlers=False)
    section = catalog.sections.get(args.section)
    if section is None:
        print(
            f"unknown section {args.section}; one of {', '.join(sorted(catalog.sections))}",
            file=sys.stderr,
        )
        return 2
    info = section.versions[0]
    path = info.paths[-1]
    key_id = args.access_key or next(iter(settings.access_keys))
    key = settings.access_keys[key_id]
    seller = args.seller or next(iter(key.grants))
    params = {
        "AWSAccessKeyId": key_id,
        "Action": args.action,
        section.seller_params[0]: seller,
        "Timestamp": format_millis(from_epoch(time.time())),
        "Version": info.version,
    }
    for item in args.param or []:
        name, _, value = item.partition("=")
        params[name] = value
    endpoint = args.endpoint.rstrip("/")
    host = endpoint.split("://", 1)[-1]
    query = signed_query(secret=key.secret, method=args.method, host=host, path=path, params=params)
    if args.method == "GET":
        print(f"{endpoint}{path}?{query}")
    else:
        print(f"curl -X POST '{endpoint}{path}?{query}'")
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    from gateway.emulator.__main__ import run
    from gateway.emulator.config import EmulatorConfig

    run(args.host or "127.0.0.1", args.port, EmulatorConfig(rate_mode=args.rate_mode))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mws-gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="YAML config file (default: $MWS_GATEWAY_CONFIG)")
        p.add_argument("--demo", action="store_true", help="demo credentials and the emulator")

    serve = sub.add_parser("serve", help="run the gateway")
    common(serve)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    bridge = sub.add_parser(
        "bridge", help="run the notification bridge (SP-API JSON -> MWS XML on legacy queues)"
    )
    common(bridge)
    bridge.add_argument("--host", help="address of /metrics and /healthz (default 127.0.0.1)")
    bridge.set_defaults(func=cmd_bridge)

    check = sub.add_parser("check-config", help="validate configuration and mapping tables")
    common(check)
    check.set_defaults(func=cmd_check_config)

    cov = sub.add_parser("coverage", help="print the MWS operation table from the mappings")
    cov.add_argument("--mappings", help="mappings directory (default: the bundled tables)")
    cov.set_defaults(func=cmd_coverage)

    sign = sub.add_parser("sign", help="print a signed MWS request for a section and action")
    common(sign)
    sign.add_argument("section")
    sign.add_argument("action")
    sign.add_argument("--param", "-p", action="append", help="Name=Value, repeatable")
    sign.add_argument("--endpoint", default="http://127.0.0.1:8080")
    sign.add_argument("--method", default="GET", choices=["GET", "POST"])
    sign.add_argument("--access-key")
    sign.add_argument("--seller")
    sign.set_defaults(func=cmd_sign)

    emu = sub.add_parser("emulator", help="serve the SP-API emulator alone")
    emu.add_argument("--host")
    emu.add_argument("--port", type=int, default=8100)
    emu.add_argument(
        "--rate-mode",
        choices=("sandbox", "production", "off"),
        default="sandbox",
        help="SP-API rate limits: sandbox 5/s burst 15, the models' per-operation limits, or none",
    )
    emu.set_defaults(func=cmd_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, CatalogError) as exc:
        print(f"mws-gateway: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
