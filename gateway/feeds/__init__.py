"""Legacy MWS listing feeds translated to JSON_LISTINGS_FEED, streamed in bounded memory.

* :mod:`.parts` is the entry point: :func:`.parts.convert_to_parts` reads a spooled feed
  incrementally and writes the JSON_LISTINGS_FEED documents (split at the message limit)
  to part files, keeping only capped issues (:mod:`.ledger`) and exact totals;
* :mod:`.safexml` parses untrusted XML without DTDs, entities or external resources, whole or
  one child of the root at a time within size limits;
* :mod:`.envelope` validates an ``AmazonEnvelope`` of Inventory/Price messages against the
  project's own XSD and reports errors per ``MessageID``;
* :mod:`.flatfile` reads the price-and-quantity flat file (lines: :mod:`.lines`);
* :mod:`.listings` builds the JSON PATCH messages and the feed documents;
* :mod:`.report` turns JSON processing reports back into MWS processing reports.

The conversions stream into a :class:`.model.Sink`; ``convert_envelope`` and
``convert_price_quantity`` collect one in memory (small documents, tests). The only I/O is
reading the given file and writing the part files to the given directory: the translate layer
spools the body and uploads what comes out.
"""
