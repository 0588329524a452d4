"""The command line: sign, check-config, coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from tests.support.gateway import MwsClient


@pytest.mark.anyio
async def test_sign_prints_a_request_the_gateway_accepts(
    mws: MwsClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["sign", "--demo", "--endpoint", "http://testserver", "Sellers", "GetServiceStatus"])
        == 0
    )
    url = capsys.readouterr().out.strip()
    assert url.startswith("http://testserver/Sellers/2011-07-01?") and "Signature=" in url
    resp = await mws.http.get(url)
    assert resp.status_code == 200, resp.text
    assert "<Status>GREEN</Status>" in resp.text


@pytest.mark.anyio
async def test_sign_with_parameters_and_post(
    mws: MwsClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "sign",
                "--demo",
                "--endpoint",
                "http://testserver",
                "--method",
                "POST",
                "Orders",
                "GetServiceStatus",
                "-p",
                "Extra=a b",
            ]
        )
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert line.startswith("curl -X POST 'http://testserver/Orders/2013-09-01?")
    resp = await mws.http.post(line.split("'")[1])
    assert resp.status_code == 200, resp.text


def test_check_config_reports_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "gateway.yaml"
    bad.write_text("access_keys:\n  AKIA1:\n    secret: ${NOT_SET_ANYWHERE}\n")
    assert main(["check-config", "--config", str(bad)]) == 2
    assert "NOT_SET_ANYWHERE" in capsys.readouterr().err
    bad.write_text("quotas: sometimes\n")
    assert main(["check-config", "--demo", "--config", str(bad)]) == 2
    assert "quotas" in capsys.readouterr().err


def test_check_config_accepts_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "configuration ok" in out and "14 sections" in out


def test_coverage_lists_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    for section in (
        "Orders",
        "Reports",
        "Feeds",
        "Products",
        "Sellers",
        "Finances",
        "FulfillmentInventory",
        "FulfillmentOutboundShipment",
        "FulfillmentInboundShipment",
        "MerchantFulfillment",
        "Subscriptions",
        "Recommendations",
        "ShipmentInvoicing",
        "EasyShip",
    ):
        assert f"| {section} | GetServiceStatus |" in out or f"| {section} |" in out
    assert "operations:" in out
