"""The NextToken key kept in the data directory when none is configured (gateway/tokenkey.py),
and the server settings around it (gateway/config.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.config import ConfigError, load_settings
from gateway.tokenkey import FILE_NAME, _create, persistent_token_key, with_persistent_token_key
from tests.conftest import AuditCapture

PRODUCTION_ENV = {
    "MWS_GATEWAY_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "MWS_GATEWAY_SECRET_KEY": "secret",
    "MWS_GATEWAY_SELLER_ID": "A1SELLER",
}


def test_a_key_is_created_once_with_mode_0600_and_then_reused(tmp_path: Path) -> None:
    first, created = persistent_token_key(tmp_path / "data")
    assert created and len(first) == 64
    path = tmp_path / "data" / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = persistent_token_key(tmp_path / "data")
    assert (again, created_again) == (first, False)
    assert [p.name for p in path.parent.iterdir()] == [FILE_NAME]  # no temporary left


def test_a_process_that_loses_the_creation_race_uses_the_winners_key(tmp_path: Path) -> None:
    winner, _ = persistent_token_key(tmp_path)
    assert _create(tmp_path / FILE_NAME) is False  # the link fails: the file is there
    assert persistent_token_key(tmp_path) == (winner, False)


def test_a_damaged_key_file_stops_start_up_with_advice(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text("short\n")
    with pytest.raises(ConfigError, match=r"damaged.*MWS_GATEWAY_TOKEN_KEY"):
        persistent_token_key(tmp_path)


def test_an_unwritable_data_dir_says_how_to_configure_a_key(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="MWS_GATEWAY_TOKEN_KEY"):
        persistent_token_key(blocker / "data")


def test_settings_get_the_persistent_key_only_outside_demo_without_a_key(
    tmp_path: Path, audit_log: AuditCapture
) -> None:
    env = PRODUCTION_ENV | {"MWS_GATEWAY_DATA_DIR": str(tmp_path)}
    random_key = load_settings(env=env)
    assert not random_key.token_key_configured
    kept = with_persistent_token_key(random_key)
    assert kept.token_key != random_key.token_key
    assert with_persistent_token_key(load_settings(env=env)).token_key == kept.token_key
    assert [e["created"] for e in audit_log.events()] == [True, False]

    configured = load_settings(env=env | {"MWS_GATEWAY_TOKEN_KEY": "shared"})
    assert configured.token_key_configured
    assert with_persistent_token_key(configured) is configured
    demo = load_settings(demo=True, env={"MWS_GATEWAY_DATA_DIR": str(tmp_path / "demo")})
    assert with_persistent_token_key(demo) is demo
    assert not (tmp_path / "demo").exists()


def test_server_settings_from_the_environment() -> None:
    settings = load_settings(
        env=PRODUCTION_ENV
        | {
            "MWS_GATEWAY_MAX_HEADER_BYTES": "8192",
            "MWS_GATEWAY_MAX_HEADERS": "50",
            "MWS_GATEWAY_MAX_REQUEST_LINE_BYTES": "20000",
            "MWS_GATEWAY_HEADER_TIMEOUT_SECONDS": "2.5",
            "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "3",
            "MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS": "19.5",
        }
    )
    assert (settings.limits.max_header_bytes, settings.limits.max_headers) == (8192, 50)
    assert settings.limits.max_request_line_bytes == 20000
    assert settings.header_timeout_seconds == 2.5
    assert (settings.shutdown_delay_seconds, settings.shutdown_grace_seconds) == (3.0, 19.5)
    defaults = load_settings(env=PRODUCTION_ENV)
    assert (defaults.limits.max_header_bytes, defaults.limits.max_headers) == (32768, 100)
    assert defaults.header_timeout_seconds == 10.0
    assert (defaults.shutdown_delay_seconds, defaults.shutdown_grace_seconds) == (1.0, 20.0)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MWS_GATEWAY_MAX_HEADERS", "0", "limits.max_headers"),
        ("MWS_GATEWAY_MAX_HEADER_BYTES", "lots", "invalid number"),
        ("MWS_GATEWAY_MAX_REQUEST_LINE_BYTES", "1000", "must exceed limits.max_query_bytes"),
        ("MWS_GATEWAY_HEADER_TIMEOUT_SECONDS", "0", "header_timeout_seconds"),
        ("MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS", "-1", "shutdown_grace_seconds"),
    ],
)
def test_bad_server_settings_stop_start_up(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=PRODUCTION_ENV | {variable: value})
