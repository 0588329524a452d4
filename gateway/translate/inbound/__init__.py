"""MWS FulfillmentInboundShipment 2010-10-01 on SP-API Fulfillment Inbound v0 and 2024-03-20.

* :mod:`.v0` and :mod:`.labels`: the straight translations onto v0 (prep instructions,
  shipments, items, labels and bills of lading as MWS's ``TransportDocument``);
* :mod:`.plans`: CreateInboundShipmentPlan as the 2024-03-20 plan workflow, a durable intent
  that a client's retry resumes;
* :mod:`.shipments`: CreateInboundShipment / UpdateInboundShipment on the plan's placement;
* :mod:`.transport`: Put/Estimate/Get/ConfirmTransport on transportation options;
* :mod:`.api` and :mod:`.records`: the two SP-API APIs as the section calls them, and the
  durable records that map MWS ShipmentIds to plans, placements and confirmation ids.

Everything the tables can say is in ``mappings/sections/fulfillment_inbound.yaml``.
"""
