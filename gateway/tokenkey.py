"""The NextToken key when none is configured: one generated key, kept in the data directory.

NextTokens are HMAC-protected with ``settings.token_key``. A key that is random per process
makes every NextToken fail after a restart, and on any other replica. Outside ``--demo``,
``serve`` therefore uses ``<data_dir>/token_key``: created once (32 random bytes, hex, mode
0600, written to a temporary file and linked into place so two processes starting together
agree on one key), read on every later start, and a warning says so. That is enough for a
single node with a persistent data directory; several replicas must share one configured
key (``MWS_GATEWAY_TOKEN_KEY``, the same on every replica; the Helm chart generates and keeps
one in a Secret when none is given).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import secrets
import stat
from pathlib import Path

import structlog

from gateway.config import ConfigError, Settings

FILE_NAME = "token_key"
log = structlog.get_logger("mws_gateway.tokenkey")


def _read(path: Path) -> str:
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: the NextToken key file is not a regular file")
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the NextToken key file: {exc}") from None
    if len(text) < 32:
        raise ConfigError(
            f"{path}: the NextToken key file is damaged (delete it to generate a new key, "
            "which invalidates NextTokens already handed out, or set MWS_GATEWAY_TOKEN_KEY)"
        )
    if info.st_mode & 0o077:
        log.warning("token_key_file_permissions", path=str(path), mode=oct(info.st_mode & 0o777))
    return text


def _create(path: Path) -> bool:
    """Write a new key unless one appeared meanwhile; True when this call created it."""
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails when another process won the race
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def persistent_token_key(data_dir: Path) -> tuple[str, bool]:
    """(key text, created now) from ``<data_dir>/token_key``, creating the file if needed."""
    path = data_dir / FILE_NAME
    if not path.exists():
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            created = _create(path)
        except OSError as exc:
            raise ConfigError(
                f"no token_key configured and {path} cannot be written ({exc.strerror}): set "
                "MWS_GATEWAY_TOKEN_KEY (or token_key in the config file) to a long random "
                "string, the same on every replica"
            ) from None
        return _read(path), created
    return _read(path), False


def with_persistent_token_key(settings: Settings) -> Settings:
    """``settings`` with the data directory's key when none was configured (not in demo)."""
    if settings.token_key_configured or settings.demo:
        return settings
    text, created = persistent_token_key(settings.data_dir)
    log.warning(
        "token_key_not_configured",
        key_file=str(settings.data_dir / FILE_NAME),
        created=created,
        advice=(
            "NextTokens survive restarts only while this file does, and other replicas "
            "reject them: set MWS_GATEWAY_TOKEN_KEY to the same long random string on "
            "every replica"
        ),
    )
    key = hashlib.sha256(text.encode()).digest()
    return dataclasses.replace(settings, token_key=key)
