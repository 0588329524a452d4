"""NextTokens outlive a restart of ``mws-gateway serve`` (issue 13, item 7).

Outside ``--demo`` a gateway without a configured ``token_key`` keeps a generated one in its
data directory (``token_key``, mode 0600) and warns; with ``MWS_GATEWAY_TOKEN_KEY`` set it
uses that and writes nothing. Either way a NextToken handed out before a restart is accepted
after it. The gateway runs in production shape (no ``--demo``: one seller from
``MWS_GATEWAY_*`` variables) against a separate SP-API emulator process.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.config import (
    DEMO_ACCESS_KEY,
    DEMO_LWA_CLIENT_ID,
    DEMO_LWA_CLIENT_SECRET,
    DEMO_MARKETPLACE,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_SELLER,
)
from tests.support.serve import EmulatorProcess, ServeProcess, running, running_emulator

pytestmark = pytest.mark.live

ORDERS = ("/Orders/2013-09-01", "2013-09-01")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with running_emulator(tmp_path_factory.mktemp("emulator")) as emu:
        yield emu


def production_env(emulator: EmulatorProcess, **extra: str) -> dict[str, str]:
    env = {
        "MWS_GATEWAY_EMULATOR_URL": emulator.base,
        "MWS_GATEWAY_ACCESS_KEY_ID": DEMO_ACCESS_KEY,
        "MWS_GATEWAY_SECRET_KEY": DEMO_SECRET,
        "MWS_GATEWAY_SELLER_ID": DEMO_SELLER,
        "MWS_GATEWAY_MARKETPLACE_IDS": DEMO_MARKETPLACE,
        "SPAPI_LWA_CLIENT_ID": DEMO_LWA_CLIENT_ID,
        "SPAPI_LWA_CLIENT_SECRET": DEMO_LWA_CLIENT_SECRET,
        "SPAPI_REFRESH_TOKEN": DEMO_REFRESH_TOKEN,
        "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "0",
        "MWS_GATEWAY_TOKEN_KEY": "",
    }
    env.update(extra)
    return env


def list_orders_token(gateway: ServeProcess) -> str:
    url = gateway.signed_url(
        *ORDERS[:1],
        "ListOrders",
        ORDERS[1],
        {
            "CreatedAfter": "2020-01-01T00:00:00Z",
            "MarketplaceId.Id.1": DEMO_MARKETPLACE,
            "MaxResultsPerPage": "2",
        },
    )
    resp = httpx.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    found = re.search(r"<NextToken>([^<]+)</NextToken>", resp.text)
    assert found, resp.text[:500]
    return found.group(1)


def next_page(gateway: ServeProcess, token: str) -> httpx.Response:
    url = gateway.signed_url(ORDERS[0], "ListOrdersByNextToken", ORDERS[1], {"NextToken": token})
    return httpx.get(url, timeout=30)


def warnings_about_the_key(gateway: ServeProcess) -> list[dict[str, object]]:
    return [e for e in gateway.log_events() if e.get("event") == "token_key_not_configured"]


def test_without_a_key_one_is_kept_in_the_data_dir_and_next_tokens_survive_a_restart(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    env = production_env(emulator, MWS_GATEWAY_DATA_DIR=str(tmp_path / "data"))
    with running(tmp_path / "first", demo=False, env=env) as first:
        token = list_orders_token(first)
    key_file = tmp_path / "data" / "token_key"
    key_text = key_file.read_text() if key_file.exists() else ""
    with running(tmp_path / "second", demo=False, env=env) as second:
        resp = next_page(second, token)
    assert resp.status_code == 200, resp.text  # was NextTokenCorrupted: a new random key
    assert "<ListOrdersByNextTokenResult>" in resp.text

    assert key_file.is_file() and key_file.read_text() == key_text
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (warning,) = warnings_about_the_key(first)
    assert warning["created"] is True and warning["level"] == "warning"
    assert "MWS_GATEWAY_TOKEN_KEY" in str(warning["advice"])
    assert key_text.strip() not in first.output() + second.output()  # never logged
    (again,) = warnings_about_the_key(second)
    assert again["created"] is False


def test_a_configured_key_is_used_and_no_file_is_written(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    env = production_env(emulator, MWS_GATEWAY_TOKEN_KEY="a-long-shared-random-string-1234")
    data = {"MWS_GATEWAY_DATA_DIR": str(tmp_path / "data")}
    with running(tmp_path / "a", demo=False, env=env | data) as first:
        token = list_orders_token(first)
    with running(tmp_path / "b", demo=False, env=env | data) as second:
        assert next_page(second, token).status_code == 200
    other = production_env(emulator, MWS_GATEWAY_TOKEN_KEY="another-replica-with-another-key")
    with running(tmp_path / "c", demo=False, env=other | data) as third:
        refused = next_page(third, token)
    assert refused.status_code == 400 and "<Code>NextTokenCorrupted</Code>" in refused.text
    assert not (tmp_path / "data" / "token_key").exists()
    assert warnings_about_the_key(first) == warnings_about_the_key(second) == []


def test_demo_mode_keeps_a_per_process_key_and_writes_no_file(tmp_path: Path) -> None:
    with running(tmp_path, env={"MWS_GATEWAY_TOKEN_KEY": ""}) as demo:
        assert httpx.get(f"{demo.base}/healthz", timeout=5).status_code == 200
    assert not (tmp_path / "data" / "token_key").exists()
    assert warnings_about_the_key(demo) == []
