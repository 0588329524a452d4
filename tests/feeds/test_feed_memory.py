"""Converting a 16 MiB feed holds neither the input nor the output in memory.

Traced with ``tracemalloc`` (every Python allocation, expat's included): deterministic, no
timing. The old whole-in-memory conversion needed about 100 times the input for a flat file.
"""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from gateway.feeds.parts import PartedConversion, convert_to_parts
from tests.feeds import samples
from tests.feeds.record_expected import OPTION_SETS

MIB = 1024 * 1024
SIZE = 16 * MIB
PEAK_LIMIT = 24 * MIB


def _traced(
    source: Path, row: dict[str, str], content_type: str, out: Path
) -> tuple[int, PartedConversion]:
    """The traced peak of one conversion (the schemas and modules loaded beforehand)."""
    warm = convert_to_parts(
        io.BytesIO(b"<AmazonEnvelope/>"),
        {"message_type": "Inventory"},
        "",
        OPTION_SETS["us"],
        seller_id="A1",
        max_messages=10,
        directory=out / "warm",
    )
    assert warm.document_failed
    tracemalloc.start()
    try:
        with source.open("rb") as file:
            result = convert_to_parts(
                file,
                row,
                content_type,
                OPTION_SETS["us"],
                seller_id="A1SELLER",
                max_messages=25_000,
                directory=out / "parts",
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("kind", ["flat", "xml"])
def test_a_16_mib_feed_converts_within_24_mib_traced(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "feed"
    if kind == "flat":
        # an item-name column (ignored) makes realistic long records: ~85,000 of them
        records = samples.write_price_quantity_file(source, SIZE, extra_column=150)
        row, content_type = {"template": "price_quantity"}, "text/tab-separated-values"
    else:
        # ~16,000 Inventory messages, each followed by an exporter's comment
        records = samples.write_envelope_file(source, SIZE, "Inventory", padding=750)
        row, content_type = {"message_type": "Inventory"}, "text/xml"
    assert source.stat().st_size >= SIZE
    peak, result = _traced(source, row, content_type, tmp_path)
    assert result.processed == result.translated == records > 15_000
    assert sum(p.size for p in result.parts) > 2 * MIB  # the output is not small either
    assert peak < PEAK_LIMIT, f"traced peak {peak / MIB:.1f} MiB"
