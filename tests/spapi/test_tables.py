"""The spapi mapping tables: consistent with the MWS error table and Amazon's models."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from gateway.catalog import load_catalog
from gateway.spapi.errors import ErrorMap
from gateway.spapi.pacing import RateTable
from tests.spapi.fakes import MAPPINGS, REPO

MODELS = Path(os.environ.get("SPAPI_MODELS_DIR") or REPO.parent / "shared" / "spapi-models")
RATE_ROW = re.compile(r"\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|")


def test_error_rows_agree_with_mws_error_table() -> None:
    mws = yaml.safe_load((MAPPINGS / "errors.yaml").read_text())
    emap = ErrorMap(yaml.safe_load((MAPPINGS / "spapi" / "errors.yaml").read_text()))
    rows = [*emap.status.values(), *emap.codes.values(), *emap.failures.values()]
    for row in rows:
        assert row.code in mws, row.code
        assert row.type == mws[row.code]["type"], row
    assert emap.for_status(429, "QuotaExceeded").code == "RequestThrottled"
    assert (emap.for_status(400, "InvalidInput").code, emap.for_status(599).code) == (
        "InvalidParameterValue",
        "ServiceUnavailable",
    )
    assert emap.for_status(403).status == 401
    assert emap.for_status(418).code == "InvalidRequest"


def test_catalog_exposes_the_spapi_tables() -> None:
    catalog = load_catalog(MAPPINGS, check_handlers=False)
    assert "operations" in catalog.table("spapi/rate_limits")
    assert "failures" in catalog.table("spapi/errors")


def test_every_rate_row_matches_the_models_usage_plan() -> None:
    table = RateTable(yaml.safe_load((MAPPINGS / "spapi" / "rate_limits.yaml").read_text()))
    expected: dict[str, tuple[float, int, str, str]] = {}
    for model in MODELS.glob("*.json"):
        spec = json.loads(model.read_text())
        for path, item in (spec.get("paths") or {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                match = RATE_ROW.search(op.get("description", ""))
                if match:
                    key = f"{model.stem}.{op['operationId']}"
                    expected[key] = (
                        float(match.group(1)),
                        int(match.group(2)),
                        method.upper(),
                        path,
                    )
    assert len(expected) > 100
    assert set(table.operations) == set(expected)
    for key, limit in table.operations.items():
        assert (limit.rate, limit.burst, limit.method, limit.path) == expected[key], key
    required = [
        "orders_2026-01-01.searchOrders",
        "orders_2026-01-01.getOrder",
        "tokens_2021-03-01.createRestrictedDataToken",
        "sellers.getMarketplaceParticipations",
        "reports_2021-06-30.createReport",
        "feeds_2021-06-30.createFeedDocument",
    ]
    for key in required:
        assert key in table.operations
    for alias, stem in table.aliases.items():
        assert (MODELS / f"{stem}.json").is_file(), alias
