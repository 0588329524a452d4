"""The emulated Fulfillment Inbound APIs: v0 (the surviving operations) and 2024-03-20.

Both read one store (:mod:`gateway.emulator.inbound.store`), so a shipment created through the
2024-03-20 plan workflow shows up in v0 ``getShipments`` and gets v0 labels, as on Amazon.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.emulator.inbound import plans, v0

routes: list[BaseRoute] = [*v0.routes, *plans.routes]

__all__ = ["routes"]
