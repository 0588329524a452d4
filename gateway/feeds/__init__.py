"""Legacy MWS listing feeds translated to JSON_LISTINGS_FEED, as pure functions.

* :mod:`.safexml` parses untrusted XML without DTDs, entities or external resources;
* :mod:`.envelope` validates an ``AmazonEnvelope`` of Inventory/Price messages against the
  project's own XSD and reports errors per ``MessageID``;
* :mod:`.flatfile` reads the price-and-quantity flat file;
* :mod:`.listings` builds the JSON PATCH messages and the (split) feed documents;
* :mod:`.report` turns JSON processing reports back into MWS processing reports.

No I/O happens here: the translate layer feeds bytes in and uploads what comes out.
"""
