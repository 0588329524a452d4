"""Request documents (SubmitFeed, SubmitFBAOutboundShipmentInvoice): the client's MD5 checked.

Operations whose table says ``document_body: true`` take their parameters in the query and a
document in the HTTP body; the pipeline spools the body while computing its MD5
(:mod:`gateway.intake`). MWS compared that digest with the client's, sent as the
``ContentMD5Value`` parameter or the ``Content-MD5`` header (base64 of the 16 MD5 bytes), and
refused a mismatch with ``ContentMD5DoesNotMatch`` before doing anything with the document.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from gateway.mws.errors import MwsError


def md5_value(value: str, what: str) -> str:
    """``value`` if it is the base64 form of 16 bytes (InvalidParameterValue otherwise)."""
    value = value.strip()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 16:
        raise MwsError("InvalidParameterValue", f"{what} {value[:64]!r} is not a base64 MD5.")
    return value


def content_md5(
    params: Mapping[str, str], headers: Mapping[str, str], computed: str, what: str = "feed"
) -> str:
    """The client's MD5 (``ContentMD5Value`` or the ``Content-MD5`` header), checked.

    ``computed`` is the base64 MD5 of the body as received; ``what`` names the document in the
    messages ("feed", "invoice").
    """
    param = params.get("ContentMD5Value")
    header = headers.get("content-md5")
    if param is None and header is None:
        raise MwsError(
            "ContentMD5Missing",
            f"The Content-MD5 HTTP header or ContentMD5Value parameter is required for this "
            f"{what}.",
        )
    if param is not None and header is not None and param.strip() != header.strip():
        raise MwsError(
            "InvalidParameterValue",
            "The ContentMD5Value parameter and the Content-MD5 header do not match.",
        )
    given = md5_value(param if param is not None else header or "", "Content-MD5")
    if given != computed:
        raise MwsError(
            "ContentMD5DoesNotMatch",
            f"The Content-MD5 HTTP header you passed for your {what} ({given}) did not match "
            f"the Content-MD5 we calculated for your {what} ({computed})",
        )
    return given
