// One MWS call with the amazon-mws npm client (0.0.27), unmodified, pointed at a gateway.
// Usage: node mws_call.js '<json>' where json = {host, port, key, secret, section, request}
// (`section`: the client's resource name, e.g. "fulfillmentInboundShipment"; `request`: the
// MWS parameters including Version and Action). Prints {"ok": response} or {"error": ...}.
'use strict';

const spec = JSON.parse(process.argv[2]);
const amazonMws = require('amazon-mws')(spec.key, spec.secret);
amazonMws.setHost(spec.host, spec.port, 'http');

amazonMws[spec.section].search(spec.request, (error, response) => {
  if (error) {
    process.stdout.write(JSON.stringify({ error }));
  } else {
    process.stdout.write(JSON.stringify({ ok: response }));
  }
});
