// Sends MWS calls with an unmodified npm MWS client (amazon-mws 0.0.27) and prints what the
// client handed back, as JSON: one {"ok": parsed} or {"error": {...}} per call, in order.
//
//   node mws_calls.js '{"port": 8080, "key": "...", "secret": "...", "resource": "...",
//                       "calls": [{"Version": "...", "Action": "...", ...}, ...]}'
//
// The client's generic `search` method sends any Action of a section with a GET, signed with
// the host it is given (without the port), over http when told so.
'use strict';

const http = require('http');
const AmazonMws = require('amazon-mws');

// The client sends its request when the socket emits 'connect', which a reused keep-alive
// socket never does; Node 19+ keeps sockets alive by default, the Node the client was written
// for did not. Run it as it ran then: a new connection per call.
http.globalAgent = new http.Agent({ keepAlive: false });

async function main() {
  const job = JSON.parse(process.argv[2]);
  const client = new AmazonMws(job.key, job.secret);
  client.setHost('127.0.0.1', String(job.port), 'http');
  const results = [];
  for (const params of job.calls) {
    try {
      results.push({ ok: await client[job.resource].search(params) });
    } catch (err) {
      // an MWS ErrorResponse: the client keeps its Error element as OriginalError
      const original = err.OriginalError || {};
      results.push({
        error: {
          code: original.Code || null,
          message: original.Message || err.Message || null,
          status: err.StatusCode || null,
        },
      });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
