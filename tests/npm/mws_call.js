// One MWS call through the amazon-mws npm client, for the live tests (tests/support/npm.py).
// Reads {host, port, accessKey, secret, resource, method, params} as JSON on stdin and prints
// {ok: true, response} or {ok: false, error} as JSON on stdout. `resource` is the client's
// section object (products, sellers, ...), `method` "search" (GET) or "searchFor" (POST).
// `format: "XML"` asks the client for the response text instead of its JSON conversion (the
// client's own option), where that conversion cannot take the answer.
'use strict';

const amazonMws = require('amazon-mws');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const spec = JSON.parse(input);
  const client = amazonMws(spec.accessKey, spec.secret);
  client.setHost(spec.host, spec.port, 'http');
  if (spec.format) client.setResponseFormat(spec.format);
  const resource = client[spec.resource];
  resource[spec.method || 'searchFor'](spec.params).then(
    (response) => { process.stdout.write(JSON.stringify({ ok: true, response })); },
    (error) => {
      process.stdout.write(JSON.stringify({
        ok: false,
        error: {
          message: String(error.Message),
          code: error.OriginalError ? error.OriginalError.Code : error.Code,
          status: error.StatusCode,
        },
      }));
    },
  );
});
