"""Which preparation Amazon asks for each emulated SKU (the same answer in both APIs).

The rule is a deterministic function of the SKU: about a third of the catalog needs no prep,
the others polybagging, bubble wrap or taping, some with labeling too. v0
``getPrepInstructions`` shows it as ``PrepInstructionList`` (with the fee Amazon charges when
it does the prep), 2024-03-20 as the ``prepInstructions`` of an item.
"""

from __future__ import annotations

import zlib

_RULES: tuple[tuple[str, ...], ...] = (
    (),
    ("Polybagging",),
    ("BubbleWrapping", "Labeling"),
    ("Taping",),
    (),
    ("Polybagging", "Labeling"),
)
V0_TO_2024 = {
    "Polybagging": "ITEM_POLYBAGGING",
    "BubbleWrapping": "ITEM_BUBBLEWRAP",
    "Taping": "ITEM_TAPING",
    "Labeling": "ITEM_LABELING",
}
FEES = {"Polybagging": 0.70, "BubbleWrapping": 1.00, "Taping": 0.20, "Labeling": 0.55}


def prep_instructions(key: str) -> tuple[str, ...]:
    """The v0 PrepInstruction values of a SKU or ASIN."""
    return _RULES[zlib.crc32(key.encode("utf-8")) % len(_RULES)]


def prep_types(sku: str) -> list[str]:
    """The 2024-03-20 prepType values of a SKU."""
    return [V0_TO_2024[p] for p in prep_instructions(sku)]


def barcode_instruction(key: str) -> str:
    return ("RequiresFNSKULabel", "CanUseOriginalBarcode")[zlib.crc32(key.encode()) % 2]
