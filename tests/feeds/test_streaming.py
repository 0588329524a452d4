"""The streaming conversion core: part files, the issue cap, hostile and malformed input."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from gateway.feeds import lines, listings, safexml
from gateway.feeds.idset import IdSet
from gateway.feeds.lines import MAX_LINE_CHARS, Overlong, text_lines
from gateway.feeds.listings import feed_documents
from gateway.feeds.model import ERROR, WARNING, ConversionOptions
from gateway.feeds.parts import PartedConversion, convert_to_parts
from gateway.feeds.report import processing_report_text, processing_report_xml, summarize
from gateway.schemas import feed_schema
from tests.feeds import samples
from tests.feeds.cases import Case, all_cases
from tests.feeds.record_expected import EXPECTED, OPTION_SETS, as_json, convert_case

RECORDED: dict[str, Any] = json.loads(EXPECTED.read_text())
KEYS = [f"{name}@{label}" for name in all_cases() for label in OPTION_SETS]
US = "ATVPDKIKX0DER"
OPTIONS = OPTION_SETS["us"]
SELLER = "A1SELLER"
INVENTORY_ROW = {"message_type": "Inventory"}
PRICE_ROW = {"message_type": "Price"}
FLAT_ROW = {"template": "price_quantity"}
FLAT_TYPE = "text/tab-separated-values; charset=iso-8859-1"


def _row_and_type(case: Case) -> tuple[dict[str, str], str]:
    kind, _, argument = case
    if kind == "flat":
        return FLAT_ROW, f"text/tab-separated-values; charset={argument}"
    return {"message_type": argument}, "text/xml"


def _parts(
    document: bytes,
    row: dict[str, str],
    directory: Path,
    *,
    content_type: str = "text/xml",
    options: ConversionOptions = OPTIONS,
    max_messages: int = 25000,
    max_issues: int = 10_000,
) -> PartedConversion:
    return convert_to_parts(
        io.BytesIO(document),
        row,
        content_type,
        options,
        seller_id=SELLER,
        max_messages=max_messages,
        directory=directory,
        max_issues=max_issues,
    )


def _messages(conversion: PartedConversion) -> list[dict[str, Any]]:
    return [m for p in conversion.parts for m in json.loads(p.path.read_bytes())["messages"]]


def _recorded_failure(expected: dict[str, Any]) -> bool:
    issues = expected["issues"]
    return bool(issues) and not expected["messages"] and expected["processed"] == 0


@pytest.mark.parametrize("key", KEYS)
def test_parts_hold_exactly_the_recorded_documents(key: str, tmp_path: Path) -> None:
    """Each part is byte for byte what feed_documents + json.dumps gave, split at 3."""
    name, label = key.split("@")
    case = all_cases()[name]
    row, content_type = _row_and_type(case)
    expected = RECORDED[key]
    result = _parts(
        case[1],
        row,
        tmp_path,
        content_type=content_type,
        options=OPTION_SETS[label],
        max_messages=3,
    )
    documents = feed_documents(expected["messages"], SELLER, 3)
    wanted = [json.dumps(d, separators=(",", ":")).encode() for d in documents]
    assert [p.path.read_bytes() for p in result.parts] == wanted
    for part, data, document in zip(result.parts, wanted, documents, strict=True):
        ids = [m["messageId"] for m in document["messages"]]
        assert (part.messages, part.first_message_id, part.last_message_id) == (
            len(ids),
            ids[0],
            ids[-1],
        )
        assert part.size == len(data)
        assert part.md5_base64 == base64.b64encode(hashlib.md5(data).digest()).decode()
        assert part.sha256_hex == hashlib.sha256(data).hexdigest()
    as_recorded = {
        "processed": result.processed,
        "messages": _messages(result),
        "issues": [[i.message_id, i.severity, i.code, i.message, i.sku] for i in result.issues],
    }
    assert as_recorded == expected
    assert result.document_failed == _recorded_failure(expected)
    assert result.totals.errors == sum(1 for i in expected["issues"] if i[1] == ERROR)
    assert result.totals.warnings == sum(1 for i in expected["issues"] if i[1] == WARNING)
    assert result.totals.unlisted_issues == 0
    assert sorted(tmp_path.iterdir()) == sorted(p.path for p in result.parts)


@pytest.mark.parametrize("chunk", [1, 5])
def test_tiny_read_chunks_change_nothing(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safexml, "CHUNK_SIZE", chunk)
    monkeypatch.setattr(lines, "CHUNK_SIZE", chunk)
    for name, case in all_cases().items():
        assert as_json(convert_case(case, OPTIONS)) == RECORDED[f"{name}@us"], name


def test_ten_messages_split_at_three_make_four_contiguous_parts(tmp_path: Path) -> None:
    doc = samples.envelope("Inventory", *(samples.inventory(i, f"S{i}", i) for i in range(1, 11)))
    result = _parts(doc, INVENTORY_ROW, tmp_path, max_messages=3)
    assert [p.messages for p in result.parts] == [3, 3, 3, 1]
    assert [(p.first_message_id, p.last_message_id) for p in result.parts] == [
        (1, 3),
        (4, 6),
        (7, 9),
        (10, 10),
    ]
    assert [m["messageId"] for m in _messages(result)] == list(range(1, 11))
    assert result.processed == 10 and result.translated == 10 and not result.document_failed
    for part in result.parts:
        assert json.loads(part.path.read_bytes())["header"] == listings.feed_header(SELLER)


def _flat(records: list[str]) -> bytes:
    return ("sku\tprice\tquantity\n" + "".join(f"{r}\n" for r in records)).encode("ascii")


def test_issue_cap_lists_the_first_issues_and_counts_all(tmp_path: Path) -> None:
    records = [f"OK-{i}\t1\t1" if i % 3 == 0 else f"BAD-{i}\tx\t1" for i in range(1, 301)]
    result = _parts(_flat(records), FLAT_ROW, tmp_path, content_type=FLAT_TYPE, max_issues=50)
    bad = [i for i in range(1, 301) if i % 3]
    assert [i.message_id for i in result.issues] == bad[:50]
    totals = result.totals
    assert (totals.errors, totals.warnings) == (200, 0)
    assert (totals.unlisted_errors, totals.unlisted_error_messages) == (150, 150)
    assert result.translated == 100 and result.processed == 300
    summary = summarize(result.processed, result.issues, result.totals)
    assert (summary.successful, summary.with_error, summary.with_warning) == (100, 200, 0)
    assert len(summary.results) == 51 and summary.unlisted == 150
    last = summary.results[-1]
    assert (last.message_id, last.severity, last.code) == (0, WARNING, "90004")
    assert "150 more errors and 0 more warnings, of 150 more messages" in last.message
    feed_schema("processing_report").validate(processing_report_xml("1", "M", summary).decode())
    text = processing_report_text(summary).decode().splitlines()
    assert text[2] == "\tNumber of records successful\t\t100"
    assert text[-1].startswith("0\t\t90004\tWarning\t150 more errors")


def test_issue_cap_lists_whole_messages_only(tmp_path: Path) -> None:
    """A message whose issues do not all fit is not listed, nor is any message after it."""
    two_errors = samples.inventory(2, "X" * 41, "q")  # SKU too long, Quantity not a number
    doc = samples.envelope(
        "Inventory",
        samples.inventory(1, "A", -1),
        two_errors,
        samples.inventory(3, "C", -1),
        samples.inventory(4, "D", 4),
    )
    result = _parts(doc, INVENTORY_ROW, tmp_path, max_issues=2)
    assert [i.message_id for i in result.issues] == [1]
    t = result.totals
    assert (t.errors, t.unlisted_errors, t.unlisted_error_messages) == (4, 3, 2)
    assert result.translated == 1
    summary = summarize(result.processed, result.issues, result.totals)
    assert (summary.with_error, summary.successful) == (3, 1)


def test_unlisted_warnings_count_as_warning_messages(tmp_path: Path) -> None:
    afn = "<Lookup>FulfillmentNetwork</Lookup>"
    messages = [
        f"<Message><MessageID>{i}</MessageID><Inventory><SKU>S{i}</SKU>{afn}</Inventory></Message>"
        if i % 2
        else samples.inventory(i, f"S{i}", 1, "<SwitchFulfillmentTo>AFN</SwitchFulfillmentTo>")
        for i in range(1, 7)
    ]
    result = _parts(samples.envelope("Inventory", *messages), INVENTORY_ROW, tmp_path, max_issues=1)
    assert result.translated == 6 and [i.message_id for i in result.issues] == [2]
    assert result.totals.unlisted_warning_messages == 2  # messages 4 and 6
    summary = summarize(result.processed, result.issues, result.totals)
    assert (summary.successful, summary.with_error, summary.with_warning) == (6, 0, 3)


def test_malformed_midway_reports_the_document_and_leaves_no_part(tmp_path: Path) -> None:
    good = [samples.inventory(i, f"S{i}", i) for i in range(1, 40)]
    doc = samples.envelope("Inventory", *good, "<Message><MessageID>40</MessageID><Inv")
    result = _parts(doc, INVENTORY_ROW, tmp_path, max_messages=5)
    assert result.document_failed and result.parts == () and result.processed == 0
    assert [(i.message_id, i.code) for i in result.issues] == [(0, "5001")]
    assert "XML Parsing Fatal Error" in result.issues[0].message
    assert list(tmp_path.iterdir()) == []


def test_a_late_envelope_error_voids_the_messages_already_written(tmp_path: Path) -> None:
    good = [samples.inventory(i, f"S{i}", i) for i in range(1, 12)]
    doc = samples.envelope("Inventory", *good, "<Unexpected/>")
    result = _parts(doc, INVENTORY_ROW, tmp_path, max_messages=5)
    assert result.document_failed and result.parts == () and list(tmp_path.iterdir()) == []
    assert result.issues[0].message == (
        "XML Parsing Error at /AmazonEnvelope: Unexpected child with tag 'Unexpected' at "
        "position 14."
    )


def test_a_conversion_that_raises_leaves_no_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = listings.patch_message

    def failing(*args: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 8:
            raise OSError("disk full")
        return original(*args)

    monkeypatch.setattr(listings, "patch_message", failing)
    doc = _flat([f"S{i}\t1\t1" for i in range(10)])
    with pytest.raises(OSError, match="disk full"):
        _parts(doc, FLAT_ROW, tmp_path, content_type=FLAT_TYPE, max_messages=3)
    assert list(tmp_path.iterdir()) == []


def _refused(doc: bytes, tmp_path: Path) -> str:
    result = _parts(doc, INVENTORY_ROW, tmp_path)
    assert result.document_failed and result.parts == () and result.processed == 0
    assert [(i.message_id, i.severity, i.code) for i in result.issues] == [(0, ERROR, "5001")]
    return result.issues[0].message


@pytest.mark.parametrize("hostile", [samples.BILLION_LAUGHS, samples.EXTERNAL_ENTITY])
def test_entities_and_dtds_are_refused_unexpanded(hostile: bytes, tmp_path: Path) -> None:
    text = _refused(hostile, tmp_path)
    assert "document type declaration" in text and "lol" not in text and "passwd" not in text


def _deep(depth: int) -> bytes:
    return b"<AmazonEnvelope><Header>" + b"<a>" * depth + b"</a>" * depth + b"</Header>"


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b'<AmazonEnvelope a="' + b"x" * (2 * safexml.MAX_PENDING_BYTES), "one tag or comment"),
        (b"<AmazonEnvelope><!--" + b"x" * (2 * safexml.MAX_PENDING_BYTES), "one tag or comment"),
        (_deep(safexml.MAX_CHILD_ELEMENTS + 1), "elements"),
        (
            b"<AmazonEnvelope><Message><SKU>" + b"x" * (safexml.MAX_CHILD_CHARS + 1),
            "characters",
        ),
        (
            b"<AmazonEnvelope>"
            + b"".join(b"<n%d/>" % i for i in range(safexml.MAX_NAMES + 1))
            + b"</AmazonEnvelope>",
            "names",
        ),
    ],
)
def test_oversized_xml_is_refused_before_it_costs_memory(
    doc: bytes, reason: str, tmp_path: Path
) -> None:
    assert reason in _refused(doc, tmp_path)


def test_many_stray_children_are_bounded_and_still_reported(tmp_path: Path) -> None:
    strays = "".join(f"<Stray><Deep>{i}</Deep></Stray>" for i in range(5000))
    doc = samples.envelope("Inventory", samples.inventory(1, "A", 1), strays)
    result = _parts(doc, INVENTORY_ROW, tmp_path)
    assert result.document_failed and len(result.issues) == 10
    assert result.issues[0].message == (
        "XML Parsing Error at /AmazonEnvelope: Unexpected child with tag 'Stray' at position 4."
    )


def test_a_message_of_the_other_type_is_a_message_error() -> None:
    """It used to raise AssertionError (the schema allows either body)."""
    doc = samples.envelope("Inventory", samples.price(1, "P", "1.00"), samples.inventory(2, "I", 1))
    result = convert_case(("envelope", doc, "Inventory"), OPTIONS)
    assert [m["sku"] for m in result.messages] == ["I"]
    assert [(i.message_id, i.code) for i in result.issues] == [(1, "5000")]
    assert "no Inventory element" in result.issues[0].message


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("nan", "price 'nan' is not a number."),
        ("1e999999999", "price '1e999999999' is too large."),
        ("²", "price '²' is not a number."),
    ],
)
def test_hostile_amounts_are_record_errors(cell: str, text: str) -> None:
    """'nan' used to raise InvalidOperation and a huge exponent to hang in int()."""
    doc = f"sku\tprice\tquantity\nA\t{cell}\t1\nB\t1\t²\n".encode()
    result = convert_case(("flat", doc, "utf-8"), OPTIONS)
    assert [(i.message_id, i.message) for i in result.issues] == [
        (1, text),
        (2, "quantity '²' must be a whole number from 0 to 99999999."),
    ]


def test_an_overlong_record_is_a_record_error(tmp_path: Path) -> None:
    doc = _flat(
        ["A\t1\t1", "B\t" + "9" * (MAX_LINE_CHARS + 10), " " * (MAX_LINE_CHARS + 1), "C\t2"]
    )
    result = _parts(doc, FLAT_ROW, tmp_path, content_type=FLAT_TYPE)
    assert [m["sku"] for m in _messages(result)] == ["A", "C"]
    assert [(i.message_id, i.message) for i in result.issues] == [
        (2, f"The record is longer than {MAX_LINE_CHARS} characters; it was not read.")
    ]
    assert result.processed == 3


def test_text_lines_split_as_splitlines_in_any_chunking() -> None:
    rnd = random.Random(7)
    alphabet = ["a", "é", "語", "\t", " ", "\n", "\r", "\r\n", "\x0b", "\x85", "\u2028", "\x1c"]
    for charset in ("utf-8", "utf-16", "shift_jis", "iso-8859-1"):
        for _ in range(40):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
            if charset in ("shift_jis", "iso-8859-1"):
                text = text.encode(charset, errors="ignore").decode(charset)
            data = text.encode(charset)
            expected = data.decode(charset, errors="replace").splitlines()
            for chunk in (1, 2, 3, 64):
                got = list(text_lines(io.BytesIO(data), charset, chunk))
                assert got == expected, (charset, text, chunk)


def test_text_lines_skip_overlong_lines_in_bounded_memory() -> None:
    big = "x" * (MAX_LINE_CHARS + 5)
    data = f"a\n{big}\nb\n{' ' * (MAX_LINE_CHARS * 2)}\nc\n{big}".encode()
    got = list(text_lines(io.BytesIO(data), "ascii", 4096))
    assert got == ["a", Overlong("x" * 64), "b", "", "c", Overlong("x" * 64)]
    bom = list(text_lines(io.BytesIO(b"\xef\xbb\xbf\xc3\xa9\r\n"), "iso-8859-1", 1))
    assert bom == ["é"]


def test_id_set_agrees_with_a_set() -> None:
    rnd = random.Random(3)
    ids, reference = IdSet(batch=64), set()
    for value in [rnd.randrange(0, 5000) for _ in range(3000)] + list(range(9000, 9400)):
        assert (value in ids) == (value in reference)
        ids.add(value)
        reference.add(value)
    assert len(ids) == len(reference)
    assert all(v in ids for v in reference) and 5001 not in ids
    with pytest.raises(ValueError):
        ids.add(-1)


def test_shell_stand_in_is_a_valid_message() -> None:
    from gateway.feeds.envelope import _batch_root, _stand_in

    root = _batch_root()
    root.append(_stand_in())
    assert list(feed_schema("envelope").iter_errors(root)) == []
    assert ET.tostring(root).startswith(b"<AmazonEnvelope>")


def test_a_spooled_body_converts_from_its_file(tmp_path: Path) -> None:
    import tempfile

    from gateway.intake import SpooledBody

    spooled = tempfile.SpooledTemporaryFile(max_size=16)  # noqa: SIM115 - closed below
    spooled.write(samples.PRICE_QUANTITY_TSV)
    body = SpooledBody(spooled, len(samples.PRICE_QUANTITY_TSV), "", FLAT_TYPE)
    try:
        result = convert_to_parts(
            body.rewound(),
            FLAT_ROW,
            body.content_type,
            OPTIONS,
            seller_id=SELLER,
            max_messages=2,
            directory=tmp_path,
        )
    finally:
        body.close()
    assert [p.messages for p in result.parts] == [2, 1] and result.processed == 4


def test_alternating_messages_and_strays_keep_the_shell_small(tmp_path: Path) -> None:
    from gateway.feeds import envelope

    pairs = "".join(samples.inventory(i, f"S{i}", 1) + "<X/>" for i in range(1, 2001))
    shells: list[int] = []
    original = envelope._Shell.errors

    def spy(self: Any, *args: Any) -> list[str]:
        shells.append(len(self.children))
        return original(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(envelope._Shell, "errors", spy)
        result = _parts(samples.envelope("Inventory", pairs), INVENTORY_ROW, tmp_path)
    assert result.document_failed and shells and shells[0] < 200


def test_blank_message_type_is_a_mismatch_and_an_empty_one_a_schema_error() -> None:
    blank = samples.envelope(" ", samples.inventory(1, "A", 1))
    assert (
        "MessageType  does not match"
        in convert_case(("envelope", blank, "Inventory"), OPTIONS).issues[0].message
    )
