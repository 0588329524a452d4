"""GetPackageLabels, GetUniquePackageLabels, GetPalletLabels, GetBillOfLading on v0.

v0 ``getLabels`` (LabelType and the count parameter per operation from the table) and
``getBillOfLading`` answer a ``DownloadURL``; MWS answered ``TransportDocument``:
``PdfDocument``, the base64 of a ZIP archive holding the PDF, and ``Checksum``, the base64 MD5
of that archive. The gateway downloads the PDF (streamed, never whole in memory), writes the
ZIP to a spooled temporary file while it arrives, hashes it, and sends the base64 text while
the answer goes out (:class:`gateway.translate.engine.call.StreamedText`), so a label file of
megabytes never sits in memory as one string. A download that already is a ZIP is kept as it
is. The download URL carries credentials: it is never logged, audited or put in an error.

For a planned shipment the ShipmentId is sent as its FBA confirmation id. GetPackageLabels
without NumberOfPackages counts the packages PutTransportContent gave, as MWS did for
Amazon-partnered small parcel shipments.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
import zipfile
from collections.abc import AsyncIterator
from typing import IO, Any

from gateway.mws.errors import MwsError
from gateway.spapi.documents import open_download
from gateway.translate.engine.call import Call, StreamedText, XmlResult
from gateway.translate.engine.upstream import dig, fill_path
from gateway.translate.inbound.api import InboundV0
from gateway.translate.inbound.records import find_shipment
from gateway.translate.inbound.v0 import parse

ZIP_MAGIC = b"PK\x03\x04"
SPOOL_BYTES = 1024 * 1024  # in memory up to 1 MiB, then a temporary file
READ_BYTES = 48 * 1024  # a multiple of 3: the base64 of the chunks joins up


class Spooled:
    """A ZIP archive on a spooled temporary file, with its size and MD5."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.size = 0
        self.md5_base64 = ""

    def finish(self) -> None:
        self.file.flush()
        self.size = self.file.seek(0, 2)
        self.file.seek(0)
        digest = hashlib.md5()  # MWS's Checksum is an MD5
        while chunk := self.file.read(READ_BYTES):
            digest.update(chunk)
        self.md5_base64 = base64.b64encode(digest.digest()).decode("ascii")
        self.file.seek(0)

    def close(self) -> None:
        self.file.close()

    def base64_text(self) -> StreamedText:
        length = 4 * ((self.size + 2) // 3)

        async def chunks() -> AsyncIterator[bytes]:
            self.file.seek(0)
            while chunk := self.file.read(READ_BYTES):
                yield base64.b64encode(chunk)

        return StreamedText(length=length, chunks=chunks(), close=self.close)


async def zip_download(chunks: AsyncIterator[bytes], name: str, limit: int) -> Spooled:
    """The downloaded document as a ZIP archive holding it under ``name``."""
    spooled = Spooled()
    try:
        first = b""
        source = chunks.__aiter__()
        async for chunk in source:
            first += chunk
            if len(first) >= len(ZIP_MAGIC):
                break
        total = len(first)
        _check(total, limit)
        if first.startswith(ZIP_MAGIC):  # already an archive: kept byte for byte
            spooled.file.write(first)
            async for chunk in source:
                total += len(chunk)
                _check(total, limit)
                spooled.file.write(chunk)
        else:
            archive = zipfile.ZipFile(spooled.file, "w", compression=zipfile.ZIP_DEFLATED)
            with archive, archive.open(name, "w") as entry:
                entry.write(first)
                async for chunk in source:
                    total += len(chunk)
                    _check(total, limit)
                    entry.write(chunk)
        if total == 0:
            raise MwsError("ServiceUnavailable", "Amazon sent an empty document; retry later.")
        spooled.finish()
    except BaseException:
        spooled.close()
        raise
    return spooled


def _check(total: int, limit: int) -> None:
    if total > limit:
        raise MwsError(
            "InternalError", "The document from Amazon is larger than the gateway accepts."
        )


def document_name(template: str, shipment_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in shipment_id)[:60]
    return template.replace("{ShipmentId}", safe)


async def get_labels(call: Call) -> XmlResult:
    spec = call.operation.spec
    upstream = spec["upstream"]
    parsed = parse(call)
    shipment_id = str(parsed.values["ShipmentId"])
    record = await find_shipment(call, shipment_id)
    v0_id, marketplace = shipment_id, None
    query: dict[str, Any] = {**dict(upstream.get("query") or {}), **parsed.upstream}
    if record is not None:
        if not record.created or not record.confirmation_id:
            raise MwsError(
                "InvalidRequest",
                f"Shipment {shipment_id} has not been created yet: call CreateInboundShipment "
                "before printing its labels.",
            )
        v0_id, marketplace = record.confirmation_id, record.marketplace_id
        packages = (record.transport.get("content") or {}).get("details", {})
        package_list = (packages.get("PartneredSmallParcelData") or {}).get("PackageList")
        if (
            query.get("LabelType") == "BARCODE_2D"
            and "NumberOfPackages" not in query
            and isinstance(package_list, list)
        ):
            query["NumberOfPackages"] = str(len(package_list))
    path = fill_path(str(upstream["path"]), {"shipmentId": v0_id})
    operation = str(upstream["operation"])
    body = await InboundV0(call, marketplace).get(operation, path, query)
    url = dig(body, "payload.DownloadURL")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MwsError("InternalError", f"SP-API {operation} answered without a download URL.")
    document = await open_download(
        call.services.spapi, url, compression=None, audit=call.audit, section=call.section.name
    )
    name = document_name(
        str((spec.get("document") or {}).get("name", "{ShipmentId}.pdf")), shipment_id
    )
    try:
        spooled = await zip_download(
            document.chunks(), name, call.services.settings.limits.max_document_bytes
        )
    except BaseException:
        await document.aclose()
        raise
    text = spooled.base64_text()
    call.audit.notes["transport_document_bytes"] = spooled.size
    return XmlResult(
        [
            (
                "TransportDocument",
                [("PdfDocument", text.placeholder), ("Checksum", spooled.md5_base64)],
            )
        ],
        streams=[text],
    )
