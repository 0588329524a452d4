"""MWS errors as values.

Code raises :class:`MwsError` with an MWS error code and message; HTTP status and the
``Type`` (Sender/Receiver) come from ``mappings/errors.yaml`` unless given explicitly, so the
table stays the single source of truth for what each code means on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorSpec:
    """One row of ``mappings/errors.yaml``."""

    code: str
    status: int
    type: str  # Sender | Receiver
    message: str  # default message, may contain {placeholders}
    # MWS spelled the request id element ``RequestID`` on front-door errors and
    # ``RequestId`` on errors produced by a section's own service.
    request_id_tag: str = "RequestId"


class MwsError(Exception):
    """An error to answer as an MWS ``ErrorResponse``."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        type: str | None = None,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.type = type
        self.detail = detail
        self.headers = headers or {}

    def resolve(self, table: dict[str, ErrorSpec]) -> tuple[int, str, str, str]:
        """Status, Type, Message and request-id tag, completed from the errors table."""
        spec = table.get(self.code)
        status = self.status or (spec.status if spec else 400)
        kind = self.type or (spec.type if spec else "Sender")
        message = self.message if self.message is not None else (spec.message if spec else "")
        tag = spec.request_id_tag if spec else "RequestId"
        return status, kind, message, tag
