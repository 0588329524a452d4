"""Small, valid PDF documents for the emulated inbound labels and bills of lading.

Each page carries a few lines of text (shipment, label kind, page number). The document is
a plain PDF 1.4 with one Helvetica font, one content stream per page and a correct
cross-reference table, so PDF readers (and the tests' parser) open it. The same arguments
always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_SIZES = {"thermal": (288, 432), "letter": (612, 792), "a4": (595, 842)}


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(lines: Sequence[str], height: int) -> bytes:
    parts = ["BT", "/F1 14 Tf", f"36 {height - 48} Td", "18 TL"]
    for line in lines:
        parts.append(f"({_escape(line)}) Tj T*")
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def pdf_document(pages: Sequence[Sequence[str]], *, page_size: str = "letter") -> bytes:
    """A PDF with one page per entry of ``pages`` (each a list of text lines)."""
    width, height = PAGE_SIZES.get(page_size, PAGE_SIZES["letter"])
    if not pages:
        pages = [[""]]
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, lines in enumerate(pages):
        content = _content(lines, height)
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[index] + 1} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def page_size_of(page_type: str) -> str:
    """The paper a v0 ``PageType`` prints on."""
    lowered = page_type.lower()
    if "thermal" in lowered:
        return "thermal"
    if "_a4_" in lowered:
        return "a4"
    return "letter"
