"""Record what the conversions compute for every case of :mod:`tests.feeds.cases`.

``python -m tests.feeds.record_expected`` rewrites ``expected_conversions.json``. It was run
with the whole-in-memory implementation, before the streaming core replaced it, so that the
file holds the behaviour the streaming core must keep; rerun it only to change that behaviour
on purpose (and review the diff).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.feeds.envelope import convert_envelope
from gateway.feeds.flatfile import convert_price_quantity
from gateway.feeds.model import Conversion, ConversionOptions
from tests.feeds.cases import Case, all_cases

EXPECTED = Path(__file__).with_name("expected_conversions.json")
US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
OPTION_SETS: dict[str, ConversionOptions] = {
    "us": ConversionOptions(marketplaces=(US,), currencies={US: "USD"}),
    "us_ca": ConversionOptions(
        marketplaces=(US, CA),
        currencies={US: "USD", CA: "CAD"},
        product_type="LUGGAGE",
        audience=None,
        availability_op="replace",
    ),
}


def as_json(conversion: Conversion) -> dict[str, Any]:
    """A conversion result as plain JSON (issues keep every field, message id 0 included)."""
    return {
        "processed": conversion.processed,
        "messages": conversion.messages,
        "issues": [[i.message_id, i.severity, i.code, i.message, i.sku] for i in conversion.issues],
    }


def convert_case(case: Case, options: ConversionOptions) -> Conversion:
    kind, document, argument = case
    if kind == "flat":
        return convert_price_quantity(document, argument, options)
    return convert_envelope(document, argument, options)


def record() -> dict[str, Any]:
    return {
        f"{name}@{label}": as_json(convert_case(case, options))
        for name, case in all_cases().items()
        for label, options in OPTION_SETS.items()
    }


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(record(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {EXPECTED}")
