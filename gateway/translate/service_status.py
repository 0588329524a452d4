"""Operations answered by the gateway itself, with no SP-API call."""

from __future__ import annotations

from gateway.mws.timestamps import format_epoch_millis
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult


async def service_status(call: Call) -> XmlResult:
    """GetServiceStatus from the section's upstream health (GREEN / YELLOW / RED)."""
    status, message = call.services.health.status(call.section.name)
    children: list[Element] = [
        ("Status", str(getattr(status, "value", status))),
        ("Timestamp", format_epoch_millis(call.received_at)),
    ]
    if message:
        children.append(("MessageId", f"{call.section.name}-{getattr(status, 'value', status)}"))
        children.append(("Messages", [("Message", [("Locale", "en_US"), ("Text", message)])]))
    return XmlResult(children)
